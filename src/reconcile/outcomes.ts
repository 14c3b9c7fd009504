// The one place a sync's outcome goes out: logs, metrics, the status file,
// the reporter (GitHub), the human lines (`--demo`, `apply --once`) and the
// web view's record (view-source.ts), with the run's trace id. The
// loop (reconciler.ts), the pool and the per-switch sequence decide; this
// file only tells. A reporter that fails is counted and logged, never fatal.
import path from 'node:path';
import type { Writable } from 'node:stream';
import { currentTraceId, type Logger } from '../shared/log.ts';
import { formatPos, withField } from '../shared/errors.ts';
import { planSize, type Plan } from '../diff/types.ts';
import { countByTable } from '../diff/insert-list.ts';
import type { PipelineFiles } from '../desired/types.ts';
import type { DriftClearedEvent, DriftEvent, Reporter, SyncResult, SyncEvent, SyncStartedEvent } from '../report/events.ts';
import { formatCookie } from '../pipeline/cookie.ts';
import type { Metrics } from './metrics.ts';
import type { EntityRpc } from '../apply/session.ts';
import { statusTraffic, tenantOf, type CounterSampler, type Counts } from './counters.ts';
import type { ReconcilerView } from './view-source.ts';
import { readStatus, writeStatus, type StatusFile, type StatusFileEntry } from './state-file.ts';
import { rejectedResult, rejectionText, type RejectedHead } from './rejected-head.ts';

export interface OutcomesOptions {
  metrics: Metrics;
  logger: Logger;
  reporter?: Reporter;
  human?: Writable;
  statusFile: string;
  now: () => Date;
  /** Per-flow traffic samples (counters.ts): fed by `countersRead`, dropped with a switch. */
  counters?: CounterSampler;
  /** The web view's sync history and drift entries. */
  view?: ReconcilerView;
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
  switchStatus(name: string, address: string): StatusFileEntry {
    const prev = this.status.switches[name];
    const st: StatusFileEntry = { target: name, address, appliedCommit: prev?.appliedCommit, lastSync: prev?.lastSync, drift: prev?.drift };
    this.status.switches[name] = st;
    return st;
  }

  forget(name: string): void {
    delete this.status.switches[name];
    this.o.counters?.forget(name);
    this.o.metrics.dropTraffic(name);
  }

  /** One switch's sync finished (`res.error.reason` says why when it did not converge). */
  switchFinished(st: StatusFileEntry, commit: string, res: SyncResult, reason: string, log: Logger): void {
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
    st.lastPath = res.path && `${res.path.path}: ${res.path.reason}`;
    this.o.view?.recordSync(commit, reason, res, currentTraceId());
    const fields = { reason, outcome, path: res.path?.path, pathReason: res.path?.reason, inserts: p.inserts.length, modifies: p.modifies.length, deletes: p.deletes.length, unchanged: p.unchanged, ms: res.durationMs };
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

  /** The branch head is rejected (or, with `undefined`, good again): the state file (`flowops status`) and flowops_head_rejected say so. */
  headRejected(head: RejectedHead | undefined): void {
    this.o.metrics.headRejected.set({}, head ? 1 : 0);
    this.status.headError = head ? `commit ${head.commit.slice(0, 7)} rejected: ${rejectionText(head.problems)}` : undefined;
  }

  /** A commit with spec problems: each named switch Failed with reason CommitRejected, nothing written, left at the old state. */
  async commitRejected(head: RejectedHead, names: readonly string[], branch: string, mode: SyncEvent['mode']): Promise<SyncEvent> {
    const { metrics, logger } = this.o;
    metrics.errors.inc({ stage: 'specs' }, head.problems.length);
    for (const p of head.problems) {
      logger.error('spec error; nothing applied, switches keep the last good commit', { commit: head.commit, at: formatPos(p.pos), field: p.field, code: p.code, message: p.message });
      this.human(`commit ${head.commit.slice(0, 7)} rejected: ${formatPos(p.pos)} ${withField(p.field, p.message)}`);
    }
    const message = `commit rejected: ${head.problems.map((p) => `${formatPos(p.pos)} ${withField(p.field, p.message)}`).join('; ')}`;
    const ev: SyncEvent = { commit: head.commit, branch, mode, problems: head.problems, switches: names.map((name) => rejectedResult(name, head)) };
    for (const r of ev.switches) {
      const st = (this.status.switches[r.target] ??= { target: r.target });
      st.lastCommit = head.commit;
      st.lastOutcome = r.outcome;
      st.lastError = message;
      st.lastReason = 'CommitRejected';
      metrics.syncs.inc({ target: r.target, outcome: r.outcome });
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
    this.o.view?.recordDrift(ev.target, ev.entries, ev.healed);
    return this.report(() => this.o.reporter?.drift(ev));
  }
  driftCleared(ev: DriftClearedEvent): Promise<void> {
    this.o.logger.info('drift cleared', { target: ev.target, reason: ev.reason });
    return this.report(() => this.o.reporter?.driftCleared(ev));
  }

  /** A drift scan found the switch equal to the commit it was converged to. */
  noDrift(target: string): void {
    this.o.view?.recordDrift(target, [], false);
  }

  /** The session an apply writes through: each Write timed into flowops_write_duration_seconds. */
  timedWrites(session: EntityRpc, target: string): EntityRpc {
    return this.o.metrics.timedWrites(session, target);
  }

  /** One read of a switch's direct counters (counters.ts readFlowCounters): sampler, traffic metrics, status. */
  countersRead(st: StatusFileEntry, flows: ReadonlyMap<string, Counts>, entries: ReadonlyMap<string, Counts>): void {
    const c = this.o.counters;
    if (!c) return;
    const now = this.o.now();
    c.record(st.target, now.getTime(), flows, entries);
    this.o.metrics.setTraffic(st.target, c.latest(st.target, tenantOf));
    st.traffic = statusTraffic(c, st.target, now);
  }

  countersFailed(target: string, err: Error): void {
    this.o.metrics.errors.inc({ stage: 'counters', target });
    this.o.logger.warn('cannot read counters', { target, err: err.message });
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
function stageOf(reason: NonNullable<SyncResult['error']>['reason']): string {
  return { ConnectFailed: 'connect', PipelineFailed: 'pipeline', ReadFailed: 'read', WriteFailed: 'write', CommitRejected: 'specs' }[reason];
}

/** `flow_classify +12 -3, flow_policy +4` — what a sync changed, per table, for people. */
function byTable(p: Plan): string {
  const m = new Map<string, { '+': number; '~': number; '-': number }>();
  const add = (table: string, k: '+' | '~' | '-', n = 1) => {
    const short = table.replace(/^ingress\./, '');
    const c = m.get(short) ?? m.set(short, { '+': 0, '~': 0, '-': 0 }).get(short)!;
    c[k] += n;
  };
  // Counted over the inserts' arena: a first sync makes no Change per entry for this line.
  for (const [t, n] of countByTable(p.inserts)) add(t, '+', n);
  for (const c of p.modifies) add(c.table, '~');
  for (const c of p.deletes) add(c.table, '-');
  return [...m]
    .map(([t, c]) => `${t} ${(['+', '~', '-'] as const).filter((k) => c[k]).map((k) => `${k}${c[k]}`).join(' ')}`)
    .join(', ');
}

export function emptyPlan(): Plan {
  return { inserts: [], modifies: [], deletes: [], unchanged: 0 };
}
