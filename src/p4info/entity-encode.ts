// Canonical p4.v1.Entity bytes: fields in field-number order, matches sorted
// by field id, params by param id, group members by member id, proto3
// defaults left out, byte strings in their shortest form. Two equal entries
// always give identical bytes; the diff compares these bytes.
import { stripZeros } from './bytes.ts';
import { WIRE_VARINT, WireWriter } from './wire.ts';
import { E_GROUP, E_MEMBER, E_TABLE_ENTRY, KIND_FIELD, type FieldMatchValue, type GroupValue, type MemberValue, type ParamValue, type TableEntryValue } from './entity-types.ts';

// One scratch writer: encoding is synchronous and not re-entrant.
const w = new WireWriter(4096);

function byFieldId(a: FieldMatchValue, b: FieldMatchValue): number {
  return a.fieldId - b.fieldId;
}
function byParamId(a: ParamValue, b: ParamValue): number {
  return a.paramId - b.paramId;
}

export function sortedMatch(m: FieldMatchValue[]): FieldMatchValue[] {
  for (let i = 1; i < m.length; i++) if (m[i - 1].fieldId > m[i].fieldId) return [...m].sort(byFieldId);
  return m;
}
export function sortedParams(p: ParamValue[]): ParamValue[] {
  for (let i = 1; i < p.length; i++) if (p[i - 1].paramId > p[i].paramId) return [...p].sort(byParamId);
  return p;
}

function writeMatch(out: WireWriter, fm: FieldMatchValue): void {
  const f = out.begin(2);
  out.uintField(1, fm.fieldId);
  const m = fm.m;
  const s = out.begin(KIND_FIELD[m.kind]);
  switch (m.kind) {
    case 'exact':
    case 'optional':
      out.bytesField(1, stripZeros(m.value));
      break;
    case 'lpm':
      out.bytesField(1, stripZeros(m.value));
      out.uintField(2, m.prefixLen);
      break;
    case 'ternary':
      out.bytesField(1, stripZeros(m.value));
      out.bytesField(2, stripZeros(m.mask));
      break;
    case 'range':
      out.bytesField(1, stripZeros(m.low));
      out.bytesField(2, stripZeros(m.high));
      break;
  }
  out.end(s);
  out.end(f);
}

function writeAction(out: WireWriter, fieldNo: number, actionId: number, params: ParamValue[]): void {
  const a = out.begin(fieldNo);
  out.uintField(1, actionId);
  for (const p of sortedParams(params)) {
    const s = out.begin(4);
    out.uintField(2, p.paramId);
    out.bytesField(3, stripZeros(p.value));
    out.end(s);
  }
  out.end(a);
}

function writeTableEntryBody(out: WireWriter, v: TableEntryValue): void {
  out.uintField(1, v.tableId);
  for (const fm of sortedMatch(v.match)) writeMatch(out, fm);
  const act = v.action;
  if (act) {
    const ta = out.begin(3);
    // Oneof members are written even when 0, as protobufjs does.
    if (act.kind === 'action') writeAction(out, 1, act.actionId, act.params);
    else if (act.kind === 'member') out.tag(2, WIRE_VARINT).varint(act.memberId);
    else out.tag(3, WIRE_VARINT).varint(act.groupId);
    out.end(ta);
  }
  out.int64Field(4, v.priority);
  if (v.meterConfig) {
    const mc = out.begin(6);
    out.int64Field(1, v.meterConfig.cir).int64Field(2, v.meterConfig.cburst).int64Field(3, v.meterConfig.pir).int64Field(4, v.meterConfig.pburst);
    out.end(mc);
  }
  if (v.counterData) {
    const cd = out.begin(7);
    out.int64Field(1, v.counterData.byteCount).int64Field(2, v.counterData.packetCount);
    out.end(cd);
  }
  out.boolField(8, v.isDefaultAction);
  if (v.idleTimeoutNs) out.int64Field(9, v.idleTimeoutNs);
  if (v.metadata?.length) out.bytesField(11, v.metadata);
}

/** Canonical `p4.v1.Entity{table_entry}` bytes. */
export function encodeTableEntry(v: TableEntryValue): Buffer {
  w.reset();
  const e = w.begin(E_TABLE_ENTRY);
  writeTableEntryBody(w, v);
  w.end(e);
  return w.finish();
}

/** Canonical `p4.v1.Entity{action_profile_member}` bytes. */
export function encodeMember(v: MemberValue): Buffer {
  w.reset();
  const e = w.begin(E_MEMBER);
  w.uintField(1, v.profileId);
  w.uintField(2, v.memberId);
  writeAction(w, 3, v.actionId, v.params);
  w.end(e);
  return w.finish();
}

/** Canonical `p4.v1.Entity{action_profile_group}` bytes. */
export function encodeGroup(v: GroupValue): Buffer {
  w.reset();
  const e = w.begin(E_GROUP);
  w.uintField(1, v.profileId);
  w.uintField(2, v.groupId);
  const members = [...v.members].sort((a, b) => a.memberId - b.memberId);
  for (const m of members) {
    const s = w.begin(3);
    w.uintField(1, m.memberId);
    w.int64Field(2, m.weight);
    if (m.watch !== undefined) w.int64Field(3, m.watch);
    else if (m.watchPort) w.bytesField(4, m.watchPort);
    w.end(s);
  }
  w.int64Field(4, v.maxSize ?? 0);
  w.end(e);
  return w.finish();
}
