// The one place a sync's outcome goes out: logs, metrics, the status file,
// the reporter (GitHub) and the human lines (`--demo`, `apply --once`). The
// loop (reconciler.ts), the pool and the per-switch sequence decide; this
// file only tells. A reporter that fails is counted and logged, never fatal.
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from '../shared/log.ts';
import { formatPos } from '../shared/errors.ts';
import { planSize, type Plan } from '../diff/types.ts';
import type { DesiredSet } from '../desired/types.ts';
import type { PipelineFiles } from '../desired/types.ts';
import type { DriftClearedEvent, DriftEvent, Reporter, SwitchResult, SyncEvent, SyncStartedEvent } from '../report/events.ts';
import { formatCookie } from '../pipeline/cookie.ts';
import type { Metrics } from './metrics.ts';
import { readStatus, writeStatus, type StatusFile, type SwitchStatus } from './state-file.ts';

export interface OutcomesOptions {
  metrics: Metrics;
  logger: Logger;
  reporter?: Reporter;
  human?: Writable;
  statusFile: string;
  now: () => Date;
}

export class Outcomes {
  readonly status: StatusFile;

  constructor(private readonly o: OutcomesOptions) {
    this.status = readStatus(o.statusFile) ?? { updated: new Date(0).toISOString(), switches: {} };
  }

  /** A person-readable line, timestamped. */
  human(line: string): void {
    this.o.human?.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  }

  /** The status entry of a switch (created from the last run's file when new). */
  switchStatus(name: string, address: string): SwitchStatus {
    const prev = this.status.switches[name];
    const st: SwitchStatus = { target: name, address, appliedCommit: prev?.appliedCommit, lastSync: prev?.lastSync, drift: prev?.drift };
    this.status.switches[name] = st;
    return st;
  }

  forget(name: string): void {
    delete this.status.switches[name];
  }

  /** One switch's sync finished (`res.error.reason` says why when it did not converge). */
  switchFinished(st: SwitchStatus, commit: string, res: SwitchResult, reason: string, log: Logger): void {
    const { metrics } = this.o;
    const { outcome, error, plan: p, written } = res;
    metrics.syncs.inc({ target: res.target, outcome });
    metrics.syncDuration.observe({ target: res.target }, res.durationMs / 1000);
    if (error) metrics.errors.inc({ stage: stageOf(error.reason), target: res.target });
    st.lastCommit = commit;
    st.lastSync = this.o.now().toISOString();
    st.lastOutcome = outcome;
    st.lastError = error?.message;
    st.lastReason = error?.reason;
    const fields = { reason, outcome, inserts: p.inserts.length, modifies: p.modifies.length, deletes: p.deletes.length, unchanged: p.unchanged, ms: res.durationMs };
    if (error) log.error('sync finished', { ...fields, failure: error.reason, code: error.code, error: error.message, leftAt: error.leftAt });
    else log.info('sync finished', fields);
    const c = commit.slice(0, 7);
    const name = res.target;
    if (outcome === 'Converged') this.human(`${name}: converged to ${c} (+${written.inserted} ~${written.modified} -${written.deleted}, ${p.unchanged} unchanged) in ${res.durationMs} ms: ${byTable(p)}`);
    else if (outcome === 'Unchanged') this.human(`${name}: in sync with ${c} (${p.unchanged} entries, nothing to write)`);
    else if (outcome === 'Planned') this.human(`${name}: plan-only: ${planSize(p)} change(s) not applied`);
    else if (outcome === 'Skipped') this.human(`${name}: skipped (${error?.message ?? 'backup replica'})`);
    else this.human(`${name}: ${outcome}: ${error?.message} (switch left at ${error?.leftAt} state)`);
  }

  pipelinePushed(name: string, pipe: PipelineFiles, log: Logger): void {
    log.info('pipeline pushed', { p4info: path.basename(pipe.p4infoFile), cookie: formatCookie(pipe.cookie) });
    this.human(`${name}: pipeline ${path.basename(pipe.p4infoFile)} pushed (cookie ${formatCookie(pipe.cookie)})`);
  }

