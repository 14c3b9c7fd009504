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

/** Emits one entry from key values in `t.keys` order and param values in `action.params` order. */
export type ExactEmit = (keys: readonly number[], params: readonly number[]) => Emitted;

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
  const general: ExactEmit = (keys, params) =>
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
    return general;
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
  const fast: ExactEmit = (keys, vals) => {
    for (let i = 0; i < nf; i++) if (!fits(keys[byField[i]!.pos]!, byField[i]!.limit)) return general(keys, vals);
    for (let i = 0; i < np; i++) if (!fits(vals[byParam[i]!.pos]!, byParam[i]!.limit)) return general(keys, vals);
    // The identity key (see p4info/entity-key.ts): the entity without its action.
    w.reset();
    let e = w.begin(E_TABLE_ENTRY);
    writeIdentity(keys);
    w.end(e);
    const key = w.latin1();
    w.reset();
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
    return { kind: 'table_entry', table: name, key, bytes: w.finish() };
  };

  let lane: ExactEmit = (keys, vals) => {
    const want = general(keys, vals);
    const got = fast(keys, vals);
    lane = got.key === want.key && got.bytes.equals(want.bytes) ? fast : general;
    return want;
  };
  return (keys, vals) => lane(keys, vals);
}
