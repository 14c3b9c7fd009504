// One length-delimited field of an entity's TableEntry at wire level, found or
// dropped without decoding the rest: the read side's normalisations (an empty
// meter config, provenance metadata) are each one call of these.
import { WireReader, WIRE_LEN } from './wire.ts';

/** p4.v1.Entity.table_entry. */
export const ENTITY_TABLE_ENTRY = 2;

/**
 * Where TableEntry field `field` (length-delimited, first occurrence) sits in
 * an encoded Entity: the TableEntry's value [s, e) and the outer tag before it,
 * and the span [cut, resume) a new value replaces — the old field when
 * present, else an empty span before the first higher-numbered field.
 * Undefined when the entity is not a table entry.
 */
interface FieldSite {
  outerTag: number;
  s: number;
  e: number;
  cut: number;
  resume: number;
  /** The present field's value, when `found`. */
  value?: [number, number];
}

function siteOf(entity: Uint8Array, field: number): FieldSite | undefined {
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
    let insertAt = e;
    while (inner.next()) {
      if (inner.fieldNo === field && inner.wireType === WIRE_LEN) {
        const value = inner.lenRange();
        return { outerTag, s, e, cut: tag, resume: value[1], value };
      }
      if (inner.fieldNo > field && insertAt === e) insertAt = tag;
      inner.skip();
      tag = inner.pos;
    }
    return { outerTag, s, e, cut: insertAt, resume: insertAt };
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

/** The entity with the site's span replaced by field `field` = `value` (or by nothing), in one allocation. */
function splice(entity: Buffer, site: FieldSite, field: number, value?: Uint8Array): Buffer {
  const { outerTag, s, e, cut, resume } = site;
  const fieldTag = (field << 3) | WIRE_LEN;
  const fieldLen = value ? varintLen(fieldTag) + varintLen(value.length) + value.length : 0;
  const bodyLen = cut - s + fieldLen + (e - resume);
  const out = Buffer.allocUnsafe(outerTag + 1 + varintLen(bodyLen) + bodyLen + (entity.length - e));
  let p = entity.copy(out, 0, 0, outerTag);
  out[p++] = (ENTITY_TABLE_ENTRY << 3) | WIRE_LEN;
  p = putVarint(out, p, bodyLen);
  p += entity.copy(out, p, s, cut);
  if (value) {
    p = putVarint(out, p, fieldTag);
    p = putVarint(out, p, value.length);
    out.set(value, p);
    p += value.length;
  }
  p += entity.copy(out, p, resume, e);
  entity.copy(out, p, e);
  return out;
}

/**
 * The entity without TableEntry field `field` when `drop(valueStart, valueEnd)`
 * says so for its first occurrence; the same Buffer otherwise (a copy only for
 * the entities that change).
 */
export function withoutTableEntryField(entity: Buffer, field: number, drop: (vs: number, ve: number) => boolean = () => true): Buffer {
  const site = siteOf(entity, field);
  if (!site?.value || !drop(site.value[0], site.value[1])) return entity;
  return splice(entity, site, field);
}

/** Where the value of TableEntry field `field` (length-delimited, first occurrence) sits in `entity`; undefined when absent. */
export function tableEntryField(entity: Uint8Array, field: number): [number, number] | undefined {
  return siteOf(entity, field)?.value;
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
  const site = siteOf(entity, field);
  return site ? splice(entity, site, field, value) : entity;
}
