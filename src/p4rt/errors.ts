// What a P4Runtime call can fail with. A failed Write keeps one outcome per
// update in request order (the spec puts them in google.rpc.Status details,
// one p4.v1.Error each), so callers know exactly which updates were applied.
import type grpc from '@grpc/grpc-js';
import { FlowopsError } from '../shared/errors.ts';
import { Code, codeName, protoType } from '../proto/load.ts';

/** An RPC that failed as a whole; `code` is `RPC_<gRPC code name>`, e.g. `RPC_PERMISSION_DENIED`. */
export class P4RuntimeError extends FlowopsError {
  readonly grpcCode: number;
  constructor(rpc: string, grpcCode: number, message: string, data: Record<string, unknown> = {}) {
    super(`RPC_${codeName(grpcCode)}`, `${rpc}: ${codeName(grpcCode)}: ${message}`, { rpc, grpcCode, ...data });
    this.grpcCode = grpcCode;
  }
}

export interface UpdateError {
  /** Index of the update in the request (or, from writeBatches, in the whole list). */
  index: number;
  /** gRPC canonical code; 0 for an update that was applied. */
  code: number;
  codeName: string;
  message: string;
  /** Target-specific error space and code, when the switch gives them. */
  space?: string;
  targetCode?: number;
}

/** A Write with per-update outcomes: `errors` has one entry per update, OK ones included. */
export class WriteError extends FlowopsError {
  readonly errors: UpdateError[];
  constructor(message: string, errors: UpdateError[], data: Record<string, unknown> = {}) {
    const first = errors.find((e) => e.code !== Code.OK);
    super('WRITE_FAILED', message, { ...data, updateIndex: first?.index, updates: errors.length, failedCount: errors.filter((e) => e.code !== Code.OK).length });
    this.errors = errors;
  }

  /** The updates that were not applied. */
  failed(): UpdateError[] {
    return this.errors.filter((e) => e.code !== Code.OK);
  }

  /** Index of the first failing update. */
  get updateIndex(): number | undefined {
    return this.data.updateIndex as number | undefined;
  }

  /** The same failure with indexes moved by `offset` (a batch's place in a longer list). */
  shifted(offset: number, data: Record<string, unknown> = {}): WriteError {
    const errors = this.errors.map((e) => ({ ...e, index: e.index + offset }));
    const first = errors.find((e) => e.code !== Code.OK);
    const message = first ? this.message.replace(/first update \d+:/, `first update ${first.index}:`) : this.message;
    return new WriteError(message, errors, { ...this.data, ...data });
  }
}

const P4_ERROR_URL = /(^|\/)p4\.v1\.Error$/;

/**
 * Per-update errors from the `grpc-status-details-bin` trailer: a
 * google.rpc.Status whose details are one Any(p4.v1.Error) per update.
 * Undefined when the trailer is missing or does not have that shape.
 */
export function updateErrorsFromStatus(details: Buffer, count: number): UpdateError[] | undefined {
  let status: any;
  try {
    status = protoType('google.rpc.Status').decode(details);
  } catch {
    return undefined;
  }
  const anys: any[] = status.details ?? [];
  if (anys.length !== count) return undefined;
  const P4Error = protoType('p4.v1.Error');
  const out: UpdateError[] = [];
  for (let i = 0; i < anys.length; i++) {
    if (!P4_ERROR_URL.test(String(anys[i].type_url ?? ''))) return undefined;
    const e: any = P4Error.decode(anys[i].value ?? Buffer.alloc(0));
    const code = Number(e.canonical_code ?? 0);
    const u: UpdateError = { index: i, code, codeName: codeName(code), message: String(e.message ?? '') };
    if (e.space) u.space = String(e.space);
    if (e.code) u.targetCode = Number(e.code);
    out.push(u);
  }
  return out;
}

/** Converts a grpc-js error into P4RuntimeError (or WriteError, for Write with details). */
export function fromGrpcError(rpc: string, err: unknown, updateCount?: number): FlowopsError {
  if (err instanceof FlowopsError) return err;
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e?.code === 'number' ? e.code : Code.UNKNOWN;
  const message = String(e?.details || e?.message || 'failed');
  if (updateCount !== undefined && code === Code.UNKNOWN && e.metadata) {
    const raw = e.metadata.get('grpc-status-details-bin')[0];
    if (raw !== undefined) {
      const errors = updateErrorsFromStatus(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'base64'), updateCount);
      if (errors) {
        const failed = errors.filter((x) => x.code !== Code.OK);
        const first = failed[0];
        const summary = first ? `update ${first.index}: ${first.codeName}: ${first.message}` : message;
        return new WriteError(`Write: ${failed.length} of ${updateCount} updates failed; first ${summary}`, errors, { grpcCode: code });
      }
    }
  }
  return new P4RuntimeError(rpc, code, message);
}
