// The changes from one desired state to the next, without a switch: what a
// switch known to hold `from` must receive to hold `to` (the reconciler's
// delta path, reconcile/known-state.ts). Both sides are DesiredEntries column
// arenas of canonical bytes, so nothing is decoded or canonicalized.
//   1. Two commits a flow apart emit the same entries in the same order
//      (compile follows the specs' order, the compile cache copies unchanged
//      flows' bytes), so the longest common run at the start and at the end
//      is found by comparing arena ranges (memcmp, thousands of entries at a
//      time): at 10^6 entries that is milliseconds, where hashing every entry
//      is most of a second.
//   2. Only the middle window goes through an exact-bytes index over `from`,
//      one lookup per `to` entry, and only the entries that miss (a changed
//      flow's handful) are paired by identity key.
// The result is a Plan like plan()'s, in the same write order, so apply/
// writes it in make-before-break order and can roll it back: a modify carries
// the `from` bytes as `previous`, a delete the `from` entry (and its origin).
import type { DesiredState } from '../compile/types.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import { compareWrites } from '../compile/order.ts';
import type { Change, Plan } from './types.ts';
import { insertList } from './insert-list.ts';
import { insertOrder } from './write-order.ts';

export interface DeltaOptions {
  /**
   * Delete entries `to` no longer has (default true). With false they are
   * kept and listed in `extraneous`, as plan() does with prune=false.
   */
  prune?: boolean;
}

export function planDelta(from: DesiredState, to: DesiredState, opts: DeltaOptions = {}): Plan {
  const prune = opts.prune ?? true;
  const a = from.entries;
  const b = to.entries;
  const head = commonRun(a, b, 1);
  const tail = commonRun(a, b, -1, Math.min(a.length, b.length) - head);
  const aEnd = a.length - tail;
  const bEnd = b.length - tail;

  // The middle: item k of the index is `from` entry head + k.
  const middle = a.bytesWindow(head, aEnd);
  const byBytes = BytesIndex.over(middle.arena, middle.offs);
  const kept = new Uint8Array(aEnd - head);
  const free = (k: number) => kept[k] === 0;
  let unchanged = head + tail;
  const missed: number[] = []; // positions in `to` with no byte-identical `from` entry
  for (let i = head; i < bEnd; i++) {
    const k = byBytes.find(b.bytesOf(i), free);
    if (k >= 0) {
      kept[k] = 1;
      unchanged++;
    } else missed.push(i);
  }

  // Identity key → position, for the `from` entries left over only.
  const gone = new Map<string, number>();
  for (let k = 0; k < kept.length; k++) if (kept[k] === 0) gone.set(a.keyOf(head + k), head + k);

  const added: number[] = [];
  const modifies: Change[] = [];
  for (const i of missed) {
    const key = gone.size ? b.keyOf(i) : '';
    const j = gone.get(key);
    if (j === undefined) added.push(i);
    else {
      gone.delete(key);
      modifies.push({ kind: 'modify', entity: b.kindOf(i), table: b.tableOf(i), key, bytes: b.bytesOf(i), previous: a.bytesOf(j), origin: b.originOf(i) });
    }
  }
  const inserts = insertList(b, insertOrder(b, Uint32Array.from(added)));
  const deletes: Change[] = [];
  for (const [key, j] of gone) deletes.push({ kind: 'delete', entity: a.kindOf(j), table: a.tableOf(j), key, bytes: a.bytesOf(j), origin: a.originOf(j) });
  modifies.sort(compareWrites);
  deletes.sort(compareWrites);
  if (prune) return { inserts, modifies, deletes, unchanged, extraneous: [] };
  return { inserts, modifies, deletes: [], unchanged, extraneous: deletes };
}

/**
 * How many entries (at most `max`) `a` and `b` share, position by position,
 * from their start (dir 1) or their end (dir -1). Runs of 4096, then 64, then
 * single entries are compared as arena ranges plus their entry boundaries.
 */
function commonRun(a: DesiredEntries, b: DesiredEntries, dir: 1 | -1, max = Math.min(a.length, b.length)): number {
  let n = 0;
  for (const step of [4096, 64, 1]) {
    while (n + step <= max && (dir === 1 ? sameRun(a, n, b, n, step) : sameRun(a, a.length - n - step, b, b.length - n - step, step))) n += step;
  }
  return n;
}

/** Whether entries a[i, i + count) equal b[j, j + count), byte for byte and boundary for boundary. */
function sameRun(a: DesiredEntries, i: number, b: DesiredEntries, j: number, count: number): boolean {
  const ao = a.offs;
  const bo = b.offs;
  if (ao[i + count] - ao[i] !== bo[j + count] - bo[j]) return false;
  if (!a.sameBytes(ao[i], ao[i + count], b, bo[j])) return false;
  const shift = bo[j] - ao[i];
  for (let k = 1; k < count; k++) if (bo[j + k] - ao[i + k] !== shift) return false;
  return true;
}
