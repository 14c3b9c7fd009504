// One length-delimited field of an entity's TableEntry at wire level, found,
// dropped or set without decoding the rest: the read side's normalisations
// (an empty meter config, provenance metadata) and the write side's stamp are
// each one call of these. The one walk is `findTableEntryField` (no object
// made per call: the read arena, entity-list.ts, runs it for 10^6 entities
// with one reader and one site), the one writer `writeSpliced`.
import { WireError, WireReader, WIRE_LEN } from './wire.ts';

/** p4.v1.Entity.table_entry. */
export const ENTITY_TABLE_ENTRY = 2;

/**
 * Where TableEntry field `field` (length-delimited, first occurrence) sits in
 * an encoded Entity: the TableEntry's value [ts, te) and the outer tag before
 * it, and the span [cut, resume) a new value replaces — the old field when
 * present (its value then starts at `vs`), else an empty span before the
 * first higher-numbered field.
 */
export interface FieldSite {
  outerTag: number;
  ts: number;
  te: number;
  cut: number;
  resume: number;
  vs: number;
}

export const newFieldSite = (): FieldSite => ({ outerTag: 0, ts: 0, te: 0, cut: 0, resume: 0, vs: 0 });

/** Field absent / present, for `findTableEntryField`; NOT_TABLE_ENTRY when the entity holds no table entry. */
export const NOT_TABLE_ENTRY = 0;
export const ABSENT = 1;
export const FOUND = 2;

/** The length-delimited value at the reader's cursor: its start in r.pos, its end returned (no tuple per field). */
function valueEnd(r: WireReader): number {
  const len = r.varint();
  const end = r.pos + len;
  if (end > r.end) throw new WireError('length-delimited field runs past the end', { at: r.pos, len });
  return end;
}

/**
 * TableEntry field `field` (length-delimited, first occurrence) in the first
 * table_entry of the entity at r.buf[s, e), into `site`. The whole entity is
 * scanned either way, so malformed bytes throw WireError. Nothing allocated.
 */
export function findTableEntryField(r: WireReader, s: number, e: number, field: number, site: FieldSite): typeof NOT_TABLE_ENTRY | typeof ABSENT | typeof FOUND {
  r.pos = s;
  r.end = e;
  let outerTag = s;
  while (r.next()) {
    if (r.fieldNo !== ENTITY_TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const te = valueEnd(r);
    const ts = r.pos;
    r.end = te;
    let tag = ts;
    let found = false;
    let insertAt = te;
    while (r.next()) {
      if (!found && r.fieldNo === field && r.wireType === WIRE_LEN) {
        const ve = valueEnd(r);
        found = true;
        site.cut = tag;
        site.vs = r.pos;
        site.resume = ve;
        r.pos = ve;
      } else {
        if (r.fieldNo > field && insertAt === te) insertAt = tag;
        r.skip();
      }
      tag = r.pos;
    }
    site.outerTag = outerTag;
    site.ts = ts;
    site.te = te;
    if (!found) site.cut = site.resume = site.vs = insertAt;
    r.pos = te;
    r.end = e;
    while (r.next()) r.skip();
    return found ? FOUND : ABSENT;
  }
  return NOT_TABLE_ENTRY;
}

const varintLen = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
function putVarint(buf: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    buf[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[p++] = n;
  return p;
}

/** TableEntry body length once the site's span is replaced by field `field` = `value` (or by nothing). */
function bodyLength(site: FieldSite, field: number, value?: Uint8Array): number {
  const fieldLen = value ? varintLen((field << 3) | WIRE_LEN) + varintLen(value.length) + value.length : 0;
  return site.cut - site.ts + fieldLen + (site.te - site.resume);
}

/** Encoded length of the entity at [s, e) with the site's span replaced. */
export function splicedLength(s: number, e: number, site: FieldSite, field: number, value?: Uint8Array): number {
  const body = bodyLength(site, field, value);
  return site.outerTag - s + 1 + varintLen(body) + body + (e - site.te);
}

/**
 * The entity at b[s, e) with the site's span replaced by field `field` =
 * `value` (or by nothing), written at out[p..); returns the end.
 */
export function writeSpliced(b: Uint8Array, s: number, e: number, site: FieldSite, field: number, value: Uint8Array | undefined, out: Uint8Array, p: number): number {
  // [s, outerTag) tag(table_entry) len [ts, cut) field? [resume, te) [te, e)
  // Byte loops, not subarray + set: the read arena runs this per entity and makes no object.
  const { outerTag, ts, cut, resume } = site;
  for (let i = s; i < outerTag; i++) out[p++] = b[i];
  out[p++] = (ENTITY_TABLE_ENTRY << 3) | WIRE_LEN;
  p = putVarint(out, p, bodyLength(site, field, value));
  for (let i = ts; i < cut; i++) out[p++] = b[i];
  if (value) {
    p = putVarint(out, p, (field << 3) | WIRE_LEN);
    p = putVarint(out, p, value.length);
    for (let i = 0; i < value.length; i++) out[p++] = value[i];
  }
  for (let i = resume; i < e; i++) out[p++] = b[i];
  return p;
}

/** One reader and one site for the Buffer-at-a-time functions below (synchronous: never shared across a call). */
const scratch = newFieldSite();

function siteOf(entity: Buffer, field: number): ReturnType<typeof findTableEntryField> {
  return findTableEntryField(new WireReader(entity), 0, entity.length, field, scratch);
}

/** The entity with the site's span replaced, in one allocation. */
function splice(entity: Buffer, field: number, value?: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(splicedLength(0, entity.length, scratch, field, value));
  writeSpliced(entity, 0, entity.length, scratch, field, value, out, 0);
  return out;
}

/**
 * The entity without TableEntry field `field` when `drop(valueStart, valueEnd)`
 * says so for its first occurrence; the same Buffer otherwise (a copy only for
 * the entities that change).
 */
export function withoutTableEntryField(entity: Buffer, field: number, drop: (vs: number, ve: number) => boolean = () => true): Buffer {
  if (siteOf(entity, field) !== FOUND || !drop(scratch.vs, scratch.resume)) return entity;
  return splice(entity, field);
}

/** Where the value of TableEntry field `field` (length-delimited, first occurrence) sits in `entity`; undefined when absent. */
export function tableEntryField(entity: Uint8Array, field: number): [number, number] | undefined {
  return findTableEntryField(new WireReader(entity), 0, entity.length, field, scratch) === FOUND ? [scratch.vs, scratch.resume] : undefined;
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
  return siteOf(entity, field) === NOT_TABLE_ENTRY ? entity : splice(entity, field, value);
}
