// A plan's inserts without an object per insert. A first sync inserts every
// desired entry: a million `Change`s, each with a key string and a Buffer view,
// were ~240 B an entry and most of plan()'s time. The inserts are kept as what
// they are — positions in the desired state's arena (compile/entries.ts), in
// write order — and `Plan.inserts` is a read-only array view over them whose
// elements are made when read: reports, `plan --json` and tests index, spread
// and iterate it like any array. apply/ takes the positions themselves
// (`insertRun`) and builds each Write request's updates when it is sent.
import type { DesiredEntries } from '../compile/entries.ts';
import type { Change } from './types.ts';
import { arenaOf, lazyArray } from '../shared/lazy-array.ts';

/** Inserts as positions (emission order indexes) of `entries`, in write order (compile/order.ts compareWrites). */
export interface InsertRun {
  readonly entries: DesiredEntries;
  readonly at: Uint32Array;
}

class Run implements InsertRun {
  constructor(readonly entries: DesiredEntries, readonly at: Uint32Array) {}
}

/**
 * `Change[]`-shaped view of the inserts at `at` (shared/lazy-array.ts: JSON,
 * spreads and array methods work); each element is a fresh Change.
 */
export function insertList(entries: DesiredEntries, at: Uint32Array): readonly Change[] {
  return lazyArray(at.length, (k) => insertOf(entries, at[k]), new Run(entries, at));
}

/** The insert of entry i (emission position) as a Change. */
export function insertOf(entries: DesiredEntries, i: number): Change {
  return { kind: 'insert', entity: entries.kindOf(i), table: entries.tableOf(i), key: entries.keyOf(i), bytes: entries.bytesOf(i), origin: entries.originOf(i) };
}

/** The positions behind a list made by `insertList`; undefined for a plain array (a plan assembled by hand). */
export function insertRun(list: readonly Change[]): InsertRun | undefined {
  return arenaOf(list, (s): s is Run => s instanceof Run);
}

/** How many of `list` there are per table, without making a Change per entry when it is an insert run. */
export function countByTable(list: readonly Change[], into = new Map<string, number>()): Map<string, number> {
  const run = insertRun(list);
  if (run) {
    for (let k = 0; k < run.at.length; k++) {
      const t = run.entries.tableOf(run.at[k]);
      into.set(t, (into.get(t) ?? 0) + 1);
    }
  } else for (const c of list) into.set(c.table, (into.get(c.table) ?? 0) + 1);
  return into;
}
