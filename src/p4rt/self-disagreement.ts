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
import { WriteError, type UpdateError } from './errors.ts';
import type { Atomicity, Update, UpdateType } from './messages.ts';
import type { WritableSession } from './modify-fallback.ts';
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
    async write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<unknown> {
      try {
        return await inner.write(updates, opts);
      } catch (err) {
        if (!(err instanceof WriteError)) throw err;
        const failed = err.failed();
        const recover = new Map<number, UpdateType | 'done'>();
        for (const e of failed) {
          const r = recoveryFor(updates[e.index]!.type, e.code);
          if (r) recover.set(e.index, r);
        }
        if (!recover.size) throw err;
        const rolledBack = err.errors.some((e) => e.code === Code.ABORTED);
        // The others that failed for another reason keep their error; the batch cannot succeed.
        if (failed.some((e) => !recover.has(e.index))) throw err;
        for (const [i, r] of recover) {
          log.warn('switch disagrees with its own read: retrying', {
            quirk: 'self-disagreement',
            index: i,
            type: updates[i]!.type,
            answer: codeName(err.errors[i]!.code),
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
        if (!retry.length) return undefined;
        try {
          return await inner.write(retry, opts);
        } catch (retryErr) {
          if (!(retryErr instanceof WriteError)) throw retryErr;
          const merged: UpdateError[] = updates.map((_, index) => ({ index, code: Code.OK, codeName: 'OK', message: '' }));
          retryErr.errors.forEach((e, k) => {
            const i = again[k]!;
            const r = recover.get(i);
            merged[i] = { ...e, index: i, message: r ? `${updates[i]!.type} answered ${codeName(err.errors[i]!.code)}, retried as ${r}: ${e.message}` : e.message };
          });
          const first = merged.find((m) => m.code !== Code.OK);
          throw new WriteError(
            `Write: ${merged.filter((m) => m.code !== Code.OK).length} of ${updates.length} updates failed after retrying a switch that disagreed with its own read; first update ${first?.index}: ${first ? codeName(first.code) : ''}: ${first?.message ?? ''}`,
            merged,
            { selfDisagreement: true },
          );
        }
      }
    },
  };
}
