// One switch's sync, as a fixed sequence with one exit (Flux's
// kustomize-controller): connect → pipeline → read → plan → apply → verify.
// The read is skipped on the delta path: when the switch is known to hold the
// previous desired state (known-state.ts decides), the plan is that state →
// this one (diff/delta.ts) and apply reads back only what it wrote. Every
// apply is recorded in the intent journal (journal.ts) before its first Write
// and when it ends.
// A step that fails ends the sequence with one typed reason (report/events.ts
// FailureReason) and says where the switch was left; nothing here logs the
// outcome or touches metrics — the caller hands the result to outcomes.ts.
import type { Logger } from '../shared/log.ts';
import { isConnectionLost } from '../p4rt/errors.ts';
import type { DesiredState } from '../compile/types.ts';
import type { DesiredSet } from '../desired/types.ts';
import { plan } from '../diff/plan.ts';
import { planDelta } from '../diff/delta.ts';
import { planSize, type Plan } from '../diff/types.ts';
import { applyPlan, type ApplyResult } from '../apply/apply.ts';
import type { EntityRpc } from '../apply/session.ts';
import { readTouched, touchedMatch } from '../apply/read-back.ts';
import { entityKey, metadataBytes } from '../p4info/entity.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import type { FailureReason, SyncResult, SyncOutcome } from '../report/events.ts';
import type { Config } from './config.ts';
import { stateFromLive } from './live.ts';
import { emptyPlan, type Outcomes } from './outcomes.ts';
import type { PooledSwitch } from './pool.ts';
import { noProgress, type Progress } from './progress.ts';
import type { SwitchConnection } from './switch.ts';
import { chooseSyncPath, distrust, trust, type SyncPath } from './known-state.ts';
import type { IntentJournal } from './journal.ts';

export interface SyncSwitchContext {
  config: Pick<Config, 'mode' | 'prune' | 'batch'>;
  /** Makes (or returns) the switch's connection. */
  connect: () => Promise<SwitchConnection>;
  signal: AbortSignal;
  log: Logger;
  outcomes: Outcomes;
  progress?: Progress;
  journal: IntentJournal;
  /** A forced sync with no new desired state (POST /sync): read the switch whatever is known. */
  forced?: boolean;
  /**
   * A read and plan of this switch against the same desired state just made
   * under the same lock (the drift scan's), reused instead of reading the
   * whole switch again — unless a pipeline push has since emptied the tables.
   */
  seen?: { against: DesiredState; live: readonly Buffer[]; plan: Plan };
}

export interface SyncAttempt {
  result: SyncResult;
  /** Set when the switch went away during a step (a lost connection): the caller drops the connection. */
  lost?: Error;
  /** The apply was counted (for the written-updates metric). */
  applied?: ApplyResult;
}

/** Ends the sequence: the one way out of a step that failed. */
class StepFailed {
  constructor(
    readonly reason: FailureReason,
    readonly message: string,
    readonly extra: { code?: string; updateIndex?: number; leftAt: 'old' | 'new' | 'unknown'; lost?: Error; outcome?: SyncOutcome } = { leftAt: 'old' },
  ) {}
}

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : typeof c === 'number' ? String(c) : undefined;
}

/**
 * The delta path's one read: the entities the delta will touch, by identity.
 * They must hold what the known state says (else the switch is not at
 * desired(old) after all: false, read everything); the provenance records
 * they carry go on the modifies and deletes, so a rollback restores them as
 * they were.
 */
async function touchedAsKnown(h: SwitchConnection, p: Plan, index: P4InfoIndex): Promise<boolean> {
  const changes = [...p.inserts, ...p.modifies, ...p.deletes];
  if (!changes.length) return true;
  const live = await readTouched(h, changes);
  if (!touchedMatch(changes, 'old', live, index)) return false;
  const meta = new Map<string, Buffer>();
  for (const b of live) {
    const m = metadataBytes(b);
    if (m) meta.set(entityKey(b), m);
  }
  for (const c of [...p.modifies, ...p.deletes]) {
    const m = meta.get(c.key);
    if (m) c.liveMetadata = m;
  }
  return true;
}

