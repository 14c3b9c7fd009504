// A fast lane through emit.ts for the tables that hold the volume:
// flow_classify (~9 entries per flow) and flow_policy are all-exact keys and
// plain integer params. Their P4Info ids, widths and field order are looked
// up once per table instead of once per entry, and the canonical bytes and
// the identity key are written straight from the numbers, without the
// name-keyed objects and the second scan that the general path needs.
//
// Same bytes or nothing: every value is range-checked (anything unusual goes
// the general way, which raises the proper error), the first entry of each
// table is also built the general way and compared, and a test compares the
// two lanes over many values. A mismatch sends the table the general way for good.
import type { P4InfoIndex } from '../p4info/index.ts';
import { E_TABLE_ENTRY, FM_EXACT } from '../p4info/entity-types.ts';
import { WIRE_LEN, WireWriter } from '../p4info/wire.ts';
import type { ActionSpec, TableSpec } from './tables.ts';
import type { Emitted, Emitter } from './emit.ts';
import { EntriesBuilder, ownerId } from './entries.ts';
import type { Origin } from './types.ts';

/**
 * Emits one entry from key values in `t.keys` order and param values in
 * `action.params` order. `into` appends it to a builder instead, written
 * straight into the builder's arenas: no Buffer and no key string per entry
 * (at 10^6 entries those were most of a cold compile, in GC).
 */
export type ExactEmit = ((keys: readonly number[], params: readonly number[]) => Emitted) & {
  into(b: EntriesBuilder, keys: readonly number[], params: readonly number[], origin: Origin): void;
};
type Lane = (keys: readonly number[], params: readonly number[]) => Emitted;

const w = new WireWriter(256);
// One scratch per length, so writing a value allocates nothing.
const scratch = [Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(2), Buffer.alloc(3), Buffer.alloc(4)];

