// The rows of the volume tables (flow_classify, flow_policy,
// tenant_classify: exact fields, a direct action, values of a few bytes)
// read straight from their canonical bytes into a LightRow: one object
// holding the numbers (fields, then params, in P4Info order) and no Map,
// no FieldMatch, no bigint. The checks read those numbers (`exactOf`,
// `paramOf`); the Map and bigint form a person sees (`match`, `action`,
// describeRow) is built on first use, for the few rows a finding names.
// Anything else — another match kind, a member or group, a value wider than
// 6 bytes, fields or params absent, repeated or out of P4Info order, a field
// this reader does not expect — is left to model/entries.ts decodeRow, which
// this must equal wherever it answers (test/verify/light-row.test.ts compares
// the two over every entry of varied trees).
import type { ActionInfo, P4InfoIndex, TableInfo } from '../p4info/index.ts';
import type { FieldMatch, Row } from '../model/entries.ts';
import type { Origin } from '../compile/types.ts';

const TAG_ENTITY_TABLE_ENTRY = (2 << 3) | 2;

// The reader's cursor: module state, not a closure per row (10^6 rows).
let buf: Uint8Array = new Uint8Array(0);
let p = 0;

/** A varint as a number; -1 when it runs past `end` or past 2^35 (ids and lengths never do). */
function varint(end: number): number {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (p >= end) return -1;
    const b = buf[p++]!;
    x += (b & 0x7f) * mul;
    if (b < 0x80) return x;
    mul *= 128;
  }
  return -1;
}

/** A length-delimited value of at most 6 bytes as a number; -1 when longer or past `end`. */
function smallValue(end: number): number {
  const vl = varint(end);
  if (vl < 0 || vl > 6 || p + vl > end) return -1;
  let n = 0;
  for (let k = 0; k < vl; k++) n = n * 256 + buf[p++]!;
  return n;
}

interface TableShape {
  /** Exact fields only, direct actions: rows this reader may answer for. */
  simple: boolean;
  /** Field id → its position in P4Info order. */
  fieldPos: Map<number, number>;
}
const shapes = new WeakMap<TableInfo, TableShape>();
function shapeOf(t: TableInfo): TableShape {
  let s = shapes.get(t);
  if (!s) shapes.set(t, (s = { simple: t.implementationId === 0 && t.fields.every((f) => f.matchType === 'exact'), fieldPos: new Map(t.fields.map((f, i) => [f.id, i])) }));
  return s;
}

// The numbers of the rows, in columns: runs of 32-bit slots in shared chunks (no array per row).
const CHUNK = 1 << 16;
/** At most this many numbers (fields + params) per light row. */
const MAX_NUMS = 16;
let chunk = new Uint32Array(CHUNK);
let used = 0;

// The last table and action looked up (a million rows name a handful).
let lastIndex: P4InfoIndex | undefined;
let lastTableId = -1;
let lastTable: TableInfo | undefined;
let lastActionId = -1;
let lastAction: ActionInfo | undefined;

/**
 * A table entry of a volume table as numbers: `nums[off…]` holds its match
 * values (every field of the table, in P4Info order) and then its action's
 * params (every param, in P4Info order). Read-only once made; `match` and
 * `action` are decodeRow's forms, built on first use and kept.
 */
export class LightRow implements Row {
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

  // Fields of their own only for what every row differs in: a million rows are retained objects the GC walks.
  get kind(): 'table_entry' {
    return 'table_entry';
  }
  get table(): string {
    return this.info.name;
  }

  get match(): Map<string, FieldMatch> {
    const b = builtOf(this);
    if (!b.match) {
      const m = new Map<string, FieldMatch>();
      this.info.fields.forEach((f, i) => m.set(f.name, { kind: 'exact', value: BigInt(this.nums[this.off + i]!), bits: f.bitwidth }));
      b.match = m;
    }
    return b.match;
  }

  get action(): { name: string; params: Map<string, bigint> } | undefined {
    const a = this.actionInfo;
    if (!a) return undefined;
    const b = builtOf(this);
    const base = this.info.fields.length;
    b.action ??= { name: a.name, params: new Map(a.params.map((p, i) => [p.name, BigInt(this.nums[this.off + base + i]!)])) };
    return b.action;
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
    for (let i = 0; i < a.params.length; i++) if (a.params[i]!.name === name) return this.nums[this.off + this.info.fields.length + i];
    return undefined;
  }

  /** This row for another entry with the same bytes (numbers and built forms shared). */
  placed(at: number, origin: Origin | undefined): LightRow {
    return new LightRow(this.info, this.nums, this.off, this.actionInfo, this.priority, this.metadata, at, origin);
  }
}

/** The forms a person sees, built for the few rows a finding or a shadowing check looks at. */
interface Built {
  match?: Map<string, FieldMatch>;
  action?: { name: string; params: Map<string, bigint> };
}
const built = new WeakMap<LightRow, Built>();
function builtOf(r: LightRow): Built {
  let b = built.get(r);
  if (!b) built.set(r, (b = {}));
  return b;
}

/** Param ids of the action being read (scratch). */
const ids: number[] = [];

