// TableEntry.metadata (field 11) at wire level: the one place that knows where
// it sits. Metadata never takes part in the diff; the fast path of diff/plan.ts
// drops it with `withoutMetadata` (one scan, one copy) instead of canonicalizing
// every live entry that carries a provenance record.
import { WireReader, WIRE_LEN } from './wire.ts';
import { withoutTableEntryField } from './entity-field.ts';

const TABLE_ENTRY = 2;
const METADATA = 11;

/** The entity without TableEntry.metadata; the same Buffer when it has none. */
export function withoutMetadata(entity: Buffer): Buffer {
  return withoutTableEntryField(entity, METADATA);
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
