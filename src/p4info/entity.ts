// Canonical p4.v1.Entity bytes and identity keys. The diff compares entities
// as byte strings, so there must be exactly one encoding of each entry: fields
// in field-number order, matches sorted by field id, params by param id, group
// members by member id, proto3 defaults left out and every byte string in its
// shortest form (bytes.ts). `entityKey` reads any wire form (fields out of
// order, padded values) and returns the switch-side identity, so live entries
// from a switch that encodes differently still pair with desired ones.
import protobuf from 'protobufjs';
import { EncodeError, P4InfoError } from '../shared/errors.ts';
import { protoType } from '../proto/load.ts';
import {
  canonical,
  compareUint,
  formatValue,
  hintFor,
  ipv4Bytes,
  ipv6Bytes,
  isMaskedLpm,
  isMaskedTernary,
  macBytes,
  prefixMask,
  stripZeros,
  uintBytes,
  byteWidth,
} from './bytes.ts';
import type { ActionInfo, P4InfoIndex, TableInfo } from './index.ts';
import { WIRE_LEN, WIRE_VARINT, WireReader, WireWriter, WireError } from './wire.ts';

// ---------------------------------------------------------------- types

export type MatchValue =
  | { kind: 'exact'; value: Buffer }
  | { kind: 'lpm'; value: Buffer; prefixLen: number }
  | { kind: 'ternary'; value: Buffer; mask: Buffer }
  | { kind: 'range'; low: Buffer; high: Buffer }
  | { kind: 'optional'; value: Buffer };

export interface FieldMatchValue {
  fieldId: number;
  m: MatchValue;
}

export interface ParamValue {
  paramId: number;
  value: Buffer;
}

export type TableActionValue =
  | { kind: 'action'; actionId: number; params: ParamValue[] }
  | { kind: 'member'; memberId: number }
  | { kind: 'group'; groupId: number };

export interface MeterConfigValue {
  cir: bigint | number;
  cburst: bigint | number;
  pir: bigint | number;
  pburst: bigint | number;
}

export interface CounterDataValue {
  byteCount: bigint | number;
  packetCount: bigint | number;
}

export interface TableEntryValue {
  tableId: number;
  match: FieldMatchValue[];
  priority: number;
  action?: TableActionValue;
  meterConfig?: MeterConfigValue;
  isDefaultAction?: boolean;
  counterData?: CounterDataValue;
}

export interface MemberValue {
  profileId: number;
  memberId: number;
  actionId: number;
  params: ParamValue[];
}

export interface GroupValue {
  profileId: number;
  groupId: number;
  members: { memberId: number; weight: number }[];
  maxSize?: number;
}

/** An entity read at wire level (views into the input bytes, no copies). */
export type ParsedEntity =
  | { kind: 'table_entry'; entry: TableEntryValue }
  | { kind: 'action_profile_member'; member: MemberValue }
  | { kind: 'action_profile_group'; group: GroupValue }
  | { kind: 'other'; fieldNo: number };

// Field numbers (p4runtime.proto).
const E_TABLE_ENTRY = 2;
const E_MEMBER = 3;
const E_GROUP = 4;
const E_DIRECT_METER = 6;
const E_DIRECT_COUNTER = 8;
const FM_EXACT = 2;
const FM_TERNARY = 3;
const FM_LPM = 4;
const FM_RANGE = 6;
const FM_OPTIONAL = 7;
const KIND_FIELD: Record<MatchValue['kind'], number> = { exact: FM_EXACT, ternary: FM_TERNARY, lpm: FM_LPM, range: FM_RANGE, optional: FM_OPTIONAL };

// One scratch writer per module: encoding is synchronous and not re-entrant.
const w = new WireWriter(4096);
const kw = new WireWriter(1024);

// ---------------------------------------------------------------- encode

function byFieldId(a: FieldMatchValue, b: FieldMatchValue): number {
  return a.fieldId - b.fieldId;
}
function byParamId(a: ParamValue, b: ParamValue): number {
  return a.paramId - b.paramId;
}

function sortedMatch(m: FieldMatchValue[]): FieldMatchValue[] {
  for (let i = 1; i < m.length; i++) if (m[i - 1].fieldId > m[i].fieldId) return [...m].sort(byFieldId);
  return m;
}
function sortedParams(p: ParamValue[]): ParamValue[] {
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
    w.end(s);
  }
  w.int64Field(4, v.maxSize ?? 0);
  w.end(e);
  return w.finish();
}

// ---------------------------------------------------------------- identity key

// entityKey runs once per live and desired entry (10^6 per sync), so it scans
// with a module-level cursor (S, P) and writes into a scratch writer: no
// object is allocated per field, only the resulting key string.
const EMPTY = new Uint8Array(0);
let S: Uint8Array = EMPTY;
let P = 0;
// One table entry's matches as [fieldId, start, end] triples.
let matchScratch = new Int32Array(3 * 16);

function rv(end: number): number {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (P >= end) throw new WireError('truncated varint', { at: P });
    const b = S[P++];
    x += (b & 0x7f) * mul;
    if (b < 0x80) return x;
    mul *= 128;
  }
  throw new WireError('varint longer than 10 bytes', { at: P });
}

/** An int32 varint at the cursor (negative values take 10 bytes). */
function rInt32(end: number): number {
  const at = P;
  const x = rv(end);
  if (x <= 0x7fffffff) return x;
  const r = new WireReader(S, at, end);
  const v = r.int32();
  P = r.pos;
  return v;
}

function skipField(wireType: number, end: number): void {
  if (wireType === WIRE_VARINT) rv(end);
  else if (wireType === WIRE_LEN) {
    const len = rv(end); // read before P is, or `P +=` would use the old P
    P += len;
  }
  else if (wireType === 1) P += 8;
  else if (wireType === 5) P += 4;
  else throw new WireError(`unsupported wire type ${wireType}`, { at: P });
  if (P > end) throw new WireError('field runs past the end of its message', { at: P });
}