  /** A commit with spec problems: every managed switch is Skipped with reason CommitRejected. */
  async commitRejected(d: DesiredSet, switches: { name: string; status: SwitchStatus }[], branch: string, mode: SyncEvent['mode']): Promise<SyncEvent> {
    const { metrics, logger } = this.o;
    metrics.errors.inc({ stage: 'specs' }, d.problems.length);
    for (const p of d.problems) {
      logger.error('spec error; nothing applied, switches keep the last good commit', { commit: d.commit, at: formatPos(p.pos), field: p.field, code: p.code, message: p.message });
      this.human(`commit ${d.commit.slice(0, 7)} rejected: ${formatPos(p.pos)} ${p.message}`);
    }
    const message = `commit rejected: ${d.problems.map((p) => `${formatPos(p.pos)} ${p.message}`).join('; ')}`;
    const ev: SyncEvent = {
      commit: d.commit, branch, mode, problems: d.problems,
      switches: switches.map((s) => ({ target: s.name, outcome: 'Skipped' as const, plan: emptyPlan(), written: { inserted: 0, modified: 0, deleted: 0 }, durationMs: 0 })),
    };
    for (const s of switches) {
      s.status.lastCommit = d.commit;
      s.status.lastOutcome = 'Skipped';
      s.status.lastError = message;
      s.status.lastReason = 'CommitRejected';
      metrics.syncs.inc({ target: s.name, outcome: 'Skipped' });
    }
    this.save();
    await this.syncFinished(ev);
    return ev;
  }

  syncStarted(ev: SyncStartedEvent): Promise<void> {
    return this.report(() => this.o.reporter?.syncStarted?.(ev));
  }
  syncFinished(ev: SyncEvent): Promise<void> {
    return this.report(() => this.o.reporter?.syncFinished(ev));
  }
  drift(ev: DriftEvent): Promise<void> {
    return this.report(() => this.o.reporter?.drift(ev));
  }
  driftCleared(ev: DriftClearedEvent): Promise<void> {
    this.o.logger.info('drift cleared', { target: ev.target, reason: ev.reason });
    return this.report(() => this.o.reporter?.driftCleared(ev));
  }

  private async report(fn: () => Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.o.metrics.errors.inc({ stage: 'report' });
      this.o.logger.warn('reporter failed', { err: (err as Error).message });
    }
  }

  save(): void {
    this.status.updated = this.o.now().toISOString();
    try {
      writeStatus(this.o.statusFile, this.status);
    } catch (err) {
      this.o.logger.warn('cannot write status file', { file: this.o.statusFile, err: (err as Error).message });
    }
  }
}

/** The `stage` label of flowops_errors_total for a failure reason (names kept from before reasons existed). */
function stageOf(reason: NonNullable<SwitchResult['error']>['reason']): string {
  return { ConnectFailed: 'connect', PipelineFailed: 'pipeline', ReadFailed: 'read', WriteFailed: 'write', CommitRejected: 'specs' }[reason];
}

/** `flow_classify +12 -3, flow_policy +4` — what a sync changed, per table, for people. */
function byTable(p: Plan): string {
  const m = new Map<string, { '+': number; '~': number; '-': number }>();
  const add = (table: string, k: '+' | '~' | '-') => {
    const short = table.replace(/^ingress\./, '');
    const c = m.get(short) ?? m.set(short, { '+': 0, '~': 0, '-': 0 }).get(short)!;
    c[k]++;
  };
  for (const c of p.inserts) add(c.table, '+');
  for (const c of p.modifies) add(c.table, '~');
  for (const c of p.deletes) add(c.table, '-');
  return [...m]
    .map(([t, c]) => `${t} ${(['+', '~', '-'] as const).filter((k) => c[k]).map((k) => `${k}${c[k]}`).join(' ')}`)
    .join(', ');
}

export function emptyPlan(): Plan {
  return { inserts: [], modifies: [], deletes: [], unchanged: 0 };
}
