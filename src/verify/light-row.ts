// The rows of the volume tables (flow_classify, flow_policy,
// tenant_classify: exact fields, a direct action, values of a few bytes)
// read straight from their canonical bytes into numbers: `readLight` writes
// an entry's match values (P4Info order), its action id and its params (P4Info
// order) into 32-bit slots the caller owns — verify's columns (columns.ts),
// no object per entry. `lightRow` wraps the same numbers in a LightRow, the
// Row a person sees (`match`, `action`, describeRow), for the few entries a
// finding names. Anything else — another match kind, a member or group, a
// value wider than 6 bytes, fields or params absent, repeated or out of
// P4Info order, a field this reader does not expect — is left to
// model/entries.ts decodeRow, which this must equal wherever it answers
// (test/verify/light-row.test.ts compares the two over every entry of varied
// trees).
import type { ActionInfo, P4InfoIndex, TableInfo } from '../p4info/index.ts';
import type { FieldMatch, Row } from '../model/entries.ts';
import type { Origin } from '../compile/types.ts';

const TAG_ENTITY_TABLE_ENTRY = (2 << 3) | 2;

/** At most this many numbers (fields + params) per light row; a row takes one slot more (its action id). */
const MAX_NUMS = 16;
/** Slots `readLight` may write at `out[o…]`. */
export const MAX_SLOTS = MAX_NUMS + 1;

// The position after the last varint read by `varintAt` (module state: no object per read).
let after = 0;

/** A varint at `b[p]` as a number (`after` set past it); -1 when it runs past `end` or past 2^35 (ids and lengths never do). */
function varintAt(b: Uint8Array, p: number, end: number): number {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (p >= end) return -1;
    const c = b[p++]!;
    x += (c & 0x7f) * mul;
    if (c < 0x80) {
      after = p;
      return x;
    }
    mul *= 128;
  }
  return -1;
}

/** A length-delimited value of at most 6 bytes at `b[p]` as a number (`after` set past it); -1 when longer or past `end`. */
function smallValueAt(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const vl = b[p++]!;
  if (vl > 6 || p + vl > end) return -1;
  let n = 0;
  for (let k = 0; k < vl; k++) n = n * 256 + b[p++]!;
  after = p;
  return n;
}

interface TableShape {
  /** Exact fields only, direct actions: rows this reader may answer for. */
  simple: boolean;
  /** Field id → its position in P4Info order (ids of a few fields: a list). */
  fieldIds: number[];
}
const shapes = new WeakMap<TableInfo, TableShape>();
function shapeOf(t: TableInfo): TableShape {
  let s = shapes.get(t);
  if (!s) shapes.set(t, (s = { simple: t.implementationId === 0 && t.fields.every((f) => f.matchType === 'exact') && t.fields.length <= MAX_NUMS, fieldIds: t.fields.map((f) => f.id) }));
  return s;
}

// The last table and action looked up (a million rows name a handful).
let lastIndex: P4InfoIndex | undefined;
let lastTableId = -1;
let lastTable: TableInfo | undefined;
let lastShape: TableShape | undefined;
let lastActionId = -1;
let lastAction: ActionInfo | undefined;

/** What `readLight` read besides the numbers: valid until the next call. */
export const read = {
  table: undefined as unknown as TableInfo,
  action: undefined as ActionInfo | undefined,
  priority: 0,
  /** TableEntry.metadata as `bytes[metaStart, metaEnd)` (equal: none). */
  metaStart: 0,
  metaEnd: 0,
};

/** Param ids of the action being read (scratch). */
const ids: number[] = [];

/**
 * Entity bytes `b[s, e)` of a volume table's entry as numbers at `out[o…]`:
 * its match values (every field of the table, P4Info order), its action id
 * (0: none), its action's params (every param, P4Info order). Returns the
 * slots written (at most MAX_SLOTS; table, action, priority and metadata in
 * `read`), or -1 when the entity is not of the simple kind (nothing to keep).
 */
