// TableEntry.metadata (field 11) at wire level: the one place that knows where
// it sits. Metadata never takes part in the diff; the fast path of diff/plan.ts
// drops it with `withoutMetadata` (one scan, one copy) instead of canonicalizing
// every live entry that carries a provenance record.
import { WireReader, WireWriter, WIRE_LEN } from './wire.ts';

const TABLE_ENTRY = 2;
const METADATA = 11;

/** The entity without TableEntry.metadata; the same Buffer when it has none. */
export function withoutMetadata(entity: Buffer): Buffer {
  const r = new WireReader(entity);
  let outerTag = r.pos;
  while (r.next()) {
    if (r.fieldNo !== TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    let tag = inner.pos;
    while (inner.next()) {
      if (inner.fieldNo === METADATA && inner.wireType === WIRE_LEN) {
        const [, ve] = inner.lenRange();
        const body = Buffer.concat([entity.subarray(s, tag), entity.subarray(ve, e)]);
        const out = new WireWriter(body.length + 16);
        out.bytesField(TABLE_ENTRY, body);
        return Buffer.concat([entity.subarray(0, outerTag), out.finish(), entity.subarray(e)]);
      }
      inner.skip();
      tag = inner.pos;
    }
    return entity;
  }
  return entity;
}

/** TableEntry.metadata of the entity, if it has a non-empty one (a copy). */
export function metadataBytes(entity: Buffer): Buffer | undefined {
  const r = new WireReader(entity);
  while (r.next()) {
    if (r.fieldNo !== TABLE_ENTRY || r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    while (inner.next()) {
      if (inner.fieldNo === METADATA && inner.wireType === WIRE_LEN) {
        const b = inner.bytes();
        return b.length ? Buffer.from(b) : undefined;
      }
      inner.skip();
    }
    return undefined;
  }
  return undefined;
}
