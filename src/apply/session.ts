// The only view of a switch the apply stage has: write updates, read entities.
// A Write resolves to a WriteOutcome (shared/write-outcome.ts), classified
// once where the answer arrives (the P4Runtime client); apply never sees gRPC
// or an error object, so its ordering and rollback rules are the same for
// any switch.
import type { WriteOutcome } from '../shared/write-outcome.ts';

export type { UpdateOutcome, WriteFailure, WriteOutcome } from '../shared/write-outcome.ts';

export type UpdateType = 'INSERT' | 'MODIFY' | 'DELETE';

export interface Update {
  type: UpdateType;
  /** Encoded p4.v1.Entity. */
  entity: Buffer;
}

export type Atomicity = 'CONTINUE_ON_ERROR' | 'ROLLBACK_ON_ERROR' | 'DATAPLANE_ATOMIC';

export interface EntityRpc {
  /** One Write RPC; resolves to what it did, failures included (it rejects only on a bug: a request that cannot be encoded). */
  write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<WriteOutcome>;
  /** One Read RPC with the given entity filters; resolves to the entities, encoded. */
  read(filters: Buffer[]): Promise<Buffer[]>;
}
