// How a long list of updates becomes Write RPCs: consecutive runs bounded by
// an update count and by encoded size (gRPC's message limit, 4 MiB by default
// on most switches, so 3.5 MiB leaves room for framing). Order is kept: apply
// decides the order, batching only cuts it.
import { updateWireSize, type Update } from './messages.ts';

export const DEFAULT_MAX_BATCH_BYTES = 3.5 * 1024 * 1024;
// 500 keeps a fully failed batch's error details (one p4.v1.Error per update,
// ~100 bytes each in base64, in one trailer) under 64 KB. Measured here: a
// 40 KB details trailer arrives; a 120 KB one never does through grpc-js (the
// call runs into its deadline), whatever 'grpc.max_metadata_size' says.
export const DEFAULT_MAX_BATCH_UPDATES = 500;

/** [start, end) ranges of `updates`; a single update larger than maxBytes gets a batch of its own. */
export function splitBatches(updates: readonly Update[], maxUpdates = DEFAULT_MAX_BATCH_UPDATES, maxBytes = DEFAULT_MAX_BATCH_BYTES): [number, number][] {
  if (!(maxUpdates >= 1)) throw new RangeError(`maxUpdates must be ≥ 1, got ${maxUpdates}`);
  const out: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < updates.length; i++) {
    const size = updateWireSize(updates[i]);
    if (i > start && (i - start >= maxUpdates || bytes + size > maxBytes)) {
      out.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < updates.length) out.push([start, updates.length]);
  return out;
}