function lenEnd(end: number): number {
  const len = rv(end);
  const e = P + len;
  if (e > end) throw new WireError('length-delimited field runs past the end', { at: P, len });
  return e;
}

/** Re-encodes the FieldMatch at S[start..end) canonically into `out`. */
function writeMatchCanonical(out: WireWriter, start: number, end: number): void {
  P = start;
  let fieldId = 0;
  let kind = 0;
  let ks = 0;
  let ke = 0;
  while (P < end) {
    const tag = rv(end);
    const fno = tag >>> 3;
    const wt = tag & 7;
    if (fno === 1 && wt === WIRE_VARINT) fieldId = rv(end);
    else if (wt === WIRE_LEN && fno >= FM_EXACT) {
      ke = lenEnd(end);
      ks = P;
      kind = fno;
      P = ke;
    } else skipField(wt, end);
  }
  const f = out.begin(2);
  out.uintField(1, fieldId);
  if (kind === FM_EXACT || kind === FM_OPTIONAL || kind === FM_LPM || kind === FM_TERNARY || kind === FM_RANGE) {
    const sm = out.begin(kind);
    // Sub-fields 1 and 2 are bytes, except LPM's prefix_len (a varint).
    let a0 = -1;
    let a1 = 0;
    let b0 = -1;
    let b1 = 0;
    let plen = 0;
    P = ks;
    while (P < ke) {
      const tag = rv(ke);
      const fno = tag >>> 3;
      const wt = tag & 7;
      if (fno === 1 && wt === WIRE_LEN) {
        a1 = lenEnd(ke);
        a0 = P;
        P = a1;
      } else if (fno === 2 && wt === WIRE_LEN) {
        b1 = lenEnd(ke);
        b0 = P;
        P = b1;
      } else if (fno === 2 && wt === WIRE_VARINT) plen = rInt32(ke);
      else skipField(wt, ke);
    }
    if (a0 >= 0) out.strippedField(1, S, a0, a1);
    if (kind === FM_LPM) out.int64Field(2, plen);
    else if (b0 >= 0) out.strippedField(2, S, b0, b1);
    out.end(sm);
  } else if (kind) {
    out.tag(kind, WIRE_LEN).varint(ke - ks).raw(S.subarray(ks, ke));
  }
  out.end(f);
}

function peekFieldId(start: number, end: number): number {
  // field_id is almost always first; scan in case it is not.
  const save = P;
  P = start;
  let id = 0;
  while (P < end) {
    const tag = rv(end);
    if (tag === 8) {
      id = rv(end);
      break;
    }
    skipField(tag & 7, end);
  }
  P = save;
  return id;
}

/** Identity part of a TableEntry: table id, sorted canonical match, priority, default flag. */
function writeTableKey(out: WireWriter, start: number, end: number): void {
  P = start;
  let tableId = 0;
  let priority = 0;
  let isDefault = false;
  let n = 0;
  let sorted = true;
  while (P < end) {
    const tag = rv(end);
    const fno = tag >>> 3;
    const wt = tag & 7;
    if (fno === 1 && wt === WIRE_VARINT) tableId = rv(end);
    else if (fno === 2 && wt === WIRE_LEN) {
      const e = lenEnd(end);
      const s = P;
      if (3 * n + 3 > matchScratch.length) {
        const next = new Int32Array(matchScratch.length * 2);
        next.set(matchScratch);
        matchScratch = next;
      }
      const fid = peekFieldId(s, e);
      if (n > 0 && matchScratch[3 * (n - 1)] > fid) sorted = false;
      matchScratch[3 * n] = fid;
      matchScratch[3 * n + 1] = s;
      matchScratch[3 * n + 2] = e;
      n++;
      P = e;
    } else if (fno === 4 && wt === WIRE_VARINT) priority = rInt32(end);
    else if (fno === 8 && wt === WIRE_VARINT) isDefault = rv(end) !== 0;
    else skipField(wt, end);
  }
  out.uintField(1, tableId);
  if (sorted) {
    for (let i = 0; i < n; i++) writeMatchCanonical(out, matchScratch[3 * i + 1], matchScratch[3 * i + 2]);
  } else {
    const ranges = Array.from({ length: n }, (_, i) => [matchScratch[3 * i], matchScratch[3 * i + 1], matchScratch[3 * i + 2]]);
    ranges.sort((x, y) => x[0] - y[0]);
    for (const [, s, e] of ranges) writeMatchCanonical(out, s, e);
  }
  out.int64Field(4, priority);
  out.boolField(8, isDefault);
}

/** Identity of a member / group: fields 1 and 2 (profile id, member / group id). */
function writeIdsKey(out: WireWriter, start: number, end: number): void {
  P = start;
  let a = 0;
  let b = 0;
  while (P < end) {
    const tag = rv(end);
    if (tag === 8) a = rv(end);
    else if (tag === 16) b = rv(end);
    else skipField(tag & 7, end);
  }
  out.uintField(1, a);
  out.uintField(2, b);
}

/**
 * The switch-side identity of an entity, as a latin1 string: a canonical
 * `p4.v1.Entity` holding only the identity fields (table entry: table id,
 * sorted canonical match, priority, is_default_action; member / group:
 * profile id and member / group id). Computed at wire level; equal for any
 * encoding of the same entry. Other entity kinds key on their whole bytes.
 */
