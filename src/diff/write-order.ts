// compile/order.ts `compareWrites` over positions of a DesiredEntries arena,
// for inserts (one phase, one kind): write rank ascending, then identity key
// (bytes compared as latin1 strings compare: byte by byte, a prefix first),
// then, for equal keys (only possible across tables: a key embeds its table
// or profile id), table name and entity kind as compareWrites does; entries
// equal in all three keep their order. Sorting a million Change objects with the
// comparator made a key string per entry and ~20 comparisons each (seconds
// at 10^6); here the ranks are one counting pass and the keys an MSD radix
// sort over the key arena, no strings. test/diff/write-order.test.ts checks it
// against compareWrites.
import type { DesiredEntries } from '../compile/entries.ts';
import { writeRank } from '../compile/order.ts';

/** Write rank of each position's (kind, table), cached by owner id. */
export function rankOf(entries: DesiredEntries): (i: number) => number {
  const byOwner: number[] = [];
  return (i) => {
    const o = entries.owner[i];
    let r = byOwner[o];
    if (r === undefined) r = byOwner[o] = writeRank(entries.kindOf(i), entries.tableOf(i));
    return r;
  };
}

/** Equal keys: table name, then entity kind (compareWrites' tie-break). */
function tieOf(entries: DesiredEntries): (i: number, j: number) => number {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return (i, j) => (entries.owner[i] === entries.owner[j] ? 0 : cmp(entries.tableOf(i), entries.tableOf(j)) || cmp(entries.kindOf(i), entries.kindOf(j)));
}

/** `pos` (emission positions of `entries`) in insert write order; a new array. */
export function insertOrder(entries: DesiredEntries, pos: Uint32Array): Uint32Array {
  const n = pos.length;
  const rank = rankOf(entries);
  // Stable counting sort by rank (ranks are small: compile/order.ts).
  const ranks = new Uint8Array(n);
  const starts = new Uint32Array(257);
  for (let k = 0; k < n; k++) starts[(ranks[k] = rank(pos[k])) + 1]++;
  for (let r = 1; r < starts.length; r++) starts[r] += starts[r - 1];
  const bounds = starts.slice();
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) out[starts[ranks[k]]++] = pos[k];
  const tmp = new Uint32Array(n);
  const counts: Uint32Array[] = [];
  const tie = tieOf(entries);
  if (entries.pieces === 1 || n >= entries.length >> 2) {
    for (let r = 0; r < 256; r++) if (bounds[r + 1] - bounds[r] > 1) sortByKey(entries.keyArena, entries.koffs, tie, out, tmp, counts, bounds[r], bounds[r + 1], 0);
    return out;
  }
  // A few positions of a patched result (its keys are pieces of earlier arenas):
  // their keys alone, copied back to back, sorted as local numbers.
  const { keys, offs } = entries.keysOf(out);
  const local = new Uint32Array(n);
  for (let k = 0; k < n; k++) local[k] = k;
  const localTie = (i: number, j: number) => tie(out[i], out[j]);
  for (let r = 0; r < 256; r++) if (bounds[r + 1] - bounds[r] > 1) sortByKey(keys, offs, localTie, local, tmp, counts, bounds[r], bounds[r + 1], 0);
  const sorted = new Uint32Array(n);
  for (let k = 0; k < n; k++) sorted[k] = out[local[k]];
  return sorted;
}

/** Key byte `d` of position i, plus one; 0 past the key's end (a shorter key sorts first). */
function byteAt(keys: Buffer, koffs: Uint32Array, i: number, d: number): number {
  const p = koffs[i] + d;
  return p < koffs[i + 1] ? keys[p] + 1 : 0;
}

/** Keys of positions i and j compared from byte `d` on. */
function compareFrom(keys: Buffer, koffs: Uint32Array, i: number, j: number, d: number): number {
  let a = koffs[i] + d;
  let b = koffs[j] + d;
  const ae = koffs[i + 1];
  const be = koffs[j + 1];
  for (; a < ae && b < be; a++, b++) if (keys[a] !== keys[b]) return keys[a] - keys[b];
  return (ae - a) - (be - b);
}

const SMALL = 24;

/**
 * Stable MSD radix sort of a[lo, hi) by key, the first `d` bytes known equal;
 * `tmp` is scratch of a's size, `counts[d]` the bucket counts of depth d
 * (made once per depth: a call per bucket would make thousands).
 */
function sortByKey(keys: Buffer, koffs: Uint32Array, tie: (i: number, j: number) => number, a: Uint32Array, tmp: Uint32Array, counts: Uint32Array[], lo: number, hi: number, d: number): void {
  for (;;) {
    if (hi - lo <= SMALL) {
      // Insertion sort (stable): few items left.
      for (let k = lo + 1; k < hi; k++) {
        const v = a[k];
        let j = k - 1;
        while (j >= lo && (compareFrom(keys, koffs, a[j], v, d) || tie(a[j], v)) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      return;
    }
    // Skip the bytes every key of the range shares (table id, field ids, a
    // tenant…) in one pass, rather than a counting pass per shared byte.
    const f = koffs[a[lo]] + d;
    let shared = koffs[a[lo] + 1] - f;
    for (let k = lo + 1; k < hi && shared > 0; k++) {
      const s0 = koffs[a[k]] + d;
      const m = Math.min(shared, koffs[a[k] + 1] - s0);
      let j = 0;
      while (j < m && keys[s0 + j] === keys[f + j]) j++;
      shared = j;
    }
    d += shared;
    const count = (counts[d] ??= new Uint32Array(2 * 258)).fill(0);
    for (let k = lo; k < hi; k++) count[byteAt(keys, koffs, a[k], d) + 1]++;
    // All in one bucket (a shared prefix: table id, field ids): next byte, no move.
    const first = byteAt(keys, koffs, a[lo], d);
    if (count[first + 1] === hi - lo) {
      if (first === 0) return sortTies(tie, a, lo, hi); // every key ended: equal
      d++;
      continue;
    }
    for (let c = 1; c < 258; c++) count[c] += count[c - 1];
    // count[0, 258): bucket starts (kept for the recursion); count[258, 516): the fill cursors.
    count.copyWithin(258, 0, 258);
    for (let k = lo; k < hi; k++) tmp[lo + count[258 + byteAt(keys, koffs, a[k], d)]++] = a[k];
    for (let k = lo; k < hi; k++) a[k] = tmp[k];
    // Bucket 0 (keys that ended here) is equal throughout; the others go one byte deeper.
    if (count[1] > 1) sortTies(tie, a, lo, lo + count[1]);
    for (let c = 1; c < 257; c++) {
      const s = lo + count[c];
      const e = lo + count[c + 1];
      if (e - s > 1) sortByKey(keys, koffs, tie, a, tmp, counts, s, e, d + 1);
    }
    return;
  }
}

/** a[lo, hi) hold equal keys: stable by the tie-break (a no-op, one pass, when they share a table). */
function sortTies(tie: (i: number, j: number) => number, a: Uint32Array, lo: number, hi: number): void {
  let sorted = true;
  for (let k = lo + 1; k < hi && sorted; k++) if (tie(a[k - 1], a[k]) > 0) sorted = false;
  if (sorted) return;
  const run = Array.from(a.subarray(lo, hi)).sort(tie); // Array.prototype.sort is stable
  a.set(run, lo);
}
