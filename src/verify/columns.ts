// Entries verify reads, as slots in columns rather than an object each
// (issue 13: 10^6 retained row objects were most of the GC of a cold pass).
// A slot is one entry: for a volume table's entry (light-row.ts) its numbers
// in a shared 32-bit column; for any other table entry, member or group the
// Row decodeRow makes (a few per flow file at most); or nothing, for an
// entity verify does not read. Slots are canonical positions of one
// DesiredEntries (a full pass), a few positions of it (the entries of the
// flows a change touches: state.ts), or a decoded list (verifyEntries over a
// plain list). The checks read numbers by slot (`exact`, `param`); `row`
// builds the Row a person sees for the few slots a finding names.
import type { ActionInfo, P4InfoIndex, TableInfo } from '../p4info/index.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import type { Origin } from '../compile/types.ts';
import { decodeRow, type Row, type RowParts } from '../model/entries.ts';
import { lightRow, readLight, read, LightRow, MAX_SLOTS } from './light-row.ts';

/** Slot codes: no row, a decoded Row (`rows[off]`), else a light row of `tables[code - LIGHT]` at `nums[off]`. */
const NONE = 0;
const ROW = 1;
const LIGHT = 2;

/** A volume table as the columns know it: names → slot offsets, looked up once per table, not per entry. */
interface LightTable {
  info: TableInfo;
  fields: string[];
}

export class Columns {
  readonly code: Uint8Array;
  readonly off: Uint32Array;
  private nums: Uint32Array;
  private used = 0;
  private readonly rows: Row[] = [];
  private readonly tables: LightTable[] = [];
  /** Canonical position per slot (undefined: the slot is the position). */
  private readonly pos: ArrayLike<number> | undefined;

  private constructor(
    readonly size: number,
    private readonly index: P4InfoIndex,
    private readonly entries: DesiredEntries | undefined,
    pos: ArrayLike<number> | undefined,
    numsHint: number,
  ) {
    this.code = new Uint8Array(size);
    this.off = new Uint32Array(size);
    this.nums = new Uint32Array(Math.max(64, numsHint));
    this.pos = pos;
  }

  /** Every entry of `entries` (slot = canonical position). */
  static ofEntries(entries: DesiredEntries, index: P4InfoIndex, parts?: RowParts): Columns {
    // 7 numbers per entry is the widest volume table (flow_classify: 5 fields, action, flow id): presized, grown if not.
    const c = new Columns(entries.length, index, entries, undefined, entries.length * 7);
    for (let k = 0; k < entries.length; k++) c.load(k, k, parts);
    return c;
  }

  /** The entries of `entries` at canonical positions `pos` (slot j = pos[j]). */
  static atPositions(entries: DesiredEntries, index: P4InfoIndex, pos: ArrayLike<number>, parts?: RowParts): Columns {
    const c = new Columns(pos.length, index, entries, pos, pos.length * 7);
    for (let j = 0; j < pos.length; j++) c.load(j, pos[j]!, parts);
    return c;
  }

  /** Rows decoded elsewhere (slot j = rows[j]). */
  static ofRows(rows: readonly Row[], index: P4InfoIndex): Columns {
    const c = new Columns(rows.length, index, undefined, undefined, 0);
    for (let j = 0; j < rows.length; j++) {
      c.code[j] = ROW;
      c.off[j] = c.rows.length;
      c.rows.push(rows[j]!);
    }
    return c;
  }

  private load(slot: number, k: number, parts: RowParts | undefined): void {
    const e = this.entries!;
    const i = e.order[k]!;
    const s = e.offs[i]!;
    const end = e.offs[i + 1]!;
    if (this.used + MAX_SLOTS > this.nums.length) {
      const grown = new Uint32Array(this.nums.length * 2);
      grown.set(this.nums);
      this.nums = grown;
    }
    // A patched set's bytes are pieces: read the entry as a view, never flatten the whole set.
    const flat = e.flatArena;
    const n = flat ? readLight(flat, s, end, this.index, this.nums, this.used) : readLight(e.bytesOf(i), 0, end - s, this.index, this.nums, this.used);
    if (n >= 0) {
      this.code[slot] = this.codeOf(read.table);
      this.off[slot] = this.used;
      this.used += n;
      return;
    }
    const row = decodeRow(e.bytesOf(i), this.index, k, e.originOf(i), parts);
    if (!row) return;
    this.code[slot] = ROW;
    this.off[slot] = this.rows.length;
    this.rows.push(row);
  }

