// The rows verify judges, decoded once per distinct entry: a PR check
// verifies base and head, and a long-running checker verifies each new head
// against a set that differs from the last one in a few entries. Decoding a
// million entries into Maps and bigints was most of verify's cost (issue 13),
// so the decoded parts of every entry are kept with the last entries
// verified on the same P4Info, found again by their bytes (compile's
// BytesIndex over the arena: no string per entry), and only entries not seen
// there are decoded. Bounded: one generation (the last desired entries
// verified per pipeline), replaced at each call; a row carries nothing of its
// origin, so a moved spec line or another tenant's origin is taken from the
// entries at hand, never from the cache.
import type { P4InfoIndex } from '../p4info/index.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import { decodeRow, rowAt, type Row } from '../model/entries.ts';

interface Generation {
  entries: DesiredEntries;
  index: BytesIndex;
  /** Decoded row per emission position (null: an entity verify does not read). */
  rows: (Row | null)[];
}

const last = new WeakMap<P4InfoIndex, Generation>();

export interface RowStats {
  decoded: number;
  reused: number;
}

/** The rows of `entries` in canonical order (`at` = canonical position), reusing the last call's decoded rows. */
export function rowsOf(entries: DesiredEntries, p4: P4InfoIndex, stats?: RowStats): Row[] {
  const prev = last.get(p4);
  const n = entries.length;
  const rows: (Row | null)[] = new Array(n);
  const out: Row[] = [];
  const { arena, offs, order } = entries;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    // A plain view: a Buffer per entry (subarray) costs more than the lookup.
    const bytes = new Uint8Array(arena.buffer, arena.byteOffset + offs[i], offs[i + 1] - offs[i]);
    let row: Row | null | undefined;
    if (prev) {
      const j = prev.entries === entries ? i : prev.index.find(bytes);
      if (j >= 0) row = prev.rows[j];
    }
    if (row === undefined) {
      row = decodeRow(bytes, p4, k) ?? null;
      if (stats) stats.decoded++;
    } else if (stats) stats.reused++;
    rows[i] = row;
    if (row) out.push(rowAt(row, k, entries.originOf(i)));
  }
  last.set(p4, { entries, index: prev?.entries === entries ? prev.index : BytesIndex.over(arena, offs), rows });
  return out;
}
