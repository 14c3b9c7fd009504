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
import { firstFailure, perUpdate, GRPC_OK, GRPC_UNKNOWN, type WriteFailure, type WriteOutcome } from '../shared/write-outcome.ts';
import type { EntityRpc, Update } from './session.ts';
import { batchBounds, batches, inverse, orderSteps, wireUpdate, type BatchLimits, type Step, type StampOptions } from './steps.ts';
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
  /**
   * Write RPCs in flight at once within one dependency level (default 4).
   * A level's first request is sent only when every earlier one is answered.
   */
  inFlight?: number;
  onProgress?: (done: number, total: number) => void;
  logger?: Logger;
  /** Write a provenance record (TableEntry.metadata) with this commit on every table entry inserted or modified. */
  provenance?: StampOptions;
}

/** Enough to keep the switch busy while the next request is encoded and the last answer decoded. */
export const DEFAULT_IN_FLIGHT = 4;

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
  /** A Write of the apply or of its rollback came back 'lost': the connection broke (reconnect before the next try). */
  connectionLost?: boolean;
  error?: string;
}

export async function applyPlan(session: EntityRpc, plan: Plan, opts: ApplyOptions): Promise<ApplyResult> {
  const log = opts.logger ?? silentLogger;
  // Steps and requests as positions (steps.ts): a request's updates are made when it is sent.
  const steps = orderSteps(plan, opts.provenance);
  const result: ApplyResult = {
    ok: true, written: { inserted: 0, modified: 0, deleted: 0 }, attempted: 0, requests: 0,
    aborted: false, rolledBack: 0, leftAt: 'new',
  };
  if (steps.length === 0) return result;

  const bounds = batchBounds(steps.length, (k) => steps.levels[k], (k) => steps.size(k), opts.limits);
  const nReq = bounds.length - 1;
  const stepsOf = (i: number): Step[] => {
    const out: Step[] = [];
    for (let k = bounds[i]; k < bounds[i + 1]; k++) out.push(steps.at(k));
    return out;
  };
  // (0, total) once, just before the first Write: a progress line's rate and
  // the bench's write phase start here, not when the sync started.
  opts.onProgress?.(0, steps.length);
  const failures: { at: number; o: WriteFailure }[] = [];
  const answered = new Uint8Array(nReq);
  let done = 0;
  const sent = await writeInTiers(session, nReq, (i) => steps.levels[bounds[i]], (i) => {
    const updates: Update[] = [];
    for (let k = bounds[i]; k < bounds[i + 1]; k++) updates.push(steps.wire(k));
    return updates;
  }, opts.inFlight ?? DEFAULT_IN_FLIGHT, () => failures.length > 0 || !!opts.signal?.aborted, (i, o) => {
    if (!o.ok) {
      if (o.kind === 'lost') result.connectionLost = true;
      return void failures.push({ at: i, o });
    }
    answered[i] = 1;
    done += bounds[i + 1] - bounds[i];
    opts.onProgress?.(done, steps.length);
  });
  result.requests = sent;

  if (!failures.length && sent === nReq) {
    // Everything landed: counted and proven from the step list, no step objects.
    result.attempted = steps.length;
    for (let k = 0; k < steps.length; k++) tally(result, steps.kindAt(k));
    const check = checker(session, opts, steps.length, () => steps.toArray(), switchSize(plan), log);
    if (check && !(await check('new'))) {
      result.ok = false;
      result.leftAt = 'unknown';
      result.error = 'read-back after apply does not match the desired state';
    }
    return result;
  }

  // Applied updates in plan order: whole answered requests, and the
  // successful updates of failed ones (all of them uncertain when the switch
  // did not say which landed). Made as objects: a rollback undoes them.
  const applied: (Step & { uncertain?: boolean })[] = [];
  const failedBatches: Step[][] = [];
  failures.sort((a, b) => a.at - b.at);
  for (let i = 0; i < sent; i++) {
    const batch = stepsOf(i);
    const base = bounds[i];
    if (answered[i]) {
      for (const st of batch) applied.push(st);
    } else {
      const o = failures.find((f) => f.at === i)!.o;
      failedBatches.push(batch);
      const outcomes = perUpdate(o);
      if (!result.failed) {
        // The first failure in plan order is the one reported.
        const { at, code, message } = firstFailure(o);
        const s = batch[at];
        result.failed = { index: base + at, type: s.update.type, table: s.change.table, key: s.change.key, code, message };
        result.error = `update ${base + at + 1}/${steps.length} (${s.update.type} ${s.change.table}) failed: ${result.failed.message}`;
        log.warn('write failed', { ...result.failed, key: undefined });
      }
      if (outcomes) {
        // The request's successful updates are applied too and must be undone.
        batch.forEach((st, k) => {
          if (outcomes[k].code === GRPC_OK) applied.push(st);
        });
      } else {
        // Nobody knows which updates of this request landed: undo each as a
        // best effort (failures ignored) and let the read-back decide.
        result.leftAt = 'unknown';
        for (const st of batch) applied.push({ ...st, uncertain: true });
      }
    }
  }
  if (!result.failed && sent < nReq) {
    result.aborted = true;
    result.error = `stopped (${String(opts.signal?.reason ?? 'abort')}) after ${applied.length} of ${steps.length} updates`;
  }

  result.attempted = applied.length;
  result.ok = false;
  const rb = await rollback(session, applied, opts.limits, opts.inFlight ?? DEFAULT_IN_FLIGHT, log);
  result.rolledBack = rb.written;
  if (rb.lost) result.connectionLost = true;
  // Complete means every certain undo landed; an update nobody knows landed
  // whose undo failed leaves the switch unknown (the checker below may still
  // prove it is at the old state).
  if (rb.complete && applied.every((st, i) => !st.uncertain || rb.undone[i])) {
    result.leftAt = 'old';
  } else if (rb.complete) {
    result.leftAt = 'unknown';
  } else {
    result.leftAt = 'unknown';
    for (let i = 0; i < applied.length; i++) if (!rb.undone[i]) tally(result, applied[i].change.kind);
  }
  // Everything the failing request held is checked too: its failed updates must not have landed.
  const touched = [...applied, ...failedBatches.flat()];
  const check = checker(session, opts, touched.length, () => touched, switchSize(plan), log);
  if (check) {
    const atOld = await check('old');
    result.leftAt = atOld ? 'old' : 'unknown';
  }
  log.info('rolled back', { compensating: rb.written, leftAt: result.leftAt });
  return result;
}

