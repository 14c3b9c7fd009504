// One-line summaries for commit statuses: GitHub cuts a status description at
// 140 characters, so the numbers come first and the rest is trimmed to fit.
import { planSize, type Plan } from '../../diff/types.ts';
import { formatPos, withField } from '../../shared/errors.ts';
import type { SpecProblem, SyncResult } from '../events.ts';
import type { Conflict, PrPlanReport } from './types.ts';

export const STATUS_DESCRIPTION_MAX = 140;

export function fitDescription(text: string, max = STATUS_DESCRIPTION_MAX): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  // Cut on a code point (never half an emoji), counting UTF-16 units as GitHub's limit does.
  const cps = [...one];
  while (cps.join('').length > max - 1) cps.pop();
  return cps.join('') + '…';
}

export function countPlans(plans: readonly Plan[]): { inserts: number; modifies: number; deletes: number } {
  let inserts = 0, modifies = 0, deletes = 0;
  for (const p of plans) {
    inserts += p.inserts.length;
    modifies += p.modifies.length;
    deletes += p.deletes.length;
  }
  return { inserts, modifies, deletes };
}

/** `+12 ~1 -3 entries on 2 switches` (switches counted only when they change). */
export function planCounts(plans: readonly Plan[]): string {
  const c = countPlans(plans);
  const changed = plans.filter((p) => planSize(p) > 0).length;
  if (c.inserts + c.modifies + c.deletes === 0) return `no changes on ${plans.length} switch${plans.length === 1 ? '' : 'es'}`;
  return `+${c.inserts} ~${c.modifies} -${c.deletes} entries on ${changed} switch${changed === 1 ? '' : 'es'}`;
}

function problemsLine(problems: readonly SpecProblem[]): string {
  const first = problems[0];
  return `${problems.length} spec error${problems.length === 1 ? '' : 's'}; first ${formatPos(first.pos)} ${withField(first.field, first.message)}`;
}

function conflictsLine(conflicts: readonly Conflict[]): string {
  return `conflicts with ${conflicts.map((c) => `#${c.pr} (${c.objects.join(', ')})`).join(', ')}`;
}

export function planStatus(r: PrPlanReport): { state: 'success' | 'failure' | 'error'; description: string } {
  if (r.fatal) return { state: 'error', description: fitDescription(`plan could not run: ${r.fatal}`) };
  if (r.problems.length) return { state: 'failure', description: fitDescription(problemsLine(r.problems)) };
  const entries = planCounts(r.switches.map((s) => s.plan));
  const counts = r.trust?.length ? `${r.trust.length} trust-relevant change${r.trust.length === 1 ? '' : 's'}; ${entries}` : entries;
  if (r.verify?.length) return { state: 'failure', description: fitDescription(`${counts}; verify: ${r.verify.length} finding${r.verify.length === 1 ? '' : 's'}; first ${formatPos(r.verify[0]!.pos)} ${r.verify[0]!.message}`) };
  // A conflict fails the check: whichever PR merges first changes what the other one would do.
  if (r.conflicts.length) return { state: 'failure', description: fitDescription(`${counts}; ${conflictsLine(r.conflicts)}`) };
  return { state: 'success', description: fitDescription(counts) };
}

/** Status for one switch after a sync of a merged commit. */
export function applyStatus(s: SyncResult): { state: 'success' | 'failure' | 'error' | 'pending'; description: string } {
  const w = s.written;
  const wrote = `+${w.inserted} ~${w.modified} -${w.deleted}`;
  switch (s.outcome) {
    case 'Converged': return { state: 'success', description: fitDescription(`converged: wrote ${wrote} entries`) };
    case 'Unchanged': return { state: 'success', description: 'already converged: nothing to write' };
    case 'Planned': return { state: 'pending', description: fitDescription(`plan-only mode: ${planCounts([s.plan])} waiting to be applied`) };
    case 'Skipped': return { state: 'error', description: fitDescription(`skipped${s.error ? ': ' + s.error.message : ''}`) };
    case 'RolledBack':
    case 'Failed': {
      const at = s.error?.updateIndex !== undefined ? ` at update ${s.error.updateIndex}` : '';
      const left = s.error ? `, switch left at ${s.error.leftAt} state` : '';
      return { state: 'failure', description: fitDescription(`${s.outcome === 'Failed' ? 'failed' : 'rolled back'}${at}${left}: ${s.error?.message ?? 'unknown error'}`) };
    }
  }
}
