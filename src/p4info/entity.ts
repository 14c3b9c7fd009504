// Canonical p4.v1.Entity bytes and identity keys. The diff compares entities
// as byte strings, so there must be exactly one encoding of each entry: fields
// in field-number order, matches sorted by field id, params by param id, group
// members by member id, proto3 defaults left out and every byte string in its
// shortest form (bytes.ts). `entityKey` reads any wire form (fields out of
// order, padded values) and returns the switch-side identity, so live entries
// from a switch that encodes differently still pair with desired ones.
//
// The code lives in entity-*.ts by concern; this module is the one import.
export * from './entity-types.ts';
export { encodeTableEntry, encodeMember, encodeGroup } from './entity-encode.ts';
export { entityKey, entityTableId, entityKind, peekOwner, type EntityOwner, type OwnedEntityKind } from './entity-key.ts';
export { parseEntity, canonicalizeEntity, parseDirectCounter } from './entity-parse.ts';
export { decodeEntity, describeEntity } from './entity-describe.ts';
export { withoutMetadata, metadataBytes, withMetadataBytes } from './entity-metadata.ts';
export * from './entity-build.ts';
