// A switch session that keeps working on a switch without MODIFY. The first
// Write whose MODIFYs come back UNIMPLEMENTED teaches it that the switch
// lacks them; those updates are re-sent as DELETE + INSERT pairs
// (fallbackWithoutModify), and every later Write is converted before it is
// sent. Per-update errors are mapped back to the caller's updates, so the
// apply stage sees one outcome per update it asked for, as before. One
// difference from a real MODIFY: on an entry that is missing, a real MODIFY
// fails NOT_FOUND, while the pair's INSERT still creates it — the entry ends
// as the MODIFY meant it, and the update is reported applied.
import { Code, codeName } from '../proto/load.ts';
import { WriteError, type UpdateError } from './errors.ts';
import { fallbackWithoutModify, isUnimplemented, type ModifyFallback } from './capabilities.ts';
import type { Atomicity, Update } from './messages.ts';

export interface WritableSession {
  write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<unknown>;
}

export interface ModifyFallbackSession<S extends WritableSession> extends WritableSession {
  /** The wrapped session (for reads and everything else). */
  readonly inner: S;
  /** True once the switch has answered a MODIFY with UNIMPLEMENTED. */
  readonly modifyUnsupported: boolean;
}

/** One outcome per input update from the outcomes of the converted updates (a pair fails if either half did). */
function mapBack(fb: ModifyFallback, inputCount: number, errors: UpdateError[] | undefined, failure: unknown): UpdateError[] {
  const out: UpdateError[] = Array.from({ length: inputCount }, (_, index) => ({ index, code: Code.OK, codeName: 'OK', message: '' }));
  if (!errors) {
    // No per-update detail: nothing is known about any of them.
    const message = (failure as Error)?.message ?? String(failure);
    return out.map((o) => ({ ...o, code: Code.UNKNOWN, codeName: 'UNKNOWN', message }));
  }
  for (const e of errors) {
    if (e.code === Code.OK) continue;
    // DELETE of an entry that is not there, then a good INSERT: the entry is as the MODIFY meant it (drift repaired).
    if (e.code === Code.NOT_FOUND && fb.pairs.includes(e.index) && (errors[e.index + 1]?.code ?? -1) === Code.OK) continue;
    const i = fb.origin[e.index]!;
    if (out[i]!.code !== Code.OK) continue;
    const half = fb.pairs.includes(e.index) ? 'DELETE' : fb.pairs.includes(e.index - 1) ? 'INSERT' : '';
    const note = half === 'INSERT' && (errors[e.index - 1]?.code ?? Code.OK) === Code.OK
      ? 'MODIFY sent as DELETE + INSERT: the DELETE applied, the INSERT failed (the entry is missing): '
      : half ? `MODIFY sent as DELETE + INSERT: the ${half} failed: ` : '';
    out[i] = { ...e, index: i, message: note + e.message };
  }
  return out;
}

async function writeConverted(inner: WritableSession, updates: Update[], opts?: { atomicity?: Atomicity }): Promise<void> {
  const fb = fallbackWithoutModify(updates);
  try {
    await inner.write(fb.updates, opts);
  } catch (err) {
    const errors = err instanceof WriteError ? err.errors : undefined;
    const mapped = mapBack(fb, updates.length, errors, err);
    const failed = mapped.filter((e) => e.code !== Code.OK);
    if (!failed.length) return;
    const first = failed[0];
    throw new WriteError(
      `Write: ${failed.length} of ${updates.length} updates failed (MODIFY as DELETE + INSERT); first update ${first?.index}: ${first ? codeName(first.code) : ''}: ${first?.message ?? ''}`,
      mapped,
      { modifyFallback: true },
    );
  }
}

/** Wraps `inner` so MODIFY keeps working on switches without it. */
export function modifyFallbackSession<S extends WritableSession>(inner: S): ModifyFallbackSession<S> {
  let unsupported = false;
  return {
    inner,
    get modifyUnsupported() {
      return unsupported;
    },
    async write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<void> {
      if (unsupported) return writeConverted(inner, updates, opts);
      try {
        await inner.write(updates, opts);
        return;
      } catch (err) {
        if (!(err instanceof WriteError) || !isUnimplemented(err)) throw err;
        const refused = err.errors.filter((e) => e.code === Code.UNIMPLEMENTED);
        if (!refused.every((e) => updates[e.index]?.type === 'MODIFY')) throw err;
        unsupported = true;
        // Rolled back (ABORTED ones present): send the whole batch again; otherwise only what was refused.
        const rolledBack = err.errors.some((e) => e.code === Code.ABORTED);
        const again = rolledBack ? updates.map((_, i) => i) : refused.map((e) => e.index);
        try {
          await writeConverted(inner, again.map((i) => updates[i]!), opts);
        } catch (retryErr) {
          if (!(retryErr instanceof WriteError)) throw retryErr;
          // Back to the caller's indexes: the first attempt's OKs stay OK.
          const merged: UpdateError[] = updates.map((_, index) => ({ index, code: Code.OK, codeName: 'OK', message: '' }));
          retryErr.errors.forEach((e, k) => { merged[again[k]!] = { ...e, index: again[k]! }; });
          throw new WriteError(retryErr.message.replace(/first update \d+:/, `first update ${merged.find((m) => m.code !== Code.OK)?.index}:`), merged, { modifyFallback: true });
        }
      }
    },
  };
}
