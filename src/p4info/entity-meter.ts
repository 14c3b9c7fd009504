// Read-side normalisation of direct meter configs: the one place that knows an
// empty `meter_config {}` means the same as none.
import { WireReader, WireWriter, WIRE_LEN } from './wire.ts';

/**
 * A switch asked for meter configs answers `meter_config {}` for entries that
 * have none; that means the same as no field, and desired entries have no
 * field. Drops the empty field (a copy only for the entities that carry it),
 * so the diff compares like with like.
 */
export function withoutEmptyMeter(entity: Buffer): Buffer {
  const r = new WireReader(entity);
  let outerTag = r.pos;
  while (r.next()) {
    if (r.fieldNo !== 2 || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    let tag = inner.pos;
    while (inner.next()) {
      if (inner.fieldNo === 6 && inner.wireType === WIRE_LEN) {
        const [vs, ve] = inner.lenRange();
        if (vs === ve) {
          const body = Buffer.concat([entity.subarray(s, tag), entity.subarray(ve, e)]);
          const out = new WireWriter(body.length + 16);
          out.bytesField(2, body);
          return Buffer.concat([entity.subarray(0, outerTag), out.finish(), entity.subarray(e)]);
        }
      } else inner.skip();
      tag = inner.pos;
    }
    return entity;
  }
  return entity;
}