export function readLight(b: Uint8Array, s: number, e: number, index: P4InfoIndex, out: Uint32Array, o: number): number {
  // One-byte tags and lengths (all but ids and long values) are read inline; the rest by varintAt.
  let p = s;
  if (p + 2 > e || b[p++] !== TAG_ENTITY_TABLE_ENTRY) return -1;
  let len = b[p++]!;
  if (len > 127 && ((len = varintAt(b, p - 1, e)), (p = after), len < 0)) return -1;
  if (p + len !== e) return -1;
  if (index !== lastIndex) {
    lastIndex = index;
    lastTableId = lastActionId = -1;
  }
  let count = 0;
  let t: TableInfo | undefined;
  let fieldIds: number[] | undefined;
  let nf = 0;
  let priority = 0;
  let action: ActionInfo | undefined;
  let metaStart = 0;
  let metaEnd = 0;
  while (p < e) {
    let tag = b[p++]!;
    if (tag > 127 && ((tag = varintAt(b, p - 1, e)), (p = after), tag < 0)) return -1;
    const fn = tag >>> 3;
    const wt = tag & 7;
    if (fn === 1 && wt === 0) {
      const id = varintAt(b, p, e);
      if (t || id < 0) return -1;
      p = after;
      if (id !== lastTableId) {
        if (!index.hasTable(id)) return -1;
        lastTable = index.table(id);
        lastShape = shapeOf(lastTable);
        lastTableId = id;
      }
      if (!lastShape!.simple) return -1;
      t = lastTable!;
      fieldIds = lastShape!.fieldIds;
      nf = fieldIds.length;
    } else if (fn === 2 && wt === 2) {
      // FieldMatch { field_id = 1; exact = 2 { value = 1 } }, the next field in P4Info order
      if (!fieldIds || action || count >= nf || p >= e) return -1;
      let l = b[p++]!;
      if (l > 127 && ((l = varintAt(b, p - 1, e)), (p = after), l < 0)) return -1;
      const fe = p + l;
      if (fe > e) return -1;
      let fieldId = -1;
      let n = 0;
      let exact = false;
      while (p < fe) {
        const t2 = b[p++]!;
        if (t2 === 1 << 3) {
          fieldId = varintAt(b, p, fe);
          if (fieldId < 0) return -1;
          p = after;
        } else if (t2 === ((2 << 3) | 2)) {
          const l2 = varintAt(b, p, fe);
          const ee = after + l2;
          if (l2 < 0 || ee > fe) return -1;
          p = after;
          exact = true;
          n = 0;
          while (p < ee) {
            if (b[p++] !== ((1 << 3) | 2) || (n = smallValueAt(b, p, ee)) < 0) return -1;
            p = after;
          }
        } else return -1;
      }
      if (fieldId < 0 || !exact || n > 0xffffffff || fieldIds[count] !== fieldId) return -1;
      out[o + count++] = n;
    } else if (fn === 3 && wt === 2) {
      // TableAction { action = 1 { action_id = 1; params = 4 { param_id = 2; value = 3 } } }
      if (!t || action || count !== nf || p >= e) return -1;
      let l = b[p++]!;
      if (l > 127 && ((l = varintAt(b, p - 1, e)), (p = after), l < 0)) return -1;
      const ae = p + l;
      if (ae > e || p + 1 >= ae || b[p++] !== ((1 << 3) | 2)) return -1;
      let l1 = b[p++]!;
      if (l1 > 127 && ((l1 = varintAt(b, p - 1, ae)), (p = after), l1 < 0)) return -1;
      if (p + l1 !== ae) return -1;
      let actionId = -1;
      // Params go after the action id's slot.
      let np = 0;
      while (p < ae) {
        const t2 = b[p++]!;
        if (t2 === 1 << 3) {
          actionId = varintAt(b, p, ae);
          if (actionId < 0) return -1;
          p = after;
        } else if (t2 === ((4 << 3) | 2)) {
          const lp = varintAt(b, p, ae);
          const pe = after + lp;
          if (lp < 0 || pe > ae) return -1;
          p = after;
          let pid = -1;
          let n = 0;
          while (p < pe) {
            const t3 = b[p++]!;
            if (t3 === 2 << 3) {
              pid = varintAt(b, p, pe);
              if (pid < 0) return -1;
              p = after;
            } else if (t3 === ((3 << 3) | 2)) {
              if ((n = smallValueAt(b, p, pe)) < 0) return -1;
              p = after;
            } else return -1;
          }
          // Every param, once, in P4Info order (checked against the action below).
          if (pid < 0 || n > 0xffffffff || nf + np >= MAX_NUMS) return -1;
          ids[np] = pid;
          out[o + nf + 1 + np++] = n;
        } else return -1;
      }
      if (actionId < 0) return -1;
      if (actionId !== lastActionId) {
        if (!index.hasAction(actionId)) return -1;
        lastAction = index.action(actionId);
        lastActionId = actionId;
      }
      action = lastAction!;
      const params = action.params;
      if (np !== params.length) return -1;
      for (let i = 0; i < np; i++) if (ids[i] !== params[i]!.id) return -1;
      out[o + nf] = actionId;
      count += 1 + np;
    } else if (fn === 4 && wt === 0) {
      const v = varintAt(b, p, e);
      if (v < 0 || v > 0x7fffffff) return -1;
      p = after;
      priority = v;
    } else if (fn === 11 && wt === 2) {
      const l = varintAt(b, p, e);
      if (l < 0 || after + l > e) return -1;
      metaStart = after;
      p = metaEnd = after + l;
    } else if ((fn === 6 || fn === 7) && wt === 2) {
      // Meter config, counter data: not part of a row.
      const l = varintAt(b, p, e);
      if (l < 0 || after + l > e) return -1;
      p = after + l;
    } else return -1;
  }
  if (!t || count < nf) return -1;
  if (!action) out[o + count++] = 0;
  read.table = t;
  read.action = action;
  read.priority = priority;
  read.metaStart = metaStart;
  read.metaEnd = metaEnd;
  return count;
}

