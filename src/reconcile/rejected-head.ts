// A branch head that cannot become desired state (a file that does not load,
// a spec error, a bad signature). The switches keep the last good commit, and
// everyone who watches must see that the head is bad: one failed
// `flowops/apply/<switch>` status per switch on the head commit, the state
// file (`flowops status`), `/readyz` and the `flowops_head_rejected` metric.
// The loop (reconciler.ts) decides; outcomes.ts tells, with these texts.
import { formatPos, withField } from '../shared/errors.ts';
import type { SpecProblem, SyncResult } from '../report/events.ts';
import { emptyPlan } from './outcomes.ts';

export interface RejectedHead {
  commit: string;
  problems: SpecProblem[];
}

/** `3 spec errors; first tenants/a.yaml:4:3 spec.vlan: …` — one line for a status, a log, `flowops status`. */
export function rejectionText(problems: readonly SpecProblem[]): string {
  const first = problems[0];
  const n = `${problems.length} spec error${problems.length === 1 ? '' : 's'}`;
  return first ? `${n}; first ${formatPos(first.pos)} ${withField(first.field, first.message)}` : n;
}

/** What a rejected head means for one switch: Failed, nothing written, left at the old state. */
export function rejectedResult(target: string, head: RejectedHead): SyncResult {
  return {
    target,
    outcome: 'Failed',
    plan: emptyPlan(),
    written: { inserted: 0, modified: 0, deleted: 0 },
    durationMs: 0,
    error: { reason: 'CommitRejected', message: `commit ${head.commit.slice(0, 7)} rejected: ${rejectionText(head.problems)}`, code: head.problems[0]?.code, leftAt: 'old' },
  };
}

/** Readiness detail for a rejected head (the daemon is not ready while its branch head is bad). */
export function rejectedDetail(head: RejectedHead): Record<string, unknown> {
  return { commit: head.commit, rejected: true, problems: head.problems.length, summary: rejectionText(head.problems) };
}
