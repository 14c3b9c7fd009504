// A P4Runtime error raised by the target: it carries the gRPC canonical code
// the specification prescribes, so the same object becomes a per-update
// p4.v1.Error in a Write or the status of a whole RPC.
import { FlowopsError } from '../shared/errors.ts';
import { Code, codeName } from '../proto/load.ts';

export class TargetError extends FlowopsError {
  readonly grpcCode: number;
  constructor(grpcCode: number, message: string, data: Record<string, unknown> = {}) {
    super(`P4RT_${codeName(grpcCode)}`, message, data);
    this.grpcCode = grpcCode;
  }
}

export const invalid = (msg: string, data?: Record<string, unknown>) => new TargetError(Code.INVALID_ARGUMENT, msg, data);
export const notFound = (msg: string, data?: Record<string, unknown>) => new TargetError(Code.NOT_FOUND, msg, data);
export const outOfRange = (msg: string, data?: Record<string, unknown>) => new TargetError(Code.OUT_OF_RANGE, msg, data);
export const precondition = (msg: string, data?: Record<string, unknown>) => new TargetError(Code.FAILED_PRECONDITION, msg, data);

/** Anything thrown while serving a request, as a TargetError (unexpected bugs become INTERNAL, not silence). */
export function asTargetError(err: unknown): TargetError {
  if (err instanceof TargetError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new TargetError(Code.INTERNAL, `internal error: ${msg}`);
}

/** A code given by name ('NOT_FOUND') or number, as a number. */
export function parseCode(code: string | number): number {
  if (typeof code === 'number') return code;
  const n = (Code as Record<string, number>)[code.toUpperCase()];
  if (n === undefined) throw new TargetError(Code.INVALID_ARGUMENT, `unknown status code '${code}'`);
  return n;
}
