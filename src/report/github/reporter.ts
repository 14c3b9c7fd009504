// GitHubReporter: the reconciler's events (src/report/events.ts) as GitHub
// objects. A new commit about to be written → `flowops/apply/<switch>`
// pending; its sync → one such status per switch with the result
// (a failed leaf shows which one, the others stay green) and a short
// comment on the merged PR; drift → the switch's drift issue. Everything goes
// through the Outbox: these methods queue and return at once (the reconciler
// awaits them between switch writes), never throw, and never wait on GitHub.
// `outbox.flush()` waits for the sends when a caller wants to.
import { silentLogger, type Logger } from '../../shared/log.ts';
import type { DriftClearedEvent, DriftEvent, Reporter, SyncResult, SyncEvent, SyncStartedEvent } from '../events.ts';
import { Outbox } from './outbox.ts';
import { renderApplyComment } from './plan-comment.ts';
import { applyContext } from './statuses.ts';
import { applyStatus } from './summary.ts';
import { mdCode, mdText } from '../markdown.ts';
import type { RepoRef } from './types.ts';

export interface GitHubReporterOptions {
  repo: RepoRef;
  outbox: Outbox;
  logger?: Logger;
  /** Link put on statuses (e.g. the reconciler's status page). */
  targetUrl?: string;
}

function applyLine(s: SyncResult): string {
  const w = s.written;
  const t = mdCode(s.target);
  switch (s.outcome) {
    case 'Converged': return `${t}: converged — inserted ${w.inserted}, modified ${w.modified}, deleted ${w.deleted} entries`;
    case 'Unchanged': return `${t}: already matched Git, nothing written`;
    case 'Planned': return `${t}: planned only (plan-only mode), nothing written`;
    case 'Skipped': return `${t}: skipped${s.error ? ` (${mdText(s.error.message)})` : ''}`;
    case 'Failed':
    case 'RolledBack': return `${t}: **${s.outcome === 'Failed' ? 'failed' : 'rolled back'}**${s.error?.updateIndex !== undefined ? ` at update ${s.error.updateIndex}` : ''}: ${mdText(s.error?.message ?? 'unknown error')} (switch left at ${s.error?.leftAt ?? 'unknown'} state)`;
  }
}

export class GitHubReporter implements Reporter {
  private log: Logger;
  /** (commit, switch) pairs already reported: a later "Unchanged" for them is the steady state, not news. */
  private reported = new Set<string>();

  constructor(private opts: GitHubReporterOptions) {
    this.log = opts.logger ?? silentLogger;
  }

  /** The reconciler calls this before writing a new commit: the commit shows `pending` per switch until its result. */
  async syncStarted(ev: SyncStartedEvent): Promise<void> {
    await this.applyStarted(ev.commit, ev.targets);
  }

  /** `flowops/apply/<switch>` pending on `commit` for each target. */
  async applyStarted(commit: string, targets: readonly string[]): Promise<void> {
    targets.forEach((t) => void this.opts.outbox.submit({
      kind: 'status', repo: this.opts.repo, sha: commit, context: applyContext(t), state: 'pending',
      description: 'applying to the switch…', ...(this.opts.targetUrl ? { targetUrl: this.opts.targetUrl } : {}),
    }));
  }

  async syncFinished(ev: SyncEvent): Promise<void> {
    const fresh = ev.switches.filter((s) => !(s.outcome === 'Unchanged' && this.reported.has(`${ev.commit} ${s.target}`)));
    if (!fresh.length) return;
    for (const s of fresh) {
      this.reported.add(`${ev.commit} ${s.target}`);
      const st = applyStatus(s);
      void this.opts.outbox.submit({
        kind: 'status', repo: this.opts.repo, sha: ev.commit, context: applyContext(s.target), ...st,
        ...(this.opts.targetUrl ? { targetUrl: this.opts.targetUrl } : {}),
      });
    }
    const lines = ev.switches.map(applyLine);
    if (ev.problems.length) lines.unshift(`**${ev.problems.length} spec error${ev.problems.length === 1 ? '' : 's'}** at this commit; switches were left as they were`);
    void this.opts.outbox.submit({ kind: 'apply-comment', repo: this.opts.repo, commit: ev.commit, body: renderApplyComment(ev.commit, lines) });
    this.log.debug('github: sync reported', { commit: ev.commit, switches: fresh.length });
  }

  async drift(ev: DriftEvent): Promise<void> {
    void this.opts.outbox.submit({ kind: 'drift', repo: this.opts.repo, event: ev });
  }

  async driftCleared(ev: DriftClearedEvent): Promise<void> {
    void this.opts.outbox.submit({ kind: 'drift-cleared', repo: this.opts.repo, event: ev });
  }
}
