// Hand-assembled P4Runtime requests for the bulk RPCs. A Write of 10^4
// updates is the pre-encoded entity Buffers with a few bytes of framing
// around each — no protobufjs object per update, no re-encoding.
import { varintSize, WireWriter, WIRE_LEN } from '../p4info/wire.ts';

export type UpdateType = 'INSERT' | 'MODIFY' | 'DELETE';
export type Atomicity = 'CONTINUE_ON_ERROR' | 'ROLLBACK_ON_ERROR' | 'DATAPLANE_ATOMIC';

export interface Update {
  type: UpdateType;
  /** Encoded p4.v1.Entity. */
  entity: Buffer;
}

const UPDATE_TYPE: Record<UpdateType, number> = { INSERT: 1, MODIFY: 2, DELETE: 3 };
const ATOMICITY: Record<Atomicity, number> = { CONTINUE_ON_ERROR: 0, ROLLBACK_ON_ERROR: 1, DATAPLANE_ATOMIC: 2 };

export interface RequestHead {
  deviceId: bigint;
  electionId: bigint;
  role?: string;
}

const MASK64 = (1n << 64n) - 1n;

/** p4.v1.Uint128 body for a 128-bit election id. */
export function writeUint128(w: WireWriter, fieldNo: number, v: bigint): void {
  const m = w.begin(fieldNo);
  w.int64Field(1, (v >> 64n) & MASK64);
  w.int64Field(2, v & MASK64);
  w.end(m);
}

/** Bytes one update adds to a WriteRequest (field 4: Update{type, entity}). */
export function updateWireSize(u: Update): number {
  const body = 2 + 1 + varintSize(u.entity.length) + u.entity.length;
  return 1 + varintSize(body) + body;
}

/** WriteRequest{device_id, election_id, updates[from, to), atomicity, role}. */
export function encodeWriteRequest(head: RequestHead, updates: readonly Update[], atomicity: Atomicity = 'CONTINUE_ON_ERROR', from = 0, to = updates.length): Buffer {
  let size = 64 + (head.role ? head.role.length * 3 : 0);
  for (let i = from; i < to; i++) size += updateWireSize(updates[i]);
  const w = new WireWriter(size);
  w.int64Field(1, head.deviceId);
  writeUint128(w, 3, head.electionId);
  for (let i = from; i < to; i++) {
    const u = updates[i];
    const type = UPDATE_TYPE[u.type];
    if (!type) throw new TypeError(`update ${i}: unknown type ${String(u.type)}`);
    const body = 2 + 1 + varintSize(u.entity.length) + u.entity.length;
    w.tag(4, WIRE_LEN).varint(body);
    w.tag(1, 0).varint(type);
    w.bytesField(2, u.entity);
  }
  w.uintField(5, ATOMICITY[atomicity]);
  if (head.role) w.stringField(6, head.role);
  return w.buf.subarray(0, w.pos);
}

/** ReadRequest{device_id, entities, role}. */
export function encodeReadRequest(deviceId: bigint, entities: readonly Uint8Array[], role?: string): Buffer {
  const w = new WireWriter(64 + entities.reduce((s, e) => s + e.length + 6, 0));
  w.int64Field(1, deviceId);
  for (const e of entities) w.bytesField(2, e);
  if (role) w.stringField(3, role);
  return w.buf.subarray(0, w.pos);
}
