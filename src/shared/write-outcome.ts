// What one Write RPC did, as one closed set decided where the answer arrives
// (p4rt/errors.ts writeOutcomeOf): the apply stage, the retrying sessions and
// the reconciler branch on `kind` and canonical gRPC codes, never on the
// shape of an error object or the words of its message. It lives here because
// both sides of the interface need it: p4rt produces it, apply consumes it.

/** One update's answer, in request order (P4Runtime: one p4.v1.Error per update). */
export interface UpdateOutcome {
  /** gRPC canonical code; 0 (OK) = applied. */
  code: number;
  message: string;
  /** Target-specific error space and code, when the switch gives them. */
  space?: string;
  targetCode?: number;
}

export type WriteOutcome =
  /** Every update applied. */
  | { ok: true }
  | WriteFailure;

export type WriteFailure =
  /**
   * The switch answered for each update (gRPC UNKNOWN with one p4.v1.Error
   * per update): exactly the updates with code 0 were applied.
   */
  | { ok: false; kind: 'per-update'; updates: UpdateOutcome[] }
  /**
   * The switch refused or failed the request as a whole (e.g.
   * PERMISSION_DENIED for a backup, DEADLINE_EXCEEDED) without saying which
   * updates landed.
   */
  | { ok: false; kind: 'rpc'; code: number; message: string }
  /**
   * The connection broke before the answer came (gRPC UNAVAILABLE or
   * CANCELLED): the switch may have applied any part of the request, and it
   * cannot be asked until it is reconnected.
   */
  | { ok: false; kind: 'lost'; code: number; message: string };

/** gRPC canonical codes this module reasons about (the full table is proto/load.ts `Code`). */
export const GRPC_OK = 0;
export const GRPC_CANCELLED = 1;
export const GRPC_UNKNOWN = 2;
export const GRPC_UNAVAILABLE = 14;

/** The per-update outcomes, or undefined when the failure does not say which updates landed. */
export function perUpdate(o: WriteOutcome): UpdateOutcome[] | undefined {
  return !o.ok && o.kind === 'per-update' ? o.updates : undefined;
}

/** The first failing update of a failure: its position (0 for a whole-request failure) and its code and message. */
export function firstFailure(o: WriteFailure): { at: number; code: number; message: string } {
  if (o.kind !== 'per-update') return { at: 0, code: o.code, message: o.message || `gRPC status ${o.code}` };
  const at = o.updates.findIndex((u) => u.code !== GRPC_OK);
  if (at < 0) return { at: 0, code: GRPC_UNKNOWN, message: 'the Write failed, yet every update was reported applied' };
  const u = o.updates[at]!;
  return { at, code: u.code, message: u.message || `gRPC status ${u.code}` };
}
