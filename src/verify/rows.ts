// The rows verify judges, decoded once per distinct entry: a PR check
// verifies base and head, and a long-running checker verifies each new head
// against a set that differs from the last one in a few entries. Decoding a
// million entries into Maps and bigints was most of verify's cost (issue 13),
// so the decoded parts of every entry are kept with the last entries
// verified on the same P4Info, found again by their bytes (compile's
// BytesIndex over the arena: no string per entry), and only entries not seen
// there are decoded (an entry is first compared with the one after the last
// entry found, in place; BytesIndex only when that fails). Bounded: one generation (the last desired entries
// verified per pipeline), replaced at each call; a row found again is copied
// with the origin of the entries at hand (rowAt), so a moved spec line or
// another tenant's origin never comes from the cache.
import type { P4InfoIndex } from '../p4info/index.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import { decodeRow, rowAt, RowParts, type Row } from '../model/entries.ts';
import { lightRow, LightRow } from './light-row.ts';

interface Generation {
  entries: DesiredEntries;
  /** Built on the first entry not found where it was expected (most calls never need it). */
  index?: BytesIndex;
  /** Decoded row per emission position (null: an entity verify does not read). */
  rows: (Row | null)[];
  /** Values shared by the rows; handed on to the next generation while it stays small. */
  parts: RowParts;
}

const last = new WeakMap<P4InfoIndex, Generation>();

export interface RowStats {
  decoded: number;
  reused: number;
}

/** Whether entry i of `a` and entry j of `b` have the same bytes (compared in the arenas). */
function sameBytes(a: DesiredEntries, i: number, b: DesiredEntries, j: number): boolean {
  const s = a.offs[i];
  const n = a.offs[i + 1] - s;
  const t = b.offs[j];
  if (n !== b.offs[j + 1] - t) return false;
  const x = a.arena;
  const y = b.arena;
  for (let k = 0; k < n; k++) if (x[s + k] !== y[t + k]) return false;
  return true;
}

/** The rows of `entries` in canonical order (`at` = canonical position), reusing the last call's decoded rows. */
export function rowsOf(entries: DesiredEntries, p4: P4InfoIndex, stats?: RowStats): Row[] {
  const prev = last.get(p4);
  const n = entries.length;
  const rows: (Row | null)[] = new Array(n);
  const out: Row[] = [];
  const { arena, offs, order } = entries;
  // Two versions of one repository emit their common entries in the same order: the entry after
  // the last one found is tried first, the index of the old set only when that fails.
  let next = -1;
  // Distinct values grow with the entries ever seen: started afresh once past twice this set's size.
  const parts = prev && prev.parts.size <= 2 * n ? prev.parts : new RowParts();
  for (let k = 0; k < n; k++) {
    const i = order[k];
    let row: Row | null | undefined;
    if (prev) {
      let j = prev.entries === entries ? i : -1;
      if (j < 0 && next >= 0 && next < prev.rows.length && sameBytes(entries, i, prev.entries, next)) j = next;
      if (j < 0) {
        prev.index ??= BytesIndex.over(prev.entries.arena, prev.entries.offs);
        // A plain view: a Buffer per entry (subarray) costs more than the lookup.
        j = prev.index.find(new Uint8Array(arena.buffer, arena.byteOffset + offs[i], offs[i + 1] - offs[i]));
      }
      if (j >= 0) {
        row = prev.rows[j];
        next = j + 1;
      }
    }
    const decodedNow = row === undefined;
    if (row === undefined) {
      row = lightRow(arena, offs[i], offs[i + 1], p4, k) ?? decodeRow(new Uint8Array(arena.buffer, arena.byteOffset + offs[i], offs[i + 1] - offs[i]), p4, k, undefined, parts) ?? null;
      if (stats) stats.decoded++;
    } else if (stats) stats.reused++;
    rows[i] = row;
    if (!row) continue;
    if (decodedNow) {
      // Decoded for this call: the row itself, with this entry's origin (a later call copies it with its own).
      row.origin = entries.originOf(i);
      out.push(row);
    } else out.push(row instanceof LightRow ? row.placed(k, entries.originOf(i)) : rowAt(row, k, entries.originOf(i)));
  }
  last.set(p4, prev?.entries === entries ? prev : { entries, rows, parts });
  return out;
}
