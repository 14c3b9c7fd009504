// All or nothing per sync. The plan is written in make-before-break order, in
// requests that never mix dependency levels. If an update fails (or a stop is
// requested), everything already applied is undone by compensating updates —
// the inverse of each applied update, newest first — so the switch ends where
// it started; then it is read back to prove it. The result says which update
// failed, why, and where the switch was left: 'new', 'old' or 'unknown'.
// The proof reads back what was touched only when `readBack` is given
// (read-back.ts); `verify` is the caller's own check (e.g. a full re-read).
import { silentLogger, type Logger } from '../shared/log.ts';
import type { Plan } from '../diff/types.ts';
import { updateFailures, type SwitchSession, type UpdateOutcome } from './session.ts';
import { batches, inverse, planSteps, type BatchLimits, type Step, type StampOptions } from './steps.ts';
import { readBackMatches, type ReadBackOptions } from './read-back.ts';
import type { Change } from '../diff/types.ts';

export interface ApplyOptions {
  limits: BatchLimits;
  /** Aborting finishes the request in flight, then rolls back. */
  signal?: AbortSignal;
  /** Reads the switch back and says whether it is at the expected state. */
  verify?: (expect: 'old' | 'new') => Promise<boolean>;
  /**
   * Verify by reading back only the entities this apply touched (batched
   * Reads by identity) instead of calling `verify`; `verify`, if given, is
   * used instead when the apply touched more than `maxShare` of the switch
   * (a full re-read is then cheaper) and when a targeted read fails (a
   * switch that refuses reads of specific entities).
   */
  readBack?: ReadBackOptions;
  onProgress?: (done: number, total: number) => void;
  logger?: Logger;
  /** Write a provenance record (TableEntry.metadata) with this commit on every table entry inserted or modified. */
  provenance?: StampOptions;
}

export interface FailedUpdate {
  /** Position in the ordered plan (0-based). */
  index: number;
  type: string;
  table: string;
  key: string;
  code: number;
  message: string;
}

export interface ApplyResult {
  ok: boolean;
  /** Updates applied and still in place (zero after a complete rollback). */
  written: { inserted: number; modified: number; deleted: number };
  /** Updates applied before a failure or stop (what the rollback undid). */
  attempted: number;
  requests: number;
  failed?: FailedUpdate;
  aborted: boolean;
  rolledBack: number;
  leftAt: 'old' | 'new' | 'unknown';
  error?: string;
}

export async function applyPlan(session: SwitchSession, plan: Plan, opts: ApplyOptions): Promise<ApplyResult> {
  const log = opts.logger ?? silentLogger;
  const steps = planSteps(plan, opts.provenance);
  const applied: (Step & { uncertain?: boolean })[] = [];
  const result: ApplyResult = {
    ok: true, written: { inserted: 0, modified: 0, deleted: 0 }, attempted: 0, requests: 0,
    aborted: false, rolledBack: 0, leftAt: 'new',
  };
  if (steps.length === 0) return result;

  let base = 0;
  let failedBatch: Step[] | undefined;
  for (const batch of batches(steps, opts.limits)) {
    if (opts.signal?.aborted) {
      result.aborted = true;
      result.error = `stopped (${String(opts.signal.reason ?? 'abort')}) after ${applied.length} of ${steps.length} updates`;
      break;
    }
    result.requests++;
    try {
      await session.write(batch.map((s) => s.update), { atomicity: 'CONTINUE_ON_ERROR' });
      for (const st of batch) applied.push(st);
      opts.onProgress?.(applied.length, steps.length);
      base += batch.length;
    } catch (err) {
      const outcomes = updateFailures(err, batch.length);
      const firstBad = outcomes ? outcomes.findIndex((o) => o.code !== 0) : -1;
      const bad: UpdateOutcome = firstBad >= 0 ? outcomes![firstBad] : { code: (err as { code?: number }).code ?? 2, message: (err as Error).message };
      const at = firstBad >= 0 ? firstBad : 0;
      const s = batch[at];
      result.failed = { index: base + at, type: s.update.type, table: s.change.table, key: s.change.key, code: typeof bad.code === 'number' ? bad.code : 2, message: bad.message || (err as Error).message };
      result.error = `update ${base + at + 1}/${steps.length} (${s.update.type} ${s.change.table}) failed: ${result.failed.message}`;
      log.warn('write failed', { ...result.failed, key: undefined });
      failedBatch = batch;
      if (outcomes) {
        // The request's successful updates are applied too and must be undone.
        batch.forEach((st, i) => {
          if (outcomes[i].code === 0) applied.push(st);
        });
      } else {
        // Nobody knows which updates of this request landed: undo each as a
        // best effort (failures ignored) and let the read-back decide.
        result.leftAt = 'unknown';
        for (const st of batch) applied.push({ ...st, uncertain: true });
      }
      break;
    }
  }

  result.attempted = applied.length;
  if (!result.failed && !result.aborted) {
    count(result, applied);
    const check = checker(session, opts, applied, switchSize(plan), log);
    if (check && !(await check('new'))) {
      result.ok = false;
      result.leftAt = 'unknown';
      result.error = 'read-back after apply does not match the desired state';
    }
    return result;
  }

  result.ok = false;
  const rb = await rollback(session, applied, opts.limits, log);
  result.rolledBack = rb.written;
  if (rb.complete) {
    result.leftAt = 'old';
  } else {
    result.leftAt = 'unknown';
    count(result, applied.slice(0, applied.length - rb.written));
  }
  // Everything the failing request held is checked too: its failed updates must not have landed.
  const check = checker(session, opts, [...applied, ...(failedBatch ?? [])], switchSize(plan), log);
  if (check) {
    const atOld = await check('old');
    result.leftAt = atOld ? 'old' : 'unknown';
  }
  log.info('rolled back', { compensating: rb.written, leftAt: result.leftAt });
  return result;
}