  private lastInfo?: TableInfo;
  private lastCode = 0;
  private codeOf(t: TableInfo): number {
    if (t === this.lastInfo) return this.lastCode;
    let at = this.tables.findIndex((x) => x.info === t);
    if (at < 0) {
      if (this.tables.length >= 256 - LIGHT) throw new Error('verify: more volume tables than the columns hold');
      at = this.tables.push({ info: t, fields: t.fields.map((f) => f.name) }) - 1;
    }
    this.lastInfo = t;
    return (this.lastCode = at + LIGHT);
  }

  /** Canonical position of a slot (a decoded list: the row's index in it). */
  position(slot: number): number {
    if (this.code[slot] === ROW) return this.rows[this.off[slot]!]!.at;
    return this.pos ? this.pos[slot]! : slot;
  }

  /** Whether the slot holds a row at all. */
  has(slot: number): boolean {
    return this.code[slot] !== NONE;
  }

  /** The table (or action profile) of a slot with a row. */
  table(slot: number): string {
    const c = this.code[slot]!;
    return c === ROW ? this.rows[this.off[slot]!]!.table : this.tables[c - LIGHT]!.info.name;
  }

  kind(slot: number): Row['kind'] {
    return this.code[slot] === ROW ? this.rows[this.off[slot]!]!.kind : 'table_entry';
  }

  origin(slot: number): Origin | undefined {
    if (this.code[slot] === ROW) return this.rows[this.off[slot]!]!.origin;
    const e = this.entries!;
    return e.originOf(e.order[this.pos ? this.pos[slot]! : slot]!);
  }

  /** The value of exact field `name` (undefined: no such field, or not an exact one). */
  exact(slot: number, name: string): number | undefined {
    const c = this.code[slot]!;
    if (c === ROW) {
      const m = this.rows[this.off[slot]!]!.match.get(name);
      return m && (m.kind === 'exact' || m.kind === 'optional') ? Number(m.value) : undefined;
    }
    const f = this.tables[c - LIGHT]!.fields;
    for (let i = 0; i < f.length; i++) if (f[i] === name) return this.nums[this.off[slot]! + i];
    return undefined;
  }

  /** The value of the direct action's param `name` (undefined: no action, or no such param). */
  param(slot: number, name: string): number | undefined {
    const c = this.code[slot]!;
    if (c === ROW) {
      const v = this.rows[this.off[slot]!]!.action?.params.get(name);
      return v === undefined ? undefined : Number(v);
    }
    const nf = this.tables[c - LIGHT]!.fields.length;
    const a = this.actionInfo(slot);
    if (!a) return undefined;
    const base = this.off[slot]! + nf + 1;
    for (let i = 0; i < a.params.length; i++) if (a.params[i]!.name === name) return this.nums[base + i];
    return undefined;
  }

  private lastActionId = -1;
  private lastAction?: ActionInfo;
  private actionInfo(slot: number): ActionInfo | undefined {
    const id = this.nums[this.off[slot]! + this.tables[this.code[slot]! - LIGHT]!.fields.length]!;
    if (!id) return undefined;
    if (id !== this.lastActionId) {
      this.lastAction = this.index.action(id);
      this.lastActionId = id;
    }
    return this.lastAction;
  }

  /** The name of the direct action (a light row's without building its params). */
  actionName(slot: number): string | undefined {
    return this.code[slot] === ROW ? this.rows[this.off[slot]!]!.action?.name : this.actionInfo(slot)?.name;
  }

  groupId(slot: number): number | undefined {
    return this.code[slot] === ROW ? this.rows[this.off[slot]!]!.groupId : undefined;
  }

  /** The Row a person sees (a light slot's built from its bytes: equal to decodeRow's, light-row.ts). */
  row(slot: number): Row {
    const c = this.code[slot]!;
    if (c === ROW) return this.rows[this.off[slot]!]!;
    if (c === NONE) throw new Error(`verify: slot ${slot} holds no row`);
    const e = this.entries!;
    const k = this.position(slot);
    const i = e.order[k]!;
    const b = e.bytesOf(i);
    return lightRow(b, 0, b.length, this.index, k, e.originOf(i)) as LightRow;
  }
}
