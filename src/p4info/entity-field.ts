// One length-delimited field of an entity's TableEntry at wire level, found or
// dropped without decoding the rest: the read side's normalisations (an empty
// meter config, provenance metadata) are each one call of these.
import { WireReader, WireWriter, WIRE_LEN } from './wire.ts';

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
        const body = Buffer.concat([entity.subarray(s, tag), entity.subarray(ve, e)]);
        const out = new WireWriter(body.length + 16);
        out.bytesField(ENTITY_TABLE_ENTRY, body);
        return Buffer.concat([entity.subarray(0, outerTag), out.finish(), entity.subarray(e)]);
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