/** A uint as the shortest big-endian bytes (at least one), as a bytes field. */
function uintField(out: WireWriter, fieldNo: number, v: number): void {
  const n = v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4;
  const b = scratch[n]!;
  for (let i = n - 1; i >= 0; i--) {
    b[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  out.tag(fieldNo, WIRE_LEN).varint(n).raw(b);
}

const fits = (v: number, limit: number) => Number.isInteger(v) && v >= 0 && v < limit;

export function exactEmitter(index: P4InfoIndex, emit: Emitter, t: TableSpec, action: ActionSpec): ExactEmit {
  const general: Lane = (keys, params) =>
    emit.table(
      t,
      Object.fromEntries(t.keys.map((k, i) => [k.name, keys[i]!])),
      { action, params: Object.fromEntries(action.params.map((p, i) => [p.name, params[i]!])) },
    );
  const table = index.table(t.name);
  const act = index.action(action.name);
  const fields = t.keys.map((k, pos) => {
    const f = table.fields.find((x) => x.name === k.name);
    return f && { id: f.id, bits: f.bitwidth, limit: 2 ** f.bitwidth, exact: f.matchType === 'exact', pos };
  });
  const params = action.params.map((p, pos) => {
    const q = act.params.find((x) => x.name === p.name);
    return q && { id: q.id, bits: q.bitwidth, limit: 2 ** q.bitwidth, pos };
  });
  // Anything but all-exact, ≤ 32-bit, fully named: the general lane.
  if (
    fields.length !== table.fields.length ||
    params.length !== act.params.length ||
    fields.some((f) => !f || !f.exact || f.bits > 32) ||
    params.some((p) => !p || p.bits > 32)
  ) {
    return Object.assign(general, { into: (b: EntriesBuilder, keys: readonly number[], vals: readonly number[], origin: Origin) => b.push(general(keys, vals), origin) });
  }
  type Slot = { id: number; limit: number; pos: number };
  const byField = [...fields].sort((a, b) => a!.id - b!.id) as Slot[];
  const byParam = [...params].sort((a, b) => a!.id - b!.id) as Slot[];
  const nf = byField.length;
  const np = byParam.length;
  const tableId = table.id;
  const actionId = act.id;
  const name = t.name;

  const writeIdentity = (keys: readonly number[]) => {
    w.uintField(1, tableId);
    for (let i = 0; i < nf; i++) {
      const f = byField[i]!;
      const fm = w.begin(2);
      w.uintField(1, f.id);
      const ex = w.begin(FM_EXACT);
      uintField(w, 1, keys[f.pos]!);
      w.end(ex);
      w.end(fm);
    }
  };
  /** Writes the identity key at [0, k) and the entity at [k, w.pos) of the scratch writer; -1 when a value is out of range. */
  const write = (keys: readonly number[], vals: readonly number[]): number => {
    for (let i = 0; i < nf; i++) if (!fits(keys[byField[i]!.pos]!, byField[i]!.limit)) return -1;
    for (let i = 0; i < np; i++) if (!fits(vals[byParam[i]!.pos]!, byParam[i]!.limit)) return -1;
    // The identity key (see p4info/entity-key.ts): the entity without its action.
    w.reset();
    let e = w.begin(E_TABLE_ENTRY);
    writeIdentity(keys);
    w.end(e);
    const k = w.pos;
    e = w.begin(E_TABLE_ENTRY);
    writeIdentity(keys);
    const ta = w.begin(3);
    const a = w.begin(1);
    w.uintField(1, actionId);
    for (let i = 0; i < np; i++) {
      const p = byParam[i]!;
      const pm = w.begin(4);
      w.uintField(2, p.id);
      uintField(w, 3, vals[p.pos]!);
      w.end(pm);
    }
    w.end(a);
    w.end(ta);
    w.end(e);
    return k;
  };
  const fast: Lane = (keys, vals) => {
    const k = write(keys, vals);
    if (k < 0) return general(keys, vals);
    return { kind: 'table_entry', table: name, key: w.buf.toString('latin1', 0, k), bytes: Buffer.from(w.buf.subarray(k, w.pos)) };
  };

  // Straight into a builder's arenas, every length known up front (all of
  // them < 128 here, so each takes one byte; else `write` and a copy).
  const varintBytes = (n: number): number[] => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
    return out;
  };
  const entTag = varintBytes(E_TABLE_ENTRY * 8 + WIRE_LEN);
  const tableIdBytes = [0x08, ...varintBytes(tableId)];
  // FieldMatch: tag 2 LEN, length, field_id, exact { value }.
  const fieldHeads = byField.map((f) => [0x08, ...varintBytes(f.id), ...varintBytes(FM_EXACT * 8 + WIRE_LEN)]);
  const actionIdBytes = [0x08, ...varintBytes(actionId)];
  // Param (tag 4 LEN): param_id (tag 2), value (tag 3 LEN).
  const paramHeads = byParam.map((p) => [0x10, ...varintBytes(p.id)]);
  const owner = ownerId('table_entry', name);
  const vlen = (v: number) => (v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4);
  const bodyMax = tableIdBytes.length + fieldHeads.reduce((s, h) => s + 2 + h.length + 1 + 2 + 4, 0);
  const actionMax = 2 + 2 + actionIdBytes.length + paramHeads.reduce((s, h) => s + 2 + h.length + 2 + 4, 0);
  const direct = entTag.length === 1 && bodyMax + actionMax < 0x80;
  const put = (b: Buffer, p: number, src: readonly number[]): number => {
    for (let i = 0; i < src.length; i++) b[p++] = src[i]!;
    return p;
  };
  const putValue = (b: Buffer, p: number, v: number, n: number): number => {
    for (let i = n - 1; i >= 0; i--) {
      b[p + i] = v & 0xff;
      v >>>= 8;
    }
    return p + n;
  };
  const writeDirect = (b: EntriesBuilder, keys: readonly number[], vals: readonly number[], origin: Origin): void => {
    let body = tableIdBytes.length;
    for (let i = 0; i < nf; i++) body += 2 + fieldHeads[i]!.length + 1 + 2 + vlen(keys[byField[i]!.pos]!);
    let action = actionIdBytes.length;
    for (let i = 0; i < np; i++) action += 2 + paramHeads[i]!.length + 2 + vlen(vals[byParam[i]!.pos]!);
    const entLen = body + 2 + 2 + action;
    b.reserve(owner, 2 + entLen, 2 + body, origin);
    const buf = b.bytesBuf;
    const at = b.bytesAt;
    let p = at;
    buf[p++] = entTag[0]!;
    buf[p++] = entLen;
    p = put(buf, p, tableIdBytes);
    for (let i = 0; i < nf; i++) {
      const h = fieldHeads[i]!;
      const v = keys[byField[i]!.pos]!;
      const n = vlen(v);
      buf[p++] = 0x12;
      buf[p++] = h.length + 1 + 2 + n;
      p = put(buf, p, h);
      buf[p++] = 2 + n;
      buf[p++] = 0x0a;
      buf[p++] = n;
      p = putValue(buf, p, v, n);
    }
    buf[p++] = 0x1a; // TableEntry.action
    buf[p++] = 2 + action;
    buf[p++] = 0x0a; // TableAction.action
    buf[p++] = action;
    p = put(buf, p, actionIdBytes);
    for (let i = 0; i < np; i++) {
      const h = paramHeads[i]!;
      const v = vals[byParam[i]!.pos]!;
      const n = vlen(v);
      buf[p++] = 0x22;
      buf[p++] = h.length + 2 + n;
      p = put(buf, p, h);
      buf[p++] = 0x1a;
      buf[p++] = n;
      p = putValue(buf, p, v, n);
    }
    // The identity key (see p4info/entity-key.ts): the entity without its action.
    const kb = b.keyBuf;
    let q = b.keyAt;
    kb[q++] = entTag[0]!;
    kb[q++] = body;
    for (let i = at + 2, end = at + 2 + body; i < end; i++) kb[q++] = buf[i]!;
  };
  const copyInto = (b: EntriesBuilder, keys: readonly number[], vals: readonly number[], origin: Origin): void => {
    const k = write(keys, vals);
    const n = w.pos - k;
    b.reserve(owner, n, k, origin);
    w.buf.copy(b.bytesBuf, b.bytesAt, k, w.pos);
    w.buf.copy(b.keyBuf, b.keyAt, 0, k);
  };
  const fastInto = direct ? writeDirect : copyInto;

  // The first entry is built every way and compared; a mismatch sends the table the general way for good.
  let checked: boolean | undefined;
  const check = (keys: readonly number[], vals: readonly number[]): Emitted => {
    const want = general(keys, vals);
    const got = fast(keys, vals);
    const probe = new EntriesBuilder();
    fastInto(probe, keys, vals, { kind: 'flow', name: '', file: '', line: 0 });
    const into = probe.seal(false);
    checked = got.key === want.key && got.bytes.equals(want.bytes) && into.keyOf(0) === want.key && into.bytesOf(0).equals(want.bytes);
    return want;
  };
  const lane: Lane = (keys, vals) => (checked === undefined ? check(keys, vals) : checked ? fast(keys, vals) : general(keys, vals));
  const into = (b: EntriesBuilder, keys: readonly number[], vals: readonly number[], origin: Origin): void => {
    if (checked !== true) return b.push(lane(keys, vals), origin);
    for (let i = 0; i < nf; i++) if (!fits(keys[byField[i]!.pos]!, byField[i]!.limit)) return b.push(general(keys, vals), origin);
    for (let i = 0; i < np; i++) if (!fits(vals[byParam[i]!.pos]!, byParam[i]!.limit)) return b.push(general(keys, vals), origin);
    fastInto(b, keys, vals, origin);
  };
  return Object.assign(lane, { into });
}
