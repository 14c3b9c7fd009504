// What a P4Runtime call can fail with. A failed Write keeps one outcome per
// update in request order (the spec puts them in google.rpc.Status details,
// one p4.v1.Error each), so callers know exactly which updates were applied.
import type grpc from '@grpc/grpc-js';
import { FlowopsError } from '../shared/errors.ts';
import { Code, codeName, protoType } from '../proto/load.ts';
import type { UpdateOutcome, WriteFailure } from '../shared/write-outcome.ts';

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

/**
 * What a failed Write RPC did, decided once from the grpc-js error: per-update
 * outcomes when the status carries one p4.v1.Error per update, 'lost' when the
 * connection broke (UNAVAILABLE, CANCELLED), otherwise the request's status.
 */
export function writeOutcomeOf(err: unknown, updateCount: number): WriteFailure {
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e?.code === 'number' ? e.code : Code.UNKNOWN;
  const message = String(e?.details || e?.message || 'failed');
  if (code === Code.UNKNOWN && e?.metadata) {
    const raw = e.metadata.get('grpc-status-details-bin')[0];
    if (raw !== undefined) {
      const errors = updateErrorsFromStatus(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'base64'), updateCount);
      if (errors) return { ok: false, kind: 'per-update', updates: errors.map(({ code, message, space, targetCode }) => ({ code, message, space, targetCode })) };
    }
  }
  if (code === Code.UNAVAILABLE || code === Code.CANCELLED) return { ok: false, kind: 'lost', code, message };
  return { ok: false, kind: 'rpc', code, message };
}

/** Per-update outcomes with their index (from `offset`) and code name, as WriteError keeps them. */
export function indexedUpdates(updates: readonly UpdateOutcome[], offset = 0): UpdateError[] {
  return updates.map((u, i) => {
    const out: UpdateError = { index: offset + i, code: u.code, codeName: codeName(u.code), message: u.message };
    if (u.space) out.space = u.space;
    if (u.targetCode) out.targetCode = u.targetCode;
    return out;
  });
}

/**
 * The thrown form of a failed Write, for callers that want an exception
 * (writeBatches, the CLI): WriteError for per-update outcomes (indexes moved
 * by `offset`), P4RuntimeError otherwise. `where` says which part of a longer
 * list the request was.
 */
export function writeFailureError(o: WriteFailure, offset = 0, where: Record<string, unknown> = {}, note = ''): FlowopsError {
  if (o.kind !== 'per-update') {
    const at = where.batches !== undefined ? ` (batch ${Number(where.batch) + 1} of ${where.batches}, updates ${where.batchStart}..${Number(where.batchEnd) - 1})` : '';
    return new P4RuntimeError('Write', o.code, `${o.message}${at}`, { ...where, ...(o.kind === 'lost' ? { connectionLost: true } : {}) });
  }
  const errors = indexedUpdates(o.updates, offset);
  const failed = errors.filter((x) => x.code !== Code.OK);
  const first = failed[0];
  const summary = first ? `first update ${first.index}: ${first.codeName}: ${first.message}` : 'no update failed';
  return new WriteError(`Write: ${failed.length} of ${errors.length} updates failed${note}; ${summary}`, errors, { grpcCode: Code.UNKNOWN, ...where });
}

/** Whether a thrown RPC error says the connection to the switch broke (UNAVAILABLE, CANCELLED): reconnect before trying again. */
export function isConnectionLost(err: unknown): boolean {
  return err instanceof P4RuntimeError && (err.grpcCode === Code.UNAVAILABLE || err.grpcCode === Code.CANCELLED);
}

/** Converts a grpc-js error into P4RuntimeError (for the RPCs other than Write). */
export function fromGrpcError(rpc: string, err: unknown): FlowopsError {
  if (err instanceof FlowopsError) return err;
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e?.code === 'number' ? e.code : Code.UNKNOWN;
  const message = String(e?.details || e?.message || 'failed');
  return new P4RuntimeError(rpc, code, message);
}