/** The session apply writes through, telling `onRead` when it first reads (the read-back: writes are out). */
function readsMarkVerifying(session: EntityRpc, onRead: () => void): EntityRpc {
  return {
    write: (updates, opts) => session.write(updates, opts),
    read: (entities) => {
      onRead();
      return session.read(entities);
    },
  };
}

/** Syncs one switch; undefined when this replica is a backup (the primary reports that switch). */
export async function syncSwitch(s: PooledSwitch, d: DesiredSet, ctx: SyncSwitchContext): Promise<SyncAttempt | undefined> {
  const t0 = performance.now();
  const res: SyncResult = { target: s.name, outcome: 'Failed', plan: emptyPlan(), written: { inserted: 0, modified: 0, deleted: 0 }, durationMs: 0 };
  const out: SyncAttempt = { result: res };
  const desired = d.states.get(s.name)!;
  const pipe = d.pipelines.get(s.name)!;
  const target = d.targets.find((x) => x.metadata.name === s.name)!;
  const { config, log } = ctx;

  try {
    // connect
    let h: SwitchConnection;
    try {
      const pre = s.connectError;
      s.connectError = undefined;
      if (pre) throw pre;
      h = await ctx.connect();
    } catch (err) {
      s.status.role = 'disconnected';
      throw new StepFailed('ConnectFailed', `cannot connect to ${s.address}: ${(err as Error).message}`, { code: codeOf(err), leftAt: 'old' });
    }
    if (!h.primary) {
      // Not ours to write or to report: the primary replica reports this switch
      // (a backup's "Skipped" would overwrite its status on GitHub).
      s.dirty = true; // converge when promoted
      s.status.role = 'backup';
      log.debug('backup replica: not syncing');
      return undefined;
    }

    // pipeline
    let pushed = false;
    try {
      const mode = target.spec.pipeline?.mode ?? 'push';
      const wanted = `${mode} ${pipe.cookie}`;
      if (s.pipelineChecked !== wanted) {
        const r = await h.ensurePipeline(pipe, mode);
        s.pipelineChecked = wanted;
        if (r === 'pushed') {
          pushed = true;
          ctx.outcomes.pipelinePushed(s.name, pipe, log);
        } else if (r === 'verified') log.info('pipeline verified', { p4info: pipe.p4infoFile });
      }
    } catch (err) {
      const differences = (err as { data?: { differences?: unknown } }).data?.differences;
      log.error('pipeline check failed; nothing written', { code: codeOf(err), err: (err as Error).message, ...(Array.isArray(differences) ? { differences } : {}) });
      throw new StepFailed('PipelineFailed', `pipeline: ${(err as Error).message}`, { code: codeOf(err), leftAt: 'old' });
    }

    // read (or not), plan
    const seen = ctx.seen && ctx.seen.against === desired && !pushed ? ctx.seen : undefined;
    // The connection this sync reads and writes through: trust is recorded only for it.
    const epoch = s.epoch;
    let path: SyncPath = chooseSyncPath(s.trust, {
      epoch: s.epoch, desired, pipeline: s.pipelineChecked, prune: config.prune, mode: config.mode, forced: !!ctx.forced, pushed, seen: !!seen,
    });
    let live: readonly Buffer[] | undefined;
    if (path.path === 'delta') {
      res.plan = planDelta(path.from.desired, desired, { prune: config.prune });
      try {
        if (!(await touchedAsKnown(h, res.plan, pipe.index))) {
          distrust(s.trust, 'touched-differ');
          path = { path: 'full', reason: 'touched-differ' };
        }
      } catch (err) {
        throw new StepFailed('ReadFailed', `read: ${(err as Error).message}`, { leftAt: 'old', lost: isConnectionLost(err) ? (err as Error) : undefined });
      }
    }
    res.path = { path: path.path, reason: path.reason };
    log.info(`sync path: ${path.path}, ${path.reason}`, { path: path.path, pathReason: path.reason, ...(path.path === 'delta' ? { from: path.from.commit } : {}) });
    if (path.path === 'full' && seen) {
      live = seen.live;
      res.plan = seen.plan;
    } else if (path.path === 'full') {
      try {
        live = await h.readManaged(desired, pipe.index);
      } catch (err) {
        throw new StepFailed('ReadFailed', `read: ${(err as Error).message}`, { leftAt: 'old', lost: isConnectionLost(err) ? (err as Error) : undefined });
      }
      res.plan = plan(desired, live, { prune: config.prune, index: pipe.index });
    }
    // The state the switch held before this sync: read, or known.
    const before = (): DesiredState => (live ? stateFromLive(live, desired, pipe.index) : (path as Extract<SyncPath, { path: 'delta' }>).from.desired);
    if (config.mode === 'plan-only') res.outcome = 'Planned';
    else if (planSize(res.plan) === 0) res.outcome = 'Unchanged';
    else {
      // apply, verify
      const progress = ctx.progress ?? noProgress;
      const journal = ctx.journal;
      let r: ApplyResult;
      // From: on the delta path the commit the switch is known to hold; else the
      // commit last converged, by this process or (status file) the one before it.
      const from = path.path === 'delta' ? path.from.commit : (s.appliedCommit ?? s.status.appliedCommit);
      try {
        journal.begin(s.name, { from, to: d.commit, path: path.path });
      } catch (err) {
        throw new StepFailed('WriteFailed', `journal: ${(err as Error).message}; nothing written`, { leftAt: 'old' });
      }
      try {
        r = await applyPlan(readsMarkVerifying(ctx.outcomes.timedWrites(h, s.name), () => journal.verifying(s.name)), res.plan, {
          limits: config.batch,
          signal: ctx.signal,
          logger: log,
          onProgress: (n, total) => progress.update(n, total),
          // Read back only what was written; the full re-read below is the fallback for large applies.
          readBack: { index: pipe.index },
          // Every entry written carries the commit that introduced it (src/provenance/).
          provenance: { commit: d.commit },
          verify: async (expect) => {
            journal.verifying(s.name);
            const now = await h.readManaged(desired, pipe.index);
            const want = expect === 'new' ? desired : before();
            return planSize(plan(want, now, { prune: expect === 'old' ? true : config.prune, index: pipe.index })) === 0;
          },
        });
      } catch (err) {
        // An apply that threw ended nowhere known; the journal entry stays unfinished.
        distrust(s.trust, 'write-failed');
        throw err;
      } finally {
        progress.finish();
      }
      journal.end(s.name, r.leftAt);
      out.applied = r;
      res.written = r.written;
      if (!r.ok) {
        s.dirty = true;
        throw new StepFailed('WriteFailed', r.error ?? 'apply failed', {
          updateIndex: r.failed?.index, code: r.failed ? String(r.failed.code) : undefined, leftAt: r.leftAt,
          // A switch that went away mid-apply: reconnect next tick.
          lost: r.connectionLost ? new Error(r.error ?? 'connection lost') : undefined,
          outcome: r.leftAt === 'old' ? 'RolledBack' : 'Failed',
        });
      }
      res.outcome = 'Converged';
    }
    if (res.outcome === 'Converged' || res.outcome === 'Unchanged') {
      // The switch now holds `desired` exactly — unless entries Git does not ask for were kept.
      // A full read that ended here settles an unfinished journal record either way.
      if (path.path === 'full') ctx.journal.confirmed(s.name);
      if (res.plan.extraneous?.length) {
        // Read and settled just now: extraneous entries, not the journal, are the doubt from here on.
        s.trust.known = undefined;
        s.trust.doubt = 'extraneous';
      } else if (s.epoch === epoch) trust(s.trust, { commit: d.commit, desired, epoch, pipeline: s.pipelineChecked, prune: config.prune });
      // else: a reconnect or failover happened during this sync; the next one reads in full (reconnect).
      else distrust(s.trust, 'reconnect');
    }
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    distrust(s.trust, err.reason === 'WriteFailed' ? 'write-failed' : 'sync-failed');
    res.outcome = err.extra.outcome ?? 'Failed';
    res.error = { reason: err.reason, message: err.message, code: err.extra.code, updateIndex: err.extra.updateIndex, leftAt: err.extra.leftAt };
    out.lost = err.extra.lost;
  }
  res.durationMs = Math.round(performance.now() - t0);
  return out;
}