/**
 * Sends requests 0..count-1 in order with up to `max` in flight, never two of
 * different dependency levels (`levelOf`): P4Runtime lets a switch apply the
 * updates of one request in any order, and concurrent requests likewise, so
 * only a level boundary needs every earlier answer. A request's updates are
 * made (`updatesOf`) just before it is sent and dropped once it is answered.
 * Before each request, `stop()` may end the sending; requests in flight are
 * always waited for. Returns how many requests were sent (a prefix); `answer`
 * gets each request's index and outcome.
 */
export async function writeInTiers(
  session: EntityRpc,
  count: number,
  levelOf: (i: number) => number,
  updatesOf: (i: number) => Update[],
  max: number,
  stop: () => boolean,
  answer: (i: number, o: WriteOutcome) => void,
): Promise<number> {
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0 && levelOf(i) !== levelOf(i - 1)) await Promise.all(inFlight);
    while (inFlight.size >= Math.max(1, max)) await Promise.race(inFlight);
    if (stop()) break;
    const p: Promise<void> = writeOnce(session, updatesOf(i)).then((o) => answer(i, o)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
  }
  await Promise.all(inFlight);
  return sent;
}

/** One Write; a session that rejects (a bug: EntityRpc.write resolves every answer) counts as a failed request. */
function writeOnce(session: EntityRpc, updates: Step['update'][]): Promise<WriteOutcome> {
  return session.write(updates, { atomicity: 'CONTINUE_ON_ERROR' }).catch((err: unknown): WriteOutcome => ({
    ok: false, kind: 'rpc', code: GRPC_UNKNOWN, message: (err as Error)?.message ?? String(err),
  }));
}

function tally(result: ApplyResult, kind: Change['kind']): void {
  if (kind === 'insert') result.written.inserted++;
  else if (kind === 'modify') result.written.modified++;
  else result.written.deleted++;
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
function checker(session: EntityRpc, opts: ApplyOptions, touchedCount: number, touched: () => Step[], size: number, log: Logger): ((e: 'old' | 'new') => Promise<boolean>) | undefined {
  const rb = opts.readBack;
  const v = opts.verify;
  if (!rb || (v && touchedCount > (rb.maxShare ?? 0.2) * size)) return v ? (e) => safeVerify(v, e, log) : undefined;
  const changes: Change[] = touched().map((s) => s.change);
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
async function rollback(session: EntityRpc, applied: (Step & { uncertain?: boolean })[], limits: BatchLimits, inFlight: number, log: Logger): Promise<{ written: number; complete: boolean; undone: Uint8Array; lost: boolean }> {
  type Inverse = Step & { uncertain?: boolean; of: number };
  const undone = new Uint8Array(applied.length);
  const inv: Inverse[] = [];
  for (let i = applied.length - 1; i >= 0; i--) {
    try {
      inv.push({ ...inverse(applied[i]), uncertain: applied[i].uncertain, of: i });
    } catch (err) {
      log.error('cannot compute rollback', { err: (err as Error).message });
      return { written: 0, complete: false, undone, lost: false };
    }
  }
  let written = 0;
  let complete = true;
  let lost = false;
  // Runs of requests whose originals are known to have landed go out
  // pipelined, like the apply; the first failure stops the rollback.
  const runCertain = async (run: Inverse[][]) => {
    await writeInTiers(session, run.length, (i) => run[i][0].level, (i) => run[i].map(wireUpdate), inFlight, () => !complete, (i, o) => {
      const outcomes = perUpdate(o);
      run[i].forEach((s, k) => {
        if (o.ok || outcomes?.[k].code === GRPC_OK) {
          undone[s.of] = 1;
          written++;
        }
      });
      if (o.ok) return;
      complete = false;
      if (o.kind === 'lost') lost = true;
      log.error('rollback write failed', { err: firstFailure(o).message, kind: o.kind });
    });
  };
  let run: Inverse[][] = [];
  for (const batch of batches(inv, limits)) {
    if (!complete) break;
    if (!batch.some((s) => s.uncertain)) {
      run.push(batch);
      continue;
    }
    await runCertain(run);
    run = [];
    if (!complete) break;
    for (const s of batch) {
      if (lost) break; // nothing more reaches a switch whose connection is gone
      // A failure is no news: the original may never have landed; the read-back decides.
      const o = await writeOnce(session, [s.update]);
      if (o.ok) {
        undone[s.of] = 1;
        written++;
      } else if (o.kind === 'lost') lost = true;
    }
  }
  if (complete && run.length) await runCertain(run);
  return { written, complete, undone, lost };
}
