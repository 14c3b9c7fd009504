// One length-delimited field of an entity's TableEntry at wire level, found or
// dropped without decoding the rest: the read side's normalisations (an empty
// meter config, provenance metadata) are each one call of these.
import { WireReader, WIRE_LEN } from './wire.ts';

/** p4.v1.Entity.table_entry. */
export const ENTITY_TABLE_ENTRY = 2;

/**
 * The entity without TableEntry field `field` when `drop(valueStart, valueEnd)`
 * says so for its first occurrence; the same Buffer otherwise (a copy only for
 * the entities that change).
 */
export function withoutTableEntryField(entity: Buffer, field: number, drop: (vs: number, ve: number) => boolean = () => true): Buffer {
  const r = new WireReader(entity);
  let outerTag = r.pos;
  while (r.next()) {
    if (r.fieldNo !== ENTITY_TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    let tag = inner.pos;
    while (inner.next()) {
      if (inner.fieldNo === field && inner.wireType === WIRE_LEN) {
        const [vs, ve] = inner.lenRange();
        if (!drop(vs, ve)) return entity;
        // One allocation: the entity with [tag, ve) cut out of its TableEntry and the length prefix redone.
        const bodyLen = tag - s + (e - ve);
        const out = Buffer.allocUnsafe(outerTag + 1 + varintLen(bodyLen) + bodyLen + (entity.length - e));
        let p = entity.copy(out, 0, 0, outerTag);
        out[p++] = (ENTITY_TABLE_ENTRY << 3) | WIRE_LEN;
        p = putVarint(out, p, bodyLen);
        p += entity.copy(out, p, s, tag);
        p += entity.copy(out, p, ve, e);
        entity.copy(out, p, e);
        return out;
      }
      inner.skip();
      tag = inner.pos;
    }
    return entity;
  }
  return entity;
}

/** Where the value of TableEntry field `field` (length-delimited, first occurrence) sits in `entity`; undefined when absent. */
export function tableEntryField(entity: Uint8Array, field: number): [number, number] | undefined {
  const r = new WireReader(entity);
  while (r.next()) {
    if (r.fieldNo !== ENTITY_TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    while (inner.next()) {
      if (inner.fieldNo === field && inner.wireType === WIRE_LEN) return inner.lenRange();
      inner.skip();
    }
    return undefined;
  }
  return undefined;
}

const varintLen = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
function putVarint(buf: Buffer, p: number, n: number): number {
  while (n >= 0x80) {
    buf[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[p++] = n;
  return p;
}

/**
 * The entity with TableEntry field `field` (length-delimited) set to `value`:
 * replaced where present, otherwise inserted before the first higher-numbered
 * field, so a canonical entity stays canonical (the bytes equal encoding the
 * decoded entry with the field set). One allocation, nothing decoded; an
 * entity that is not a table entry comes back as it is.
 */
export function withTableEntryField(entity: Buffer, field: number, value: Uint8Array): Buffer {
  if (!value.length) return withoutTableEntryField(entity, field);
  const r = new WireReader(entity);
  let outerTag = r.pos;
  while (r.next()) {
    if (r.fieldNo !== ENTITY_TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    let tag = inner.pos;
    let cut = e;
    let resume = e;
    while (inner.next()) {
      if (inner.fieldNo === field && inner.wireType === WIRE_LEN) {
        cut = tag;
        resume = inner.lenRange()[1];
        break;
      }
      if (inner.fieldNo > field) {
        cut = resume = tag;
        break;
      }
      inner.skip();
      tag = inner.pos;
    }
    const fieldTag = (field << 3) | WIRE_LEN;
    const fieldLen = varintLen(fieldTag) + varintLen(value.length) + value.length;
    const bodyLen = cut - s + fieldLen + (e - resume);
    const out = Buffer.allocUnsafe(outerTag + 1 + varintLen(bodyLen) + bodyLen + (entity.length - e));
    let p = entity.copy(out, 0, 0, outerTag);
    out[p++] = (ENTITY_TABLE_ENTRY << 3) | WIRE_LEN;
    p = putVarint(out, p, bodyLen);
    p += entity.copy(out, p, s, cut);
    p = putVarint(out, p, fieldTag);
    p = putVarint(out, p, value.length);
    out.set(value, p);
    p += value.length;
    p += entity.copy(out, p, resume, e);
    entity.copy(out, p, e);
    return out;
  }
  return entity;
}
