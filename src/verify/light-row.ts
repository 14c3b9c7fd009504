// The rows of the volume tables (flow_classify, flow_policy: exact fields, a
// direct action, values of a few bytes) read straight from their canonical
// bytes: no parsed entity, no Buffer per value, numbers looked up in the
// shared RowParts. Anything else — another match kind, a member or group,
// a value wider than 6 bytes, a field this reader does not expect — is left
// to model/entries.ts decodeRow, which this must equal wherever it answers
// (test/verify/light-row.test.ts compares the two over every entry).
import type { ActionInfo, MatchFieldInfo, P4InfoIndex, TableInfo } from '../p4info/index.ts';
import type { FieldMatch, Row, RowParts } from '../model/entries.ts';

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
  fields: Map<number, MatchFieldInfo>;
}
const shapes = new WeakMap<TableInfo, TableShape>();
function shapeOf(t: TableInfo): TableShape {
  let s = shapes.get(t);
  if (!s) shapes.set(t, (s = { simple: t.implementationId === 0 && t.fields.every((f) => f.matchType === 'exact'), fields: new Map(t.fields.map((f) => [f.id, f])) }));
  return s;
}
const paramIds = new WeakMap<ActionInfo, Set<number>>();
function paramsOf(a: ActionInfo): Set<number> {
  let s = paramIds.get(a);
  if (!s) paramIds.set(a, (s = new Set(a.params.map((x) => x.id))));
  return s;
}

/** A row from entity bytes `buf[s, e)`, or undefined when the entity is not of the simple kind. */
export function lightRow(bytes: Uint8Array, s: number, e: number, index: P4InfoIndex, at: number, parts: RowParts): Row | undefined {
  buf = bytes;
  p = s;
  if (varint(e) !== TAG_ENTITY_TABLE_ENTRY) return undefined;
  const len = varint(e);
  if (len < 0 || p + len !== e) return undefined;
  let t: TableInfo | undefined;
  let shape: TableShape | undefined;
  const match = new Map<string, FieldMatch>();
  let priority = 0;
  let action: Row['action'];
  let metadata: Buffer | undefined;
  const ids: number[] = [];
  const values: number[] = [];
  while (p < e) {
    const tag = varint(e);
    if (tag < 0) return undefined;
    const fn = tag >>> 3;
    const wt = tag & 7;
    if (fn === 1 && wt === 0) {
      const id = varint(e);
      if (id < 0 || !index.hasTable(id)) return undefined;
      t = index.table(id);
      shape = shapeOf(t);
      if (!shape.simple) return undefined;
    } else if (fn === 2 && wt === 2) {
      // FieldMatch { field_id = 1; exact = 2 { value = 1 } }
      if (!shape) return undefined;
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
      if (fieldId < 0 || !exact) return undefined;
      const f = shape.fields.get(fieldId);
      if (!f) return undefined;
      match.set(f.name, parts.exactNumber(f, n));
    } else if (fn === 3 && wt === 2) {
      // TableAction { action = 1 { action_id = 1; params = 4 { param_id = 2; value = 3 } } }
      const l = varint(e);
      const ae = p + l;
      if (l < 0 || ae > e || varint(ae) !== ((1 << 3) | 2)) return undefined;
      const l1 = varint(ae);
      if (l1 < 0 || p + l1 !== ae) return undefined;
      let actionId = -1;
      ids.length = 0;
      values.length = 0;
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
          if (pid < 0) return undefined;
          ids.push(pid);
          values.push(n);
        } else return undefined;
      }
      if (actionId < 0 || !index.hasAction(actionId)) return undefined;
      const info = index.action(actionId);
      const known = paramsOf(info);
      for (const id of ids) if (!known.has(id)) return undefined;
      action = parts.actionNumbers(index, actionId, ids, values);
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
  if (!t) return undefined;
  const row: Row = { kind: 'table_entry', table: t.name, match, priority, at, origin: undefined };
  if (action) row.action = action;
  if (metadata) row.metadata = metadata;
  return row;
}
