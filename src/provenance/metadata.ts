// Entries that say where they came from: the provenance record flowops writes
// into P4Runtime `TableEntry.metadata` (an opaque byte string the switch keeps
// and returns on Read). One printable ASCII line, so any P4Runtime shell shows
// it as is:
//
//   fo1|<commit: 12 hex>|<kind: t s f g>|<tenant or tenant/name>
//   fo1|3f2a9c1d04be|f|acme/storefront-to-catalog              (45 bytes)
//
// Bounded: the name is cut at NAME_MAX bytes (a cut name ends in `~` and 8 hex
// of its SHA-256), so a record is at most RECORD_MAX bytes whatever the spec.
//
// The commit is the one that INTRODUCED the entry's current value: metadata
// never takes part in the diff (canonicalizeEntity drops it), so a new commit
// writes only the entries whose value changes, and those carry the new commit;
// every other entry keeps the record of the commit that wrote it. A million
// entries are not rewritten because HEAD moved.
import { createHash } from 'node:crypto';
import type { Origin } from '../compile/types.ts';
import { metadataBytes, withMetadataBytes } from '../p4info/entity.ts';

export const MAGIC = 'fo1';
export const NAME_MAX = 200;
export const COMMIT_CHARS = 12;
/** fo1 | 12 | k | name ≤ NAME_MAX */
export const RECORD_MAX = MAGIC.length + 1 + COMMIT_CHARS + 1 + 1 + 1 + NAME_MAX;

const KIND_CODE: Record<Origin['kind'], string> = { tenant: 't', service: 's', flow: 'f', target: 'g' };
const CODE_KIND: Record<string, Origin['kind']> = { t: 'tenant', s: 'service', f: 'flow', g: 'target' };

export interface Provenance {
  kind: Origin['kind'];
  name: string;
  /** Abbreviated commit id (12 hex digits). */
  commit: string;
}

function boundedName(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= NAME_MAX) return name;
  const tag = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  // Cut on a character boundary: decode the prefix and drop a trailing partial character.
  const head = bytes.subarray(0, NAME_MAX - 9).toString('utf8').replace(/\uFFFD$/, '');
  return `${head}~${tag}`;
}

/** The record for an entry of `origin` introduced by `commit`. */
export function encodeProvenance(origin: Pick<Origin, 'kind' | 'name'>, commit: string): Buffer {
  const c = commit.toLowerCase().replace(/[^0-9a-f]/g, '').slice(0, COMMIT_CHARS).padEnd(COMMIT_CHARS, '0');
  return Buffer.from(`${MAGIC}|${c}|${KIND_CODE[origin.kind]}|${boundedName(origin.name)}`, 'utf8');
}

/** The record in `metadata`, or undefined when it is not one of flowops' (foreign, or empty). */
export function decodeProvenance(metadata: Uint8Array | undefined): Provenance | undefined {
  if (!metadata?.length || metadata.length > RECORD_MAX) return undefined;
  const text = Buffer.from(metadata).toString('utf8');
  const m = /^fo1\|([0-9a-f]{12})\|([tsfg])\|(.+)$/s.exec(text);
  if (!m) return undefined;
  return { commit: m[1]!, kind: CODE_KIND[m[2]!]!, name: m[3]! };
}

/** `flow acme/web @ 3f2a9c1d04be`, `no flowops metadata`, or `foreign metadata (N bytes)`. */
export function describeProvenance(metadata: Uint8Array | undefined): string {
  if (!metadata?.length) return 'no flowops metadata';
  const p = decodeProvenance(metadata);
  return p ? `${p.kind} ${p.name} @ ${p.commit}` : `foreign metadata (${metadata.length} bytes)`;
}

/** The entity with `metadata` set (table entries only; members and groups have no metadata field). */
export function withMetadata(entity: Buffer, metadata: Buffer): Buffer {
  return withMetadataBytes(entity, metadata);
}

/** The metadata of a table entry's bytes, if any. */
export function metadataOf(entity: Uint8Array): Buffer | undefined {
  return metadataBytes(Buffer.from(entity.buffer, entity.byteOffset, entity.byteLength));
}

export type Attribution = 'flowops' | 'none' | 'foreign';

/** How a live table entry is attributed: by a flowops record, by nothing, or by someone else's metadata. */
export function attribution(entity: Uint8Array): Attribution {
  const md = metadataOf(entity);
  if (!md) return 'none';
  return decodeProvenance(md) ? 'flowops' : 'foreign';
}
