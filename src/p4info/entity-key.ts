// The switch-side identity of an entity, read at wire level: the same key for
// any encoding of one entry (fields out of order, padded values), so live
// entries from a switch that encodes differently pair with desired ones.
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader, WireWriter } from './wire.ts';
import { E_DIRECT_COUNTER, E_DIRECT_METER, E_GROUP, E_MEMBER, E_TABLE_ENTRY, FM_EXACT, FM_LPM, FM_OPTIONAL, FM_RANGE, FM_TERNARY } from './entity-types.ts';

const kw = new WireWriter(1024);

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

/** The entity kinds flowops writes: table entries, action profile members and groups. */
export type OwnedEntityKind = 'table_entry' | 'action_profile_member' | 'action_profile_group';

export interface EntityOwner {
  kind: OwnedEntityKind;
  /** table_id of a TableEntry, action_profile_id of a member or group. */
  id: number;
}

const OWNER_KINDS: Record<number, OwnedEntityKind> = { [E_TABLE_ENTRY]: 'table_entry', [E_MEMBER]: 'action_profile_member', [E_GROUP]: 'action_profile_group' };

/**
 * The kind and owning table/profile of an encoded p4.v1.Entity, or undefined
 * for any other entity (counters, meters, PRE…), read straight off the wire
 * so entities of tables flowops does not manage are skipped for the price of
 * a few varints. Field 1 is `table_id` in TableEntry and `action_profile_id`
 * in ActionProfileMember/Group alike; it is searched for rather than assumed
 * first, since a switch may order fields differently.
 */
export function peekOwner(entity: Uint8Array): EntityOwner | undefined {
  const r = new WireReader(entity);
  while (r.next()) {
    const kind = OWNER_KINDS[r.fieldNo];
    if (!kind || r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const inner = r.sub();
    let id = 0;
    while (inner.next()) {
      if (inner.fieldNo === 1 && inner.wireType === WIRE_VARINT) id = inner.varint();
      else inner.skip();
    }
    return { kind, id };
  }
  return undefined;
}
