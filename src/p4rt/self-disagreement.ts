// A switch that disagrees with itself: its Read does not return an entry its
// write path still holds (BMv2 after its own Thrift CLI cleared a table), or
// the reverse. flowops planned from the Read, so the switch answers:
//   INSERT → ALREADY_EXISTS: it has the entry after all → retried as MODIFY
//   MODIFY → NOT_FOUND:      it does not have it       → retried as INSERT
//   DELETE → NOT_FOUND:      it is already gone        → done
// Each recovery is logged as a quirk. Only the refused updates are sent again
// (the rest of the batch applied: flowops writes CONTINUE_ON_ERROR); a batch
// the switch rolled back (ABORTED present) is sent again whole. Anything the
// retry does not fix fails exactly as before, at the caller's index, so the
// apply stage's all-or-nothing rollback is unchanged.
import { Code, codeName } from '../proto/load.ts';
import type { UpdateOutcome, WriteOutcome } from '../shared/write-outcome.ts';
import type { Atomicity, Update, UpdateType } from './messages.ts';
import { perUpdateOutcome, type WritableSession } from './modify-fallback.ts';
import type { Logger } from '../shared/log.ts';

/** What a refused update is retried as; 'done' = nothing left to do; undefined = not this quirk. */
export function recoveryFor(type: UpdateType, code: number): UpdateType | 'done' | undefined {
  if (type === 'INSERT' && code === Code.ALREADY_EXISTS) return 'MODIFY';
  if (type === 'MODIFY' && code === Code.NOT_FOUND) return 'INSERT';
  if (type === 'DELETE' && code === Code.NOT_FOUND) return 'done';
  return undefined;
}

export function selfDisagreementSession(inner: WritableSession, log: Logger): WritableSession {
  return {
    async write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<WriteOutcome> {
      const o = await inner.write(updates, opts);
      if (o.ok || o.kind !== 'per-update') return o;
      const recover = new Map<number, UpdateType | 'done'>();
      let other = false;
      o.updates.forEach((u, i) => {
        if (u.code === Code.OK) return;
        const r = recoveryFor(updates[i]!.type, u.code);
        if (r) recover.set(i, r);
        // Failed for another reason (ABORTED ones only because of the others): the batch cannot succeed.
        else if (u.code !== Code.ABORTED) other = true;
      });
      if (!recover.size || other) return o;
      const rolledBack = o.updates.some((u) => u.code === Code.ABORTED);
      for (const [i, r] of recover) {
        log.warn('switch disagrees with its own read: retrying', {
          quirk: 'self-disagreement',
          index: i,
          type: updates[i]!.type,
          answer: codeName(o.updates[i]!.code),
          retryAs: r === 'done' ? 'nothing (already gone)' : r,
        });
      }
      const again: number[] = [];
      const retry: Update[] = [];
      updates.forEach((u, i) => {
        const r = recover.get(i);
        if (r === 'done') return;
        if (r) {
          again.push(i);
          retry.push({ type: r, entity: u.entity });
        } else if (rolledBack) {
          again.push(i);
          retry.push(u);
        }
      });
      if (!retry.length) return { ok: true };
      const second = await inner.write(retry, opts);
      if (second.ok || second.kind !== 'per-update') return second;
      // Back to the caller's indexes, each retried one saying what it was retried as.
      const merged: UpdateOutcome[] = updates.map(() => ({ code: Code.OK, message: '' }));
      second.updates.forEach((u, k) => {
        const i = again[k]!;
        const r = recover.get(i);
        merged[i] = { ...u, message: r ? `${updates[i]!.type} answered ${codeName(o.updates[i]!.code)}, retried as ${r}: ${u.message}` : u.message };
      });
      return perUpdateOutcome(merged);
    },
  };
}
