// One switch's sync, as a fixed sequence with one exit (Flux's
// kustomize-controller): connect → pipeline → read → plan → apply → verify.
// A step that fails ends the sequence with one typed reason (report/events.ts
// FailureReason) and says where the switch was left; nothing here logs the
// outcome or touches metrics — the caller hands the result to outcomes.ts.
import type { Logger } from '../shared/log.ts';
import { isConnectionLost } from '../p4rt/errors.ts';
import type { DesiredState } from '../compile/types.ts';
import type { DesiredSet } from '../desired/types.ts';
import { plan } from '../diff/plan.ts';
import { planSize, type Plan } from '../diff/types.ts';
import { applyPlan, type ApplyResult } from '../apply/apply.ts';
import type { FailureReason, SyncResult, SyncOutcome } from '../report/events.ts';
import type { Config } from './config.ts';
import { stateFromLive } from './live.ts';
import { emptyPlan, type Outcomes } from './outcomes.ts';
import type { PooledSwitch } from './pool.ts';
import { noProgress, type Progress } from './progress.ts';
import type { SwitchConnection } from './switch.ts';

export interface SyncSwitchContext {
  config: Pick<Config, 'mode' | 'prune' | 'batch'>;
  /** Makes (or returns) the switch's connection. */
  connect: () => Promise<SwitchConnection>;
  signal: AbortSignal;
  log: Logger;
  outcomes: Outcomes;
  progress?: Progress;
  /**
   * A read and plan of this switch against the same desired state just made
   * under the same lock (the drift scan's), reused instead of reading the
   * whole switch again — unless a pipeline push has since emptied the tables.
   */
  seen?: { against: DesiredState; live: Buffer[]; plan: Plan };
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

    // read, plan
    let live: Buffer[];
    if (ctx.seen && ctx.seen.against === desired && !pushed) {
      live = ctx.seen.live;
      res.plan = ctx.seen.plan;
    } else {
      try {
        live = await h.readManaged(desired, pipe.index);
      } catch (err) {
        throw new StepFailed('ReadFailed', `read: ${(err as Error).message}`, { leftAt: 'old', lost: isConnectionLost(err) ? (err as Error) : undefined });
      }
      res.plan = plan(desired, live, { prune: config.prune, index: pipe.index });
    }
    if (config.mode === 'plan-only') res.outcome = 'Planned';
    else if (planSize(res.plan) === 0) res.outcome = 'Unchanged';
    else {
      // apply, verify
      const progress = ctx.progress ?? noProgress;
      let r: ApplyResult;
      try {
        r = await applyPlan(ctx.outcomes.timedWrites(h, s.name), res.plan, {
          limits: config.batch,
          signal: ctx.signal,
          logger: log,
          onProgress: (n, total) => progress.update(n, total),
          // Read back only what was written; the full re-read below is the fallback for large applies.
          readBack: { index: pipe.index },
          // Every entry written carries the commit that introduced it (src/provenance/).
          provenance: { commit: d.commit },
          verify: async (expect) => {
            const now = await h.readManaged(desired, pipe.index);
            const want = expect === 'new' ? desired : stateFromLive(live, desired, pipe.index);
            return planSize(plan(want, now, { prune: expect === 'old' ? true : config.prune, index: pipe.index })) === 0;
          },
        });
      } finally {
        progress.finish();
      }
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
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    res.outcome = err.extra.outcome ?? 'Failed';
    res.error = { reason: err.reason, message: err.message, code: err.extra.code, updateIndex: err.extra.updateIndex, leftAt: err.extra.leftAt };
    out.lost = err.extra.lost;
  }
  res.durationMs = Math.round(performance.now() - t0);
  return out;
}
