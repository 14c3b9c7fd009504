// A switch session that keeps working on a switch without MODIFY. The first
// Write whose MODIFYs come back UNIMPLEMENTED teaches it that the switch
// lacks them; those updates are re-sent as DELETE + INSERT pairs
// (fallbackWithoutModify), and every later Write is converted before it is
// sent. Per-update errors are mapped back to the caller's updates, so the
// apply stage sees one outcome per update it asked for, as before. One
// difference from a real MODIFY: on an entry that is missing, a real MODIFY
// fails NOT_FOUND, while the pair's INSERT still creates it — the entry ends
// as the MODIFY meant it, and the update is reported applied.
import { Code } from '../proto/load.ts';
import type { UpdateOutcome, WriteOutcome } from '../shared/write-outcome.ts';
import { fallbackWithoutModify, isUnimplementedWrite, type ModifyFallback } from './capabilities.ts';
import type { Atomicity, Update } from './messages.ts';

/** A session's Write: one RPC, resolved to what it did (P4RuntimeClient.writeOutcome and the wrappers here). */
export interface WritableSession {
  write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<WriteOutcome>;
}

export interface ModifyFallbackSession<S extends WritableSession> extends WritableSession {
  /** The wrapped session (for reads and everything else). */
  readonly inner: S;
  /** True once the switch has answered a MODIFY with UNIMPLEMENTED. */
  readonly modifyUnsupported: boolean;
}

const OK: UpdateOutcome = { code: Code.OK, message: '' };

/** Per-update outcomes, or success when none failed. */
export function perUpdateOutcome(updates: UpdateOutcome[]): WriteOutcome {
  return updates.some((u) => u.code !== Code.OK) ? { ok: false, kind: 'per-update', updates } : { ok: true };
}

/** One outcome per input update from the outcomes of the converted updates (a pair fails if either half did). */
function mapBack(fb: ModifyFallback, inputCount: number, errors: readonly UpdateOutcome[]): UpdateOutcome[] {
  const out: UpdateOutcome[] = Array.from({ length: inputCount }, () => OK);
  errors.forEach((e, k) => {
    if (e.code === Code.OK) return;
    // DELETE of an entry that is not there, then a good INSERT: the entry is as the MODIFY meant it (drift repaired).
    if (e.code === Code.NOT_FOUND && fb.pairs.includes(k) && (errors[k + 1]?.code ?? -1) === Code.OK) return;
    const i = fb.origin[k]!;
    if (out[i]!.code !== Code.OK) return;
    const half = fb.pairs.includes(k) ? 'DELETE' : fb.pairs.includes(k - 1) ? 'INSERT' : '';
    const note = half === 'INSERT' && (errors[k - 1]?.code ?? Code.OK) === Code.OK
      ? 'MODIFY sent as DELETE + INSERT: the DELETE applied, the INSERT failed (the entry is missing): '
      : half ? `MODIFY sent as DELETE + INSERT: the ${half} failed: ` : '';
    out[i] = { ...e, message: note + e.message };
  });
  return out;
}

/** A Write with every MODIFY sent as DELETE + INSERT; whole-request failures are passed on as they are. */
async function writeConverted(inner: WritableSession, updates: Update[], opts?: { atomicity?: Atomicity }): Promise<WriteOutcome> {
  const fb = fallbackWithoutModify(updates);
  const o = await inner.write(fb.updates, opts);
  if (o.ok || o.kind !== 'per-update') return o;
  return perUpdateOutcome(mapBack(fb, updates.length, o.updates));
}

/** Wraps `inner` so MODIFY keeps working on switches without it. */
export function modifyFallbackSession<S extends WritableSession>(inner: S): ModifyFallbackSession<S> {
  let unsupported = false;
  return {
    inner,
    get modifyUnsupported() {
      return unsupported;
    },
    async write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<WriteOutcome> {
      if (unsupported) return writeConverted(inner, updates, opts);
      const o = await inner.write(updates, opts);
      if (o.ok || o.kind !== 'per-update' || !isUnimplementedWrite(o)) return o;
      const refused = o.updates.flatMap((u, i) => (u.code === Code.UNIMPLEMENTED ? [i] : []));
      if (!refused.every((i) => updates[i]?.type === 'MODIFY')) return o;
      unsupported = true;
      // Rolled back (ABORTED ones present): send the whole batch again; otherwise only what was refused.
      const rolledBack = o.updates.some((u) => u.code === Code.ABORTED);
      const again = rolledBack ? updates.map((_, i) => i) : refused;
      const retry = await writeConverted(inner, again.map((i) => updates[i]!), opts);
      if (retry.ok || retry.kind !== 'per-update') return retry;
      // Back to the caller's indexes: the first attempt's OKs stay OK.
      const merged: UpdateOutcome[] = updates.map(() => OK);
      retry.updates.forEach((u, k) => { merged[again[k]!] = u; });
      return perUpdateOutcome(merged);
    },
  };
}
