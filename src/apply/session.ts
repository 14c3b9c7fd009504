// The only view of a switch the apply stage has: write updates, read entities.
// The P4Runtime client satisfies it structurally; apply never sees gRPC, so
// its ordering and rollback rules are the same for any switch.

export type UpdateType = 'INSERT' | 'MODIFY' | 'DELETE';

export interface Update {
  type: UpdateType;
  /** Encoded p4.v1.Entity. */
  entity: Buffer;
}

export type Atomicity = 'CONTINUE_ON_ERROR' | 'ROLLBACK_ON_ERROR' | 'DATAPLANE_ATOMIC';

export interface EntityRpc {
  /** One Write RPC. Throws on failure; per-update outcomes are read with `updateFailures`. */
  write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<unknown>;
  /** One Read RPC with the given entity filters; resolves to the entities, encoded. */
  read(filters: Buffer[]): Promise<Buffer[]>;
}

/** Per-update outcome of a failed Write, in request order. */
export interface UpdateOutcome {
  /** gRPC canonical code; 0 = applied. */
  code: number;
  message: string;
}

/**
 * Per-update outcomes carried by a write error, if the switch sent them
 * (P4Runtime: google.rpc.Status details, one p4.v1.Error per update).
 * Accepts the shapes the P4Runtime client's WriteError uses; undefined means
 * "not known which updates of this request were applied".
 */
export function updateFailures(err: unknown, count: number): UpdateOutcome[] | undefined {
  const e = err as { errors?: unknown; data?: { errors?: unknown } } | undefined;
  const list = (Array.isArray(e?.errors) ? e!.errors : Array.isArray(e?.data?.errors) ? e!.data!.errors : undefined) as
    | { code?: number; canonicalCode?: number; canonical_code?: number; message?: string; index?: number }[]
    | undefined;
  if (!list) return undefined;
  // Either one entry per update (OK included), or only the failures with their index.
  if (list.length === count && list.every((x) => x && x.index === undefined)) {
    return list.map((x) => ({ code: codeOf(x), message: x.message ?? '' }));
  }
  if (list.every((x) => typeof x?.index === 'number')) {
    const out: UpdateOutcome[] = Array.from({ length: count }, () => ({ code: 0, message: '' }));
    for (const x of list) if (x.index! >= 0 && x.index! < count) out[x.index!] = { code: codeOf(x), message: x.message ?? '' };
    return out;
  }
  return undefined;
}

function codeOf(x: { code?: number; canonicalCode?: number; canonical_code?: number }): number {
  return x.canonicalCode ?? x.canonical_code ?? x.code ?? 2;
}