function count(result: ApplyResult, steps: Step[]): void {
  for (const s of steps) {
    if (s.change.kind === 'insert') result.written.inserted++;
    else if (s.change.kind === 'modify') result.written.modified++;
    else result.written.deleted++;
  }
}

/** Entries on the switch before or after the plan, whichever is more. */
function switchSize(p: Plan): number {
  return p.unchanged + p.modifies.length + Math.max(p.inserts.length, p.deletes.length) + (p.extraneous?.length ?? 0);
}

/**
 * The read-back check to run, if any: targeted (readBack) with `verify` as its
 * fallback, or `verify` alone — also when so much was touched that reading it
 * entity by entity would cost more than the full re-read (see ReadBackOptions.maxShare).
 */
function checker(session: SwitchSession, opts: ApplyOptions, touched: Step[], size: number, log: Logger): ((e: 'old' | 'new') => Promise<boolean>) | undefined {
  const rb = opts.readBack;
  const v = opts.verify;
  if (!rb || (v && touched.length > (rb.maxShare ?? 0.2) * size)) return v ? (e) => safeVerify(v, e, log) : undefined;
  const changes: Change[] = touched.map((s) => s.change);
  return async (expect) => {
    try {
      return await readBackMatches(session, changes, expect, rb);
    } catch (err) {
      log.warn('targeted read-back failed', { expect, err: (err as Error).message, fallback: v ? 'verify' : 'none' });
      return v ? safeVerify(v, expect, log) : false;
    }
  };
}

async function safeVerify(v: (e: 'old' | 'new') => Promise<boolean>, expect: 'old' | 'new', log: Logger): Promise<boolean> {
  try {
    return await v(expect);
  } catch (err) {
    log.warn('read-back failed', { expect, err: (err as Error).message });
    return false;
  }
}

/**
 * Writes the inverse of `applied`, newest first, in requests that keep the
 * reverse dependency order. Uncertain steps (request outcome unknown) are
 * undone one by one, ignoring "not there"-style failures. Never started
 * again by a stop signal: a half-rolled-back switch is the one state to avoid.
 */
async function rollback(session: SwitchSession, applied: (Step & { uncertain?: boolean })[], limits: BatchLimits, log: Logger): Promise<{ written: number; complete: boolean }> {
  const inv: (Step & { uncertain?: boolean })[] = [];
  for (let i = applied.length - 1; i >= 0; i--) {
    try {
      inv.push({ ...inverse(applied[i]), uncertain: applied[i].uncertain });
    } catch (err) {
      log.error('cannot compute rollback', { err: (err as Error).message });
      return { written: 0, complete: false };
    }
  }
  let written = 0;
  let complete = true;
  for (const batch of batches(inv, limits)) {
    if (batch.some((s) => s.uncertain)) {
      for (const s of batch) {
        try {
          await session.write([s.update], { atomicity: 'CONTINUE_ON_ERROR' });
          written++;
        } catch {
          /* the original may never have landed; the read-back decides */
        }
      }
      continue;
    }
    try {
      await session.write(batch.map((s) => s.update), { atomicity: 'CONTINUE_ON_ERROR' });
      written += batch.length;
    } catch (err) {
      const outcomes = updateFailures(err, batch.length);
      written += outcomes ? outcomes.filter((o) => o.code === 0).length : 0;
      complete = false;
      log.error('rollback write failed', { err: (err as Error).message });
      break;
    }
  }
  return { written, complete };
}
