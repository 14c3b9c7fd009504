// gRPC size limits that decide how big a Write batch may be, measured rather
// than assumed. A failed Write carries one p4.v1.Error per update in the
// grpc-status-details-bin trailer, base64-encoded in HTTP/2 headers. The
// P4Runtime spec's guideline is to allow 8192 + 100 × updates bytes of
// metadata — but grpc-js (1.14) ignores `grpc.max_metadata_size` and never
// raises Node's HTTP/2 default of 65,535 bytes for a header list. A trailer
// over that is dropped by the client's HTTP/2 layer and the call only ends
// at its deadline, with nothing known about which updates applied. So a
// batch must be small enough that its worst-case error trailer fits.

/** What a grpc-js client accepts as one header list (Node http2 default maxHeaderListSize). */
export const GRPC_JS_MAX_HEADER_LIST_BYTES = 65_535;

/** The spec's allowance per update for its p4.v1.Error (type URL, code, message, space). */
export const ERROR_DETAIL_BYTES_PER_UPDATE = 100;

/** Headers besides the details trailer (grpc-status, grpc-message, content-type...), kept free. */
const OTHER_HEADERS_BYTES = 2048;

/** The metadata size the spec recommends for a batch of `updates` (for stacks that honour grpc.max_metadata_size). */
export function metadataLimitFor(updates: number): number {
  return 8192 + ERROR_DETAIL_BYTES_PER_UPDATE * updates;
}

/**
 * Most updates per Write whose per-update errors still fit the client's
 * header limit (base64: 4 bytes per 3): 476 with the defaults. Use it as
 * writeBatches' `maxUpdates` against switches whose error messages are
 * long; raise `perUpdateBytes` for chattier switches.
 */
export function maxUpdatesForErrorDetails(headerLimit = GRPC_JS_MAX_HEADER_LIST_BYTES, perUpdateBytes = ERROR_DETAIL_BYTES_PER_UPDATE): number {
  return Math.max(1, Math.floor(((headerLimit - OTHER_HEADERS_BYTES) * 3) / 4 / perUpdateBytes));
}