/** A row from entity bytes `buf[s, e)`, or undefined when the entity is not of the simple kind. */
export function lightRow(bytes: Uint8Array, s: number, e: number, index: P4InfoIndex, at: number, origin?: Origin): LightRow | undefined {
  buf = bytes;
  p = s;
  if (varint(e) !== TAG_ENTITY_TABLE_ENTRY) return undefined;
  const len = varint(e);
  if (len < 0 || p + len !== e) return undefined;
  if (index !== lastIndex) {
    lastIndex = index;
    lastTableId = lastActionId = -1;
  }
  if (used + MAX_NUMS > CHUNK) {
    chunk = new Uint32Array(CHUNK);
    used = 0;
  }
  const nums = chunk;
  const off = used;
  let count = 0;
  let t: TableInfo | undefined;
  let shape: TableShape | undefined;
  let priority = 0;
  let action: ActionInfo | undefined;
  let metadata: Buffer | undefined;
  while (p < e) {
    const tag = varint(e);
    if (tag < 0) return undefined;
    const fn = tag >>> 3;
    const wt = tag & 7;
    if (fn === 1 && wt === 0) {
      const id = varint(e);
      if (t || id < 0) return undefined;
      if (id !== lastTableId) {
        if (!index.hasTable(id)) return undefined;
        lastTable = index.table(id);
        lastTableId = id;
      }
      t = lastTable!;
      shape = shapeOf(t);
      if (t.fields.length > MAX_NUMS) return undefined;
      if (!shape.simple) return undefined;
    } else if (fn === 2 && wt === 2) {
      // FieldMatch { field_id = 1; exact = 2 { value = 1 } }, the next field in P4Info order
      if (!shape || action) return undefined;
      const l = varint(e);
      const fe = p + l;
      if (l < 0 || fe > e) return undefined;
      let fieldId = -1;
      let n = 0;
      let exact = false;
      while (p < fe) {
        const t2 = varint(fe);
        if (t2 === (1 << 3)) fieldId = varint(fe);
        else if (t2 === ((2 << 3) | 2)) {
          const l2 = varint(fe);
          const ee = p + l2;
          if (l2 < 0 || ee > fe) return undefined;
          exact = true;
          n = 0;
          while (p < ee) {
            if (varint(ee) !== ((1 << 3) | 2) || (n = smallValue(ee)) < 0) return undefined;
          }
        } else return undefined;
      }
      if (fieldId < 0 || !exact || n > 0xffffffff || shape.fieldPos.get(fieldId) !== count) return undefined;
      nums[off + count++] = n;
    } else if (fn === 3 && wt === 2) {
      // TableAction { action = 1 { action_id = 1; params = 4 { param_id = 2; value = 3 } } }
      if (!t || action || count !== t.fields.length) return undefined;
      const l = varint(e);
      const ae = p + l;
      if (l < 0 || ae > e || varint(ae) !== ((1 << 3) | 2)) return undefined;
      const l1 = varint(ae);
      if (l1 < 0 || p + l1 !== ae) return undefined;
      let actionId = -1;
      const base = count;
      while (p < ae) {
        const t2 = varint(ae);
        if (t2 === (1 << 3)) actionId = varint(ae);
        else if (t2 === ((4 << 3) | 2)) {
          const lp = varint(ae);
          const pe = p + lp;
          if (lp < 0 || pe > ae) return undefined;
          let pid = -1;
          let n = 0;
          while (p < pe) {
            const t3 = varint(pe);
            if (t3 === (2 << 3)) pid = varint(pe);
            else if (t3 === ((3 << 3) | 2)) {
              if ((n = smallValue(pe)) < 0) return undefined;
            } else return undefined;
          }
          // Every param, once, in P4Info order (checked against the action below).
          if (pid < 0 || n > 0xffffffff || count >= MAX_NUMS) return undefined;
          ids[count - base] = pid;
          nums[off + count++] = n;
        } else return undefined;
      }
      if (actionId < 0) return undefined;
      if (actionId !== lastActionId) {
        if (!index.hasAction(actionId)) return undefined;
        lastAction = index.action(actionId);
        lastActionId = actionId;
      }
      action = lastAction!;
      const np = count - base;
      if (np !== action.params.length) return undefined;
      for (let i = 0; i < np; i++) if (ids[i] !== action.params[i]!.id) return undefined;
    } else if (fn === 4 && wt === 0) {
      const v = varint(e);
      if (v < 0 || v > 0x7fffffff) return undefined;
      priority = v;
    } else if (fn === 11 && wt === 2) {
      const l = varint(e);
      if (l < 0 || p + l > e) return undefined;
      metadata = l ? Buffer.from(bytes.subarray(p, p + l)) : undefined;
      p += l;
    } else if ((fn === 6 || fn === 7) && wt === 2) {
      // Meter config, counter data: not part of a row.
      const l = varint(e);
      if (l < 0 || p + l > e) return undefined;
      p += l;
    } else return undefined;
  }
  if (!t || count < t.fields.length) return undefined;
  used += count;
  return new LightRow(t, nums, off, action, priority, metadata, at, origin);
}