export function entityKey(entity: Uint8Array): string {
  S = entity;
  P = 0;
  const end = entity.length;
  kw.reset();
  try {
    while (P < end) {
      const tag = rv(end);
      const fno = tag >>> 3;
      const wt = tag & 7;
      if (wt !== WIRE_LEN) {
        skipField(wt, end);
        continue;
      }
      const e = lenEnd(end);
      const s = P;
      if (fno === E_TABLE_ENTRY) {
        const m = kw.begin(E_TABLE_ENTRY);
        writeTableKey(kw, s, e);
        kw.end(m);
      } else if (fno === E_MEMBER || fno === E_GROUP) {
        const m = kw.begin(fno);
        writeIdsKey(kw, s, e);
        kw.end(m);
      } else {
        kw.tag(fno, WIRE_LEN).varint(e - s).raw(entity.subarray(s, e));
      }
      return kw.latin1();
    }
    return '';
  } finally {
    S = EMPTY;
  }
}

/**
 * Table id of a table entry (or of the table entry inside a direct counter /
 * meter entry), profile id of a member or group; 0 for any other entity kind.
 */
export function entityTableId(entity: Uint8Array): number {
  const r = new WireReader(entity);
  while (r.next()) {
    if (r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const fieldNo = r.fieldNo;
    let inner = r.sub();
    if (fieldNo === E_DIRECT_COUNTER || fieldNo === E_DIRECT_METER) {
      let found: WireReader | undefined;
      while (inner.next()) {
        if (inner.fieldNo === 1 && inner.wireType === WIRE_LEN) found = inner.sub();
        else inner.skip();
      }
      if (!found) return 0;
      inner = found;
    } else if (fieldNo !== E_TABLE_ENTRY && fieldNo !== E_MEMBER && fieldNo !== E_GROUP) {
      return 0;
    }
    while (inner.next()) {
      if (inner.fieldNo === 1 && inner.wireType === WIRE_VARINT) return inner.varint();
      inner.skip();
    }
    return 0;
  }
  return 0;
}

/** The entity kind (oneof member name), from the first field, without decoding. */
export function entityKind(entity: Uint8Array): 'table_entry' | 'action_profile_member' | 'action_profile_group' | 'other' {
  const r = new WireReader(entity);
  if (!r.next()) return 'other';
  return r.fieldNo === E_TABLE_ENTRY ? 'table_entry' : r.fieldNo === E_MEMBER ? 'action_profile_member' : r.fieldNo === E_GROUP ? 'action_profile_group' : 'other';
}

// ---------------------------------------------------------------- parse (wire level)

function signed64(v: bigint): bigint | number {
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

function parseAction(r: WireReader): { actionId: number; params: ParamValue[] } {
  let actionId = 0;
  const params: ParamValue[] = [];
  while (r.next()) {
    if (r.fieldNo === 1 && r.wireType === WIRE_VARINT) actionId = r.varint();
    else if (r.fieldNo === 4 && r.wireType === WIRE_LEN) {
      const pr = r.sub();
      let paramId = 0;
      let value: Buffer = Buffer.alloc(0);
      while (pr.next()) {
        if (pr.fieldNo === 2 && pr.wireType === WIRE_VARINT) paramId = pr.varint();
        else if (pr.fieldNo === 3 && pr.wireType === WIRE_LEN) value = pr.bytes();
        else pr.skip();
      }
      params.push({ paramId, value });
    } else r.skip();
  }
  return { actionId, params };
}

function parseMatch(r: WireReader): FieldMatchValue {
  let fieldId = 0;
  let m: MatchValue | undefined;
  while (r.next()) {
    if (r.fieldNo === 1 && r.wireType === WIRE_VARINT) {
      fieldId = r.varint();
      continue;
    }
    if (r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const kind = r.fieldNo;
    const sr = r.sub();
    let a: Buffer = Buffer.alloc(0);
    let b: Buffer = Buffer.alloc(0);
    let plen = 0;
    while (sr.next()) {
      if (sr.fieldNo === 1 && sr.wireType === WIRE_LEN) a = sr.bytes();
      else if (sr.fieldNo === 2 && sr.wireType === WIRE_LEN) b = sr.bytes();
      else if (sr.fieldNo === 2 && sr.wireType === WIRE_VARINT) plen = sr.int32();
      else sr.skip();
    }
    if (kind === FM_EXACT) m = { kind: 'exact', value: a };
    else if (kind === FM_LPM) m = { kind: 'lpm', value: a, prefixLen: plen };
    else if (kind === FM_TERNARY) m = { kind: 'ternary', value: a, mask: b };
    else if (kind === FM_RANGE) m = { kind: 'range', low: a, high: b };
    else if (kind === FM_OPTIONAL) m = { kind: 'optional', value: a };
    else throw new EncodeError('UNSUPPORTED_MATCH', `field match kind ${kind} (e.g. "other") is not supported`, { fieldId, kind });
  }
  if (!m) throw new EncodeError('EMPTY_MATCH', `field match for field ${fieldId} has no value`, { fieldId });
  return { fieldId, m };
}

function parseTableEntry(r: WireReader): TableEntryValue {
  const v: TableEntryValue = { tableId: 0, match: [], priority: 0 };
  while (r.next()) {
    switch (r.fieldNo) {
      case 1:
        v.tableId = r.varint();
        break;
      case 2:
        v.match.push(parseMatch(r.sub()));
        break;
      case 3: {
        const ar = r.sub();
        while (ar.next()) {
          if (ar.fieldNo === 1 && ar.wireType === WIRE_LEN) v.action = { kind: 'action', ...parseAction(ar.sub()) };
          else if (ar.fieldNo === 2 && ar.wireType === WIRE_VARINT) v.action = { kind: 'member', memberId: ar.varint() };
          else if (ar.fieldNo === 3 && ar.wireType === WIRE_VARINT) v.action = { kind: 'group', groupId: ar.varint() };
          else if (ar.fieldNo === 4) throw new EncodeError('UNSUPPORTED_ACTION', 'one-shot action_profile_action_set is not supported', { tableId: v.tableId });
          else ar.skip();
        }
        break;
      }
      case 4:
        v.priority = r.int32();
        break;
      case 6: {
        const mr = r.sub();
        const mc: MeterConfigValue = { cir: 0, cburst: 0, pir: 0, pburst: 0 };
        while (mr.next()) {
          if (mr.wireType !== WIRE_VARINT) mr.skip();
          else if (mr.fieldNo === 1) mc.cir = signed64(mr.varint64());
          else if (mr.fieldNo === 2) mc.cburst = signed64(mr.varint64());
          else if (mr.fieldNo === 3) mc.pir = signed64(mr.varint64());
          else if (mr.fieldNo === 4) mc.pburst = signed64(mr.varint64());
          else mr.skip();
        }
        v.meterConfig = mc;
        break;
      }
      case 7: {
        const cr = r.sub();
        const cd: CounterDataValue = { byteCount: 0, packetCount: 0 };
        while (cr.next()) {
          if (cr.wireType !== WIRE_VARINT) cr.skip();
          else if (cr.fieldNo === 1) cd.byteCount = signed64(cr.varint64());
          else if (cr.fieldNo === 2) cd.packetCount = signed64(cr.varint64());
          else cr.skip();
        }
        v.counterData = cd;
        break;
      }
      case 8:
        v.isDefaultAction = r.varint() !== 0;
        break;
      default:
        // metadata, idle timeout, const, meter_counter_data: not modelled.
        r.skip();
    }
  }
  return v;
}

/** Reads an entity at wire level into values (byte strings are views into `entity`). */
export function parseEntity(entity: Uint8Array): ParsedEntity {
  const r = new WireReader(entity);
  while (r.next()) {
    if (r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const fieldNo = r.fieldNo;
    const sr = r.sub();
    if (fieldNo === E_TABLE_ENTRY) return { kind: 'table_entry', entry: parseTableEntry(sr) };
    if (fieldNo === E_MEMBER) {
      const m: MemberValue = { profileId: 0, memberId: 0, actionId: 0, params: [] };
      while (sr.next()) {
        if (sr.fieldNo === 1 && sr.wireType === WIRE_VARINT) m.profileId = sr.varint();
        else if (sr.fieldNo === 2 && sr.wireType === WIRE_VARINT) m.memberId = sr.varint();
        else if (sr.fieldNo === 3 && sr.wireType === WIRE_LEN) Object.assign(m, parseAction(sr.sub()));
        else sr.skip();
      }
      return { kind: 'action_profile_member', member: m };
    }
    if (fieldNo === E_GROUP) {
      const g: GroupValue = { profileId: 0, groupId: 0, members: [] };
      while (sr.next()) {
        if (sr.fieldNo === 1 && sr.wireType === WIRE_VARINT) g.profileId = sr.varint();
        else if (sr.fieldNo === 2 && sr.wireType === WIRE_VARINT) g.groupId = sr.varint();
        else if (sr.fieldNo === 3 && sr.wireType === WIRE_LEN) {
          const mr = sr.sub();
          let memberId = 0;
          let weight = 0;
          while (mr.next()) {
            if (mr.fieldNo === 1 && mr.wireType === WIRE_VARINT) memberId = mr.varint();
            else if (mr.fieldNo === 2 && mr.wireType === WIRE_VARINT) weight = mr.int32();
            else mr.skip();
          }
          g.members.push({ memberId, weight });
        } else if (sr.fieldNo === 4 && sr.wireType === WIRE_VARINT) g.maxSize = sr.int32();
        else sr.skip();
      }
      if (!g.maxSize) delete g.maxSize;
      return { kind: 'action_profile_group', group: g };
    }
    return { kind: 'other', fieldNo };
  }
  return { kind: 'other', fieldNo: 0 };
}

// ---------------------------------------------------------------- canonicalize / decode / describe

/**
 * Canonical bytes for an entity in any wire form (the slow path, for
 * switches whose encoding differs from ours). Byte strings are checked
 * against the P4Info bit widths. Read-only status (counter_data) is dropped
 * unless `keepCounters`, so a live entry compares equal to the desired one.
 * Entity kinds flowops does not model are returned unchanged.
 */
export function canonicalizeEntity(entity: Uint8Array, index: P4InfoIndex, opts: { keepCounters?: boolean } = {}): Buffer {
  const p = parseEntity(entity);
  switch (p.kind) {
    case 'table_entry': {
      const v = p.entry;
      const t = index.table(v.tableId);
      const match = v.match.map((fm) => {
        const f = index.tableField(t, fm.fieldId);
        const what = `${t.name}.${f.name}`;
        const m = fm.m;
        switch (m.kind) {
          case 'exact':
          case 'optional':
            return { fieldId: fm.fieldId, m: { kind: m.kind, value: canonical(m.value, f.bitwidth, what) } } as FieldMatchValue;
          case 'lpm':
            return { fieldId: fm.fieldId, m: { kind: 'lpm', value: canonical(m.value, f.bitwidth, what), prefixLen: m.prefixLen } } as FieldMatchValue;
          case 'ternary':
            return {
              fieldId: fm.fieldId,
              m: { kind: 'ternary', value: canonical(m.value, f.bitwidth, what), mask: canonical(m.mask, f.bitwidth, what + ' mask') },
            } as FieldMatchValue;
          case 'range':
            return {
              fieldId: fm.fieldId,
              m: { kind: 'range', low: canonical(m.low, f.bitwidth, what + ' low'), high: canonical(m.high, f.bitwidth, what + ' high') },
            } as FieldMatchValue;
        }
      });
      let action = v.action;
      if (action?.kind === 'action') {
        const a = index.action(action.actionId);
        action = { kind: 'action', actionId: a.id, params: canonicalParams(index, a, action.params) };
      }
      const out: TableEntryValue = { tableId: v.tableId, match, priority: v.priority, action, meterConfig: v.meterConfig, isDefaultAction: v.isDefaultAction };
      if (opts.keepCounters) out.counterData = v.counterData;
      return encodeTableEntry(out);
    }
    case 'action_profile_member': {
      const m = p.member;
      index.actionProfile(m.profileId);
      const a = index.action(m.actionId);
      return encodeMember({ ...m, params: canonicalParams(index, a, m.params) });
    }
    case 'action_profile_group':
      index.actionProfile(p.group.profileId);
      return encodeGroup(p.group);
    default:
      return Buffer.from(entity);
  }
}

function canonicalParams(index: P4InfoIndex, a: ActionInfo, params: ParamValue[]): ParamValue[] {
  return params.map((pv) => {
    const pi = index.actionParam(a, pv.paramId);
    return { paramId: pv.paramId, value: canonical(pv.value, pi.bitwidth, `${a.name}(${pi.name})`) };
  });
}

/** Full protobufjs decode, for display and debugging only (never on the bulk path). */
export function decodeEntity(entity: Uint8Array): protobuf.Message & Record<string, any> {
  return protoType('p4.v1.Entity').decode(entity) as protobuf.Message & Record<string, any>;
}

function fmtField(bytes: Buffer, bitwidth: number, name: string): string {
  return formatValue(bytes, bitwidth, hintFor(name, bitwidth));
}

function describeParams(index: P4InfoIndex, actionId: number, params: ParamValue[]): string {
  if (!index.hasAction(actionId)) return `action#${actionId}(${params.map((p) => `${p.paramId}=0x${p.value.toString('hex')}`).join(', ')})`;
  const a = index.action(actionId);
  const ps = sortedParams(params).map((p) => {
    const info = a.params.find((x) => x.id === p.paramId);
    return info ? `${info.name}=${fmtField(p.value, info.bitwidth, info.name)}` : `${p.paramId}=0x${p.value.toString('hex')}`;
  });
  return `${a.name}(${ps.join(', ')})`;
}

function describeMatch(t: TableInfo | undefined, fm: FieldMatchValue): string {
  const f = t?.fields.find((x) => x.id === fm.fieldId);
  const name = f?.name ?? `field#${fm.fieldId}`;
  const bw = f?.bitwidth ?? 0;
  const fmt = (b: Buffer) => (f ? fmtField(b, bw, name) : '0x' + b.toString('hex'));
  const m = fm.m;
  switch (m.kind) {
    case 'exact':
      return `${name}=${fmt(m.value)}`;
    case 'optional':
      return `${name}=${fmt(m.value)}?`;
    case 'lpm':
      return `${name}=${fmt(m.value)}/${m.prefixLen}`;
    case 'ternary':
      return `${name}=${fmt(m.value)}&&&${fmt(m.mask)}`;
    case 'range':
      return `${name}=${fmt(m.low)}..${fmt(m.high)}`;
  }
}

/**
 * One line for people, e.g.
 * `ingress.flow_classify tenant_id=7 src_service=3 … → ingress.set_flow(flow_id=0x1a2b3c4d)`.
 * Names come from the P4Info; ids it does not know are shown as `table#id`.
 */
export function describeEntity(entity: Uint8Array, index: P4InfoIndex): string {
  const p = parseEntity(entity);
  switch (p.kind) {
    case 'table_entry': {
      const v = p.entry;
      const t = index.hasTable(v.tableId) ? index.table(v.tableId) : undefined;
      const parts = [t?.name ?? `table#${v.tableId}`];
      if (v.isDefaultAction) parts.push('(default)');
      for (const fm of sortedMatch(v.match)) parts.push(describeMatch(t, fm));
      if (v.priority) parts.push(`priority=${v.priority}`);
      let line = parts.join(' ');
      const a = v.action;
      if (a?.kind === 'action') line += ` → ${describeParams(index, a.actionId, a.params)}`;
      else if (a?.kind === 'member') line += ` → member ${a.memberId}`;
      else if (a?.kind === 'group') line += ` → group ${a.groupId}`;
      if (v.meterConfig) {
        const m = v.meterConfig;
        line += ` meter(cir=${m.cir}, cburst=${m.cburst}, pir=${m.pir}, pburst=${m.pburst})`;
      }
      if (v.counterData) line += ` [packets=${v.counterData.packetCount} bytes=${v.counterData.byteCount}]`;
      return line;
    }
    case 'action_profile_member': {
      const m = p.member;
      const prof = index.hasActionProfile(m.profileId) ? index.actionProfile(m.profileId).name : `profile#${m.profileId}`;
      return `${prof} member ${m.memberId} → ${describeParams(index, m.actionId, m.params)}`;
    }
    case 'action_profile_group': {
      const g = p.group;
      const prof = index.hasActionProfile(g.profileId) ? index.actionProfile(g.profileId).name : `profile#${g.profileId}`;
      const ms = [...g.members].sort((a, b) => a.memberId - b.memberId).map((m) => `${m.memberId}×${m.weight}`);
      return `${prof} group ${g.groupId} members [${ms.join(', ')}]${g.maxSize ? ` max_size=${g.maxSize}` : ''}`;
    }
    default:
      return `entity kind #${p.fieldNo} (${entity.length} bytes)`;
  }
}

// ---------------------------------------------------------------- build (validated, from names)

/** A value as people write it: integer, `'10.0.0.1'`, `'2001:db8::1'`, `'02:00:00:00:00:01'`, `'0x1f'`, or raw bytes. */
export type Scalar = bigint | number | string | Uint8Array;

export type MatchInput =
  | Scalar
  | { exact: Scalar }
  | { lpm: [Scalar, number] }
  | { ternary: [Scalar, Scalar] }
  | { range: [Scalar, Scalar] }
  | { optional: Scalar };

export interface ActionSpec {
  name: string | number;
  params?: Record<string, Scalar>;
}

export interface TableEntrySpec {
  table: string | number;
  /** By match field name (or id as a string). Omit a ternary/lpm/range/optional field for "don't care". */
  match?: Record<string, MatchInput | undefined>;
  priority?: number;
  action?: ActionSpec | { memberId: number } | { groupId: number };
  meterConfig?: MeterConfigValue;
  isDefaultAction?: boolean;
}

export interface MemberSpec {
  profile: string | number;
  memberId: number;
  action: ActionSpec;
}

export interface GroupSpec {
  profile: string | number;
  groupId: number;
  members: { memberId: number; weight?: number }[];
  maxSize?: number;
}

/** Bytes of a scalar for a bit<bitwidth> field, canonical and range-checked. */
export function scalarBytes(v: Scalar, bitwidth: number, what: string): Buffer {
  if (typeof v === 'number' || typeof v === 'bigint') return uintBytes(v, bitwidth, what);
  if (v instanceof Uint8Array) return canonical(v, bitwidth, what);
  if (typeof v !== 'string') throw new EncodeError('BAD_VALUE', `${what}: unsupported value ${String(v)}`, { what });
  const s = v.trim();
  if (/^(0|[1-9][0-9]*)$/.test(s)) return uintBytes(BigInt(s), bitwidth, what);
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return uintBytes(BigInt(s), bitwidth, what);
  try {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return canonical(ipv4Bytes(s), bitwidth, what);
    if (bitwidth === 48 && /^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$/.test(s)) return canonical(macBytes(s), bitwidth, what);
    if (s.includes(':')) return canonical(ipv6Bytes(s), bitwidth, what);
  } catch (e) {
    if (e instanceof EncodeError && e.code === 'BAD_ADDRESS') throw new EncodeError('BAD_VALUE', `${what}: ${e.message}`, { what, value: v });
    throw e;
  }
  throw new EncodeError('BAD_VALUE', `${what}: cannot read ${JSON.stringify(v)} as a bit<${bitwidth}> value`, { what, value: v });
}

const sortedFieldsCache = new WeakMap<TableInfo, TableInfo['fields']>();
function fieldsById(t: TableInfo): TableInfo['fields'] {
  let f = sortedFieldsCache.get(t);
  if (!f) sortedFieldsCache.set(t, (f = [...t.fields].sort((a, b) => a.id - b.id)));
  return f;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array);
}

function wrongKind(t: TableInfo, f: TableInfo['fields'][number], given: string): EncodeError {
  return new EncodeError('MATCH_KIND', `${f.name}: field is ${f.matchType} but a ${given} value was given`, { table: t.name, field: f.name, matchType: f.matchType, given });
}

// No closures are created per call in the build/encode paths: under tsx
// (keepNames) each one costs a defineProperty, which showed up as a third of
// the time in bench/p4info-codec.ts.

/** One match field → MatchValue, or undefined for "don't care" (which P4Runtime requires be omitted). */
function buildMatch(t: TableInfo, f: TableInfo['fields'][number], input: MatchInput): MatchValue | undefined {
  // Only the field name here: building `table match field` strings for every
  // field of a million entries costs more than the encoding; buildTableEntry
  // adds the table name when something is thrown.
  const what = f.name;
  const kindOf = isObj(input) ? Object.keys(input)[0] : undefined;
  if (isObj(input) && Object.keys(input).length !== 1) throw new EncodeError('BAD_VALUE', `${what}: give exactly one of exact/lpm/ternary/range/optional`, { table: t.name, field: f.name });
  switch (f.matchType) {
    case 'exact': {
      if (kindOf && kindOf !== 'exact') throw wrongKind(t, f, kindOf);
      const v = kindOf ? (input as { exact: Scalar }).exact : (input as Scalar);
      return { kind: 'exact', value: scalarBytes(v, f.bitwidth, what) };
    }
    case 'optional': {
      if (kindOf && kindOf !== 'optional') throw wrongKind(t, f, kindOf);
      const v = kindOf ? (input as { optional: Scalar }).optional : (input as Scalar);
      return { kind: 'optional', value: scalarBytes(v, f.bitwidth, what) };
    }
    case 'lpm': {
      let value: Scalar;
      let plen: number;
      if (kindOf) {
        if (kindOf !== 'lpm') throw wrongKind(t, f, kindOf);
        [value, plen] = (input as { lpm: [Scalar, number] }).lpm;
      } else if (typeof input === 'string' && input.includes('/')) {
        const cut = input.lastIndexOf('/');
        value = input.slice(0, cut);
        plen = Number(input.slice(cut + 1));
      } else {
        value = input as Scalar;
        plen = f.bitwidth;
      }
      if (!Number.isInteger(plen) || plen < 0 || plen > f.bitwidth) {
        throw new EncodeError('OUT_OF_RANGE', `${what}: prefix length ${plen} outside 0..${f.bitwidth}`, { table: t.name, field: f.name, prefixLen: plen });
      }
      const vb = scalarBytes(value, f.bitwidth, what);
      if (!isMaskedLpm(vb, plen, f.bitwidth)) {
        throw new EncodeError('LPM_HOST_BITS', `${what}: ${fmtField(vb, f.bitwidth, f.name)}/${plen} has bits set past the prefix`, { table: t.name, field: f.name, prefixLen: plen });
      }
      if (plen === 0) return undefined;
      return { kind: 'lpm', value: vb, prefixLen: plen };
    }
    case 'ternary': {
      if (kindOf !== 'ternary') throw kindOf ? wrongKind(t, f, kindOf) : new EncodeError('MATCH_KIND', `${what}: ternary field needs {ternary: [value, mask]}`, { table: t.name, field: f.name });
      const [value, mask] = (input as { ternary: [Scalar, Scalar] }).ternary;
      const vb = scalarBytes(value, f.bitwidth, what);
      const mb = scalarBytes(mask, f.bitwidth, what + ' mask');
      if (!isMaskedTernary(vb, mb)) {
        throw new EncodeError('TERNARY_VALUE_NOT_MASKED', `${what}: value has bits outside the mask (value & mask must equal value)`, { table: t.name, field: f.name });
      }
      if (mb.length === 1 && mb[0] === 0) return undefined;
      return { kind: 'ternary', value: vb, mask: mb };
    }
    case 'range': {
      if (kindOf !== 'range') throw kindOf ? wrongKind(t, f, kindOf) : new EncodeError('MATCH_KIND', `${what}: range field needs {range: [low, high]}`, { table: t.name, field: f.name });
      const [low, high] = (input as { range: [Scalar, Scalar] }).range;
      const lb = scalarBytes(low, f.bitwidth, what + ' low');
      const hb = scalarBytes(high, f.bitwidth, what + ' high');
      if (compareUint(lb, hb) > 0) throw new EncodeError('OUT_OF_RANGE', `${what}: low is greater than high`, { table: t.name, field: f.name });
      if (lb.length === 1 && lb[0] === 0 && hb.equals(prefixMask(f.bitwidth, f.bitwidth))) return undefined;
      return { kind: 'range', low: lb, high: hb };
    }
    default:
      throw new EncodeError('UNSUPPORTED_MATCH', `${what}: match kind "${f.matchType}" is not supported`, { table: t.name, field: f.name });
  }
}

function buildParams(index: P4InfoIndex, a: ActionInfo, given: Record<string, Scalar> | undefined, where: string): ParamValue[] {
  const params: ParamValue[] = [];
  const g = given ?? {};
  let used = 0;
  for (const p of a.params) {
    const v = g[p.name] ?? g[String(p.id)];
    if (v === undefined) {
      throw new EncodeError('MISSING_PARAM', `${where}: action ${a.name} needs parameter ${p.name} (bit<${p.bitwidth}>)`, { action: a.name, param: p.name });
    }
    used++;
    let value: Buffer;
    try {
      value = scalarBytes(v, p.bitwidth, p.name);
    } catch (e) {
      throw withContext(e, `${where}: ${a.name}`, { action: a.name, param: p.name });
    }
    params.push({ paramId: p.id, value });
  }
  let count = 0;
  for (const _ in g) count++;
  if (used !== count) {
    for (const k of Object.keys(g)) index.actionParam(a, /^\d+$/.test(k) ? Number(k) : k);
  }
  return sortedParams(params);
}

/**
 * A validated TableEntryValue from names: table, match fields by name with
 * values checked against their bit width and match kind, priority required
 * exactly when the table has a ternary/range/optional field, action allowed
 * in the table (and in its scope), all params given.
 */
export function buildTableEntry(index: P4InfoIndex, spec: TableEntrySpec): TableEntryValue {
  const t = index.table(spec.table);
  const match: FieldMatchValue[] = [];
  const given = spec.match ?? {};
  let used = 0;
  if (spec.isDefaultAction) {
    if (Object.keys(given).length) throw new EncodeError('DEFAULT_WITH_MATCH', `${t.name}: the default entry has no match fields`, { table: t.name });
  } else {
    for (const f of fieldsById(t)) {
      let input = given[f.name];
      if (input === undefined) input = given[String(f.id)];
      else used++;
      if (input === undefined) {
        if (f.matchType === 'exact') throw new EncodeError('MISSING_MATCH', `${t.name}: exact match field ${f.name} is required`, { table: t.name, field: f.name });
        continue;
      }
      if (given[f.name] === undefined) used++;
      let m: MatchValue | undefined;
      try {
        m = buildMatch(t, f, input);
      } catch (e) {
        throw withContext(e, `${t.name} match`, { table: t.name, field: f.name });
      }
      if (m) match.push({ fieldId: f.id, m });
    }
    let count = 0;
    for (const k in given) if (given[k] !== undefined) count++;
    if (used !== count) {
      for (const k of Object.keys(given)) if (given[k] !== undefined) index.tableField(t, /^\d+$/.test(k) ? Number(k) : k);
    }
  }

  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 0x7fffffff) {
    throw new EncodeError('OUT_OF_RANGE', `${t.name}: priority ${priority} outside 1..2^31-1`, { table: t.name, priority });
  }
  if (!spec.isDefaultAction) {
    if (t.needsPriority && priority === 0) {
      throw new EncodeError('PRIORITY_REQUIRED', `${t.name}: table has ternary/range/optional fields, so entries need a priority ≥ 1`, { table: t.name });
    }
    if (!t.needsPriority && priority !== 0) {
      throw new EncodeError('PRIORITY_NOT_ALLOWED', `${t.name}: table has only exact/lpm fields, so entries take no priority`, { table: t.name, priority });
    }
  } else if (priority !== 0) {
    throw new EncodeError('PRIORITY_NOT_ALLOWED', `${t.name}: the default entry takes no priority`, { table: t.name, priority });
  }

  const v: TableEntryValue = { tableId: t.id, match, priority };
  const act = spec.action;
  if (!act) {
    if (!spec.isDefaultAction) throw new EncodeError('MISSING_ACTION', `${t.name}: an entry needs an action`, { table: t.name });
  } else if ('name' in act) {
    const a = index.action(act.name);
    if (!t.actionIds.has(a.id)) {
      throw new P4InfoError('ACTION_NOT_IN_TABLE', `${t.name}: action ${a.name} is not one of the table's actions`, { table: t.name, action: a.name });
    }
    if (t.implementationId) {
      throw new EncodeError('ACTION_NEEDS_PROFILE', `${t.name}: table is implemented by an action profile; give a memberId or groupId`, { table: t.name, action: a.name });
    }
    if (!spec.isDefaultAction && t.defaultOnlyActionIds.has(a.id)) {
      throw new EncodeError('ACTION_DEFAULT_ONLY', `${t.name}: action ${a.name} may only be the default action`, { table: t.name, action: a.name });
    }
    if (spec.isDefaultAction && t.tableOnlyActionIds.has(a.id)) {
      throw new EncodeError('ACTION_TABLE_ONLY', `${t.name}: action ${a.name} may not be the default action`, { table: t.name, action: a.name });
    }
    v.action = { kind: 'action', actionId: a.id, params: buildParams(index, a, act.params, t.name) };
  } else {
    if (!t.implementationId) {
      throw new EncodeError('NO_ACTION_PROFILE', `${t.name}: table has no action profile, so member/group actions are not allowed`, { table: t.name });
    }
    if ('memberId' in act) v.action = { kind: 'member', memberId: checkId(act.memberId, `${t.name} memberId`) };
    else {
      if (!t.withSelector) throw new EncodeError('NO_SELECTOR', `${t.name}: action profile has no selector, so groups are not allowed`, { table: t.name });
      v.action = { kind: 'group', groupId: checkId(act.groupId, `${t.name} groupId`) };
    }
  }
  if (spec.meterConfig) {
    if (!t.directMeterId) throw new EncodeError('NO_DIRECT_METER', `${t.name}: table has no direct meter`, { table: t.name });
    v.meterConfig = spec.meterConfig;
  }
  if (spec.isDefaultAction) v.isDefaultAction = true;
  return v;
}

/** Re-throws an EncodeError with the table/action it happened in (data merged, message prefixed). */
function withContext(e: unknown, prefix: string, data: Record<string, unknown>): unknown {
  if (!(e instanceof EncodeError) || e.data.table) return e;
  return new EncodeError(e.code, `${prefix} ${e.message}`, { ...e.data, ...data });
}

function checkId(id: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new EncodeError('OUT_OF_RANGE', `${what}: ${id} is not a uint32`, { what, id });
  return id;
}

/** A validated action profile member: the action must be usable in a table the profile implements. */
export function buildMember(index: P4InfoIndex, spec: MemberSpec): MemberValue {
  const prof = index.actionProfile(spec.profile);
  const a = index.action(spec.action.name);
  const ok = prof.tableIds.some((tid) => {
    const t = index.hasTable(tid) ? index.table(tid) : undefined;
    return t && t.actionIds.has(a.id) && !t.defaultOnlyActionIds.has(a.id);
  });
  if (!ok) {
    throw new P4InfoError('ACTION_NOT_IN_PROFILE', `${prof.name}: action ${a.name} is not an action of the tables this profile implements`, {
      actionProfile: prof.name,
      action: a.name,
    });
  }
  return {
    profileId: prof.id,
    memberId: checkId(spec.memberId, `${prof.name} memberId`),
    actionId: a.id,
    params: buildParams(index, a, spec.action.params, prof.name),
  };
}

/** A validated group: profile with selector, weights ≥ 1, size within max_group_size. */
export function buildGroup(index: P4InfoIndex, spec: GroupSpec): GroupValue {
  const prof = index.actionProfile(spec.profile);
  if (!prof.withSelector) throw new EncodeError('NO_SELECTOR', `${prof.name}: profile has no selector, so groups are not allowed`, { actionProfile: prof.name });
  const seen = new Set<number>();
  const members = spec.members.map((m) => {
    const memberId = checkId(m.memberId, `${prof.name} group ${spec.groupId} member`);
    if (seen.has(memberId)) throw new EncodeError('DUPLICATE_MEMBER', `${prof.name} group ${spec.groupId}: member ${memberId} listed twice`, { actionProfile: prof.name, memberId });
    seen.add(memberId);
    const weight = m.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 0x7fffffff) {
      throw new EncodeError('OUT_OF_RANGE', `${prof.name} group ${spec.groupId}: member ${memberId} weight ${weight} must be ≥ 1`, { actionProfile: prof.name, memberId, weight });
    }
    return { memberId, weight };
  });
  members.sort((a, b) => a.memberId - b.memberId);
  const total = members.reduce((s, m) => s + m.weight, 0);
  const limit = spec.maxSize || prof.maxGroupSize;
  if (spec.maxSize !== undefined && prof.maxGroupSize && spec.maxSize > prof.maxGroupSize) {
    throw new EncodeError('OUT_OF_RANGE', `${prof.name} group ${spec.groupId}: max_size ${spec.maxSize} exceeds the profile's max_group_size ${prof.maxGroupSize}`, {
      actionProfile: prof.name,
    });
  }
  if (limit && total > limit) {
    throw new EncodeError('GROUP_TOO_LARGE', `${prof.name} group ${spec.groupId}: total weight ${total} exceeds ${limit}`, { actionProfile: prof.name, total, limit });
  }
  const g: GroupValue = { profileId: prof.id, groupId: checkId(spec.groupId, `${prof.name} groupId`), members };
  if (spec.maxSize) g.maxSize = spec.maxSize;
  return g;
}

/** Full-width bytes of a canonical value (for display or hashing). */
export function padTo(value: Uint8Array, bitwidth: number): Buffer {
  const out = Buffer.alloc(Math.max(byteWidth(bitwidth), value.length));
  out.set(value, out.length - value.length);
  return out;
}
