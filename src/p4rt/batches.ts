// How a long list of updates becomes Write RPCs: consecutive runs bounded by
// an update count and by encoded size (gRPC's message limit, 4 MiB by default
// on most switches, so 3.5 MiB leaves room for framing). Order is kept: apply
// decides the order, batching only cuts it.
import { updateWireSize, type Update } from './messages.ts';

export const DEFAULT_MAX_BATCH_BYTES = 3.5 * 1024 * 1024;
// 1000 keeps a fully failed batch's error details (one p4.v1.Error per update,
// ~50 bytes each, base64 in a trailer) under the 64 KB header block a Node
// http2 server can send; past it the bundled target's Write never returns.
export const DEFAULT_MAX_BATCH_UPDATES = 1000;

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