/**
 * A table entry of a volume table as numbers: `nums[off…]` holds its match
 * values (every field of the table, in P4Info order), its action id and its
 * action's params (every param, in P4Info order). Read-only once made;
 * `match` and `action` are decodeRow's forms, built on first use and kept.
 */
export class LightRow implements Row {
  private builtMatch?: Map<string, FieldMatch>;
  private builtAction?: { name: string; params: Map<string, bigint> };

  constructor(
    readonly info: TableInfo,
    private readonly nums: Uint32Array,
    private readonly off: number,
    /** The direct action, if the entry has one. */
    readonly actionInfo: ActionInfo | undefined,
    readonly priority: number,
    readonly metadata: Buffer | undefined,
    public at: number,
    public origin: Origin | undefined,
  ) {}

  get kind(): 'table_entry' {
    return 'table_entry';
  }
  get table(): string {
    return this.info.name;
  }

  get match(): Map<string, FieldMatch> {
    if (!this.builtMatch) {
      const m = new Map<string, FieldMatch>();
      this.info.fields.forEach((f, i) => m.set(f.name, { kind: 'exact', value: BigInt(this.nums[this.off + i]!), bits: f.bitwidth }));
      this.builtMatch = m;
    }
    return this.builtMatch;
  }

  get action(): { name: string; params: Map<string, bigint> } | undefined {
    const a = this.actionInfo;
    if (!a) return undefined;
    const base = this.off + this.info.fields.length + 1;
    this.builtAction ??= { name: a.name, params: new Map(a.params.map((p, i) => [p.name, BigInt(this.nums[base + i]!)])) };
    return this.builtAction;
  }

  /** The value of exact field `name` (undefined: the table has no such field). */
  exactOf(name: string): number | undefined {
    const f = this.info.fields;
    for (let i = 0; i < f.length; i++) if (f[i]!.name === name) return this.nums[this.off + i];
    return undefined;
  }

  /** The value of the action's param `name` (undefined: no action, or no such param). */
  paramOf(name: string): number | undefined {
    const a = this.actionInfo;
    if (!a) return undefined;
    for (let i = 0; i < a.params.length; i++) if (a.params[i]!.name === name) return this.nums[this.off + this.info.fields.length + 1 + i];
    return undefined;
  }

  /** This row for another entry with the same bytes (numbers shared). */
  placed(at: number, origin: Origin | undefined): LightRow {
    return new LightRow(this.info, this.nums, this.off, this.actionInfo, this.priority, this.metadata, at, origin);
  }
}

/** A row from entity bytes `bytes[s, e)`, or undefined when the entity is not of the simple kind. */
export function lightRow(bytes: Uint8Array, s: number, e: number, index: P4InfoIndex, at: number, origin?: Origin): LightRow | undefined {
  const nums = new Uint32Array(MAX_SLOTS);
  const n = readLight(bytes, s, e, index, nums, 0);
  if (n < 0) return undefined;
  const { table, action, priority, metaStart, metaEnd } = read;
  const metadata = metaEnd > metaStart ? Buffer.from(bytes.subarray(metaStart, metaEnd)) : undefined;
  return new LightRow(table, nums.slice(0, n), 0, action, priority, metadata, at, origin);
}
