// TableEntry.metadata (field 11) at wire level: the one place that knows where
// it sits. Metadata never takes part in the diff; the fast path of diff/plan.ts
// drops it with `withoutMetadata` (one scan, one copy) instead of canonicalizing
// every live entry that carries a provenance record.
import { tableEntryField, withTableEntryField, withoutTableEntryField } from './entity-field.ts';

const METADATA = 11;

/** The entity without TableEntry.metadata; the same Buffer when it has none. */
export function withoutMetadata(entity: Buffer): Buffer {
  return withoutTableEntryField(entity, METADATA);
}

/** TableEntry.metadata of the entity, if it has a non-empty one (a copy). */
export function metadataBytes(entity: Buffer): Buffer | undefined {
  const at = tableEntryField(entity, METADATA);
  return at && at[1] > at[0] ? Buffer.from(entity.subarray(at[0], at[1])) : undefined;
}

/** The entity with TableEntry.metadata set to `metadata` (spliced in at wire level; canonical order kept). */
export function withMetadataBytes(entity: Buffer, metadata: Uint8Array): Buffer {
  return withTableEntryField(entity, METADATA, metadata);
}
