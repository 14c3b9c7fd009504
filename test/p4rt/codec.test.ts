// The client's wire pieces on their own: hand-assembled requests read back by
// protobufjs, batch cutting, and a minimal gRPC server (defined here, strict:
// anything it does not expect fails the test) for Read splitting and Write
// error details.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { protoType } from '../../src/proto/load.ts';
import { encodeReadRequest, encodeWriteRequest, updateWireSize, type Update } from '../../src/p4rt/messages.ts';
import { splitBatches } from '../../src/p4rt/batches.ts';
import { defaultEntryRead, directCounterRead, wildcardGroups, wildcardMembers, wildcardTable } from '../../src/p4rt/filters.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';

const Entity = protoType('p4.v1.Entity');
const WriteRequest = protoType('p4.v1.WriteRequest');
const ReadRequest = protoType('p4.v1.ReadRequest');
const ReadResponse = protoType('p4.v1.ReadResponse');
const Status = protoType('google.rpc.Status');
const P4Error = protoType('p4.v1.Error');

const entity = (tableId: number, prio: number) => Buffer.from(Entity.encode(Entity.fromObject({ table_entry: { table_id: tableId, priority: prio } })).finish());

test('WriteRequest assembled from entity bytes decodes to the same request', () => {
  const updates: Update[] = [
    { type: 'INSERT', entity: entity(1, 1) },
    { type: 'MODIFY', entity: entity(2, 300) },
    { type: 'DELETE', entity: entity(3, 3) },
  ];
  const election = (7n << 64n) | 0xfffffffffffffffen;
  const req = encodeWriteRequest({ deviceId: 2n ** 40n, electionId: election, role: 'flowops' }, updates, 'ROLLBACK_ON_ERROR');
  const o = WriteRequest.toObject(WriteRequest.decode(req), { longs: String, enums: String }) as any;
  assert.equal(o.device_id, String(2n ** 40n));
  assert.deepEqual(o.election_id, { high: '7', low: '18446744073709551614' });
  assert.equal(o.role, 'flowops');
  assert.equal(o.atomicity, 'ROLLBACK_ON_ERROR');
  assert.deepEqual(o.updates.map((u: any) => u.type), ['INSERT', 'MODIFY', 'DELETE']);
  o.updates.forEach((u: any, i: number) => assert.deepEqual(Buffer.from(Entity.encode(Entity.fromObject(u.entity)).finish()), updates[i].entity));
  // The size estimate is exact: a request is its head plus the sum of update sizes.
  const head = encodeWriteRequest({ deviceId: 2n ** 40n, electionId: election, role: 'flowops' }, [], 'ROLLBACK_ON_ERROR').length;
  assert.equal(req.length, head + updates.reduce((s, u) => s + updateWireSize(u), 0));
  // A sub-range is a request of just those updates.
  const part = WriteRequest.decode(encodeWriteRequest({ deviceId: 1n, electionId: 1n }, updates, undefined, 1, 2)) as any;
  assert.equal(part.updates.length, 1);
  assert.equal(part.updates[0].entity.table_entry.priority, 300);
});

test('ReadRequest and the read filters', () => {
  const r = ReadRequest.toObject(ReadRequest.decode(encodeReadRequest(1n, [wildcardTable(0x02000301), wildcardMembers(5), wildcardGroups(5), directCounterRead(9), defaultEntryRead(9)], 'r')), {
    longs: String,
    oneofs: true,
  }) as any;
  assert.equal(r.device_id, '1');
  assert.equal(r.role, 'r');
  assert.deepEqual(
    r.entities.map((e: any) => e.entity),
    ['table_entry', 'action_profile_member', 'action_profile_group', 'direct_counter_entry', 'table_entry'],
  );
  assert.equal(r.entities[0].table_entry.table_id, 0x02000301);
  assert.equal(r.entities[0].table_entry.match, undefined);
  assert.equal(r.entities[1].action_profile_member.action_profile_id, 5);
  assert.equal(r.entities[3].direct_counter_entry.table_entry.table_id, 9);
  assert.equal(r.entities[4].table_entry.is_default_action, true);
});

test('splitBatches cuts by count and by encoded size, in order', () => {
  const small = (n: number): Update[] => Array.from({ length: n }, (_, i) => ({ type: 'INSERT', entity: entity(1, i + 1) }));
  assert.deepEqual(splitBatches(small(7), 3), [
    [0, 3],
    [3, 6],
    [6, 7],
  ]);
  assert.deepEqual(splitBatches([], 3), []);
  const big = (size: number): Update => ({ type: 'INSERT', entity: Buffer.alloc(size, 1) });
  const list = [big(400), big(400), big(400), big(2000), big(10)];
  const ranges = splitBatches(list, 100, 1000);
  assert.deepEqual(ranges, [
    [0, 2],
    [2, 3],
    [3, 4],
    [4, 5],
  ]);
  for (const [a, b] of ranges) {
    const bytes = list.slice(a, b).reduce((s, u) => s + updateWireSize(u), 0);
    assert.ok(bytes <= 1000 || b - a === 1);
  }
  assert.throws(() => splitBatches(small(1), 0), RangeError);
});

// ---- a strict fake switch

let server: grpc.Server;
let address = '';
const unexpected: string[] = [];
let writeReply: (req: any, cb: grpc.sendUnaryData<Buffer>) => void = () => unexpected.push('Write');
const readChunks: Buffer[][] = [
  [entity(1, 1), entity(1, 2)],
  [],
  [entity(1, 3)],
];

const raw = (b: Buffer) => b;
const dec = (name: string) => (b: Buffer) => protoType(name).decode(b);
const def = (name: string, req: string, reqStream = false, resStream = false) => ({
  path: `/p4.v1.P4Runtime/${name}`,
  requestStream: reqStream,
  responseStream: resStream,
  requestSerialize: raw,
  requestDeserialize: dec(req),
  responseSerialize: raw,
  responseDeserialize: raw,
});

before(async () => {
  server = new grpc.Server();
  const refuse = (name: string) => (call: any, cb?: any) => {
    unexpected.push(name);
    const err = { code: grpc.status.UNIMPLEMENTED, details: `fake switch: unexpected ${name}` };
    if (cb) cb(err);
    else call.emit('error', err);
  };
  server.addService(
    {
      Write: def('Write', 'p4.v1.WriteRequest'),
      Read: def('Read', 'p4.v1.ReadRequest', false, true),
      SetForwardingPipelineConfig: def('SetForwardingPipelineConfig', 'p4.v1.SetForwardingPipelineConfigRequest'),
      GetForwardingPipelineConfig: def('GetForwardingPipelineConfig', 'p4.v1.GetForwardingPipelineConfigRequest'),
      StreamChannel: def('StreamChannel', 'p4.v1.StreamMessageRequest', true, true),
      Capabilities: def('Capabilities', 'p4.v1.CapabilitiesRequest'),
    },
    {
      Write: (call: grpc.ServerUnaryCall<any, Buffer>, cb: grpc.sendUnaryData<Buffer>) => writeReply(call.request, cb),
      Read: (call: grpc.ServerWritableStream<any, Buffer>) => {
        const filters = call.request.entities;
        if (filters.length !== 1 || filters[0].table_entry?.table_id !== 1) {
          unexpected.push('Read with unexpected filters');
          call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'unexpected filter' });
          return;
        }
        for (const chunk of readChunks) call.write(Buffer.from(ReadResponse.encode(ReadResponse.fromObject({ entities: chunk.map((e) => Entity.decode(e)) })).finish()));
        call.end();
      },
      SetForwardingPipelineConfig: refuse('SetForwardingPipelineConfig'),
      GetForwardingPipelineConfig: refuse('GetForwardingPipelineConfig'),
      StreamChannel: refuse('StreamChannel'),
      Capabilities: refuse('Capabilities'),
    },
  );
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  address = `127.0.0.1:${port}`;
});
after(async () => {
  await new Promise<void>((res) => server.tryShutdown(() => res()));
  assert.deepEqual(unexpected, [], 'the fake switch got requests it did not expect');
});

function statusDetails(codes: number[]): Buffer {
  const details = codes.map((code, i) => ({
    type_url: 'type.googleapis.com/p4.v1.Error',
    value: P4Error.encode(P4Error.fromObject({ canonical_code: code, message: code ? `bad update ${i}` : '', space: code ? 'fake' : '' })).finish(),
  }));
  return Buffer.from(Status.encode(Status.fromObject({ code: 2, message: 'some failed', details })).finish());
}

test('Read responses are split into entity slices across chunks, in order', async () => {
  const c = new P4RuntimeClient({ address, deviceId: 1, electionId: 1n });
  try {
    const got = await c.read([wildcardTable(1)]);
    assert.deepEqual(got, readChunks.flat());
    const sizes: number[] = [];
    for await (const chunk of c.readStream([wildcardTable(1)])) sizes.push(chunk.length);
    assert.deepEqual(sizes, [2, 0, 1]);
  } finally {
    await c.close();
  }
});

test('Write errors: details decoded per update, for a 600-update batch too', async () => {
  // 600 details are ~45 KB of trailer in base64, under Node's 64 KB limit for
  // one header block on the sending side (a bigger trailer stalls the call in
  // a Node http2 server; C++ switches send more).
  const n = Number(process.env.H1_N ?? 600);
  const codes = Array.from({ length: n }, (_, i) => (i % 150 === 7 ? 6 : 0));
  let seen = 0;
  writeReply = (req, cb) => {
    seen = req.updates.length;
    const md = new grpc.Metadata();
    md.set('grpc-status-details-bin', statusDetails(codes));
    cb({ code: grpc.status.UNKNOWN, details: 'some failed', metadata: md } as grpc.ServiceError);
  };
  const c = new P4RuntimeClient({ address, deviceId: 1, electionId: 1n, maxBatchUpdates: n });
  try {
    const updates: Update[] = Array.from({ length: n }, (_, i) => ({ type: 'INSERT', entity: entity(1, i + 1) }));
    const err = await c.write(updates).then(
      () => assert.fail('should throw'),
      (e: unknown) => e,
    );
    assert.equal(seen, n);
    assert.ok(err instanceof WriteError, String(err));
    assert.equal(err.errors.length, n);
    assert.deepEqual(err.failed().map((e) => [e.index, e.codeName, e.message, e.space]), [7, 157, 307, 457].map((i) => [i, 'ALREADY_EXISTS', `bad update ${i}`, 'fake']));
    assert.equal(err.errors[0].code, 0);

    // Details that do not match the request (wrong count) are not trusted: plain RPC error.
    writeReply = (_req, cb) => {
      const md = new grpc.Metadata();
      md.set('grpc-status-details-bin', statusDetails([6]));
      cb({ code: grpc.status.UNKNOWN, details: 'odd', metadata: md } as grpc.ServiceError);
    };
    await assert.rejects(c.write(updates.slice(0, 2)), (e: unknown) => e instanceof P4RuntimeError && e.code === 'RPC_UNKNOWN' && /odd/.test(e.message));

    writeReply = (_req, cb) => cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'table full' } as grpc.ServiceError);
    await assert.rejects(c.writeBatches(updates.slice(0, 30), { maxUpdates: 10 }), (e: unknown) => {
      assert.ok(e instanceof P4RuntimeError);
      assert.equal(e.code, 'RPC_RESOURCE_EXHAUSTED');
      assert.equal(e.data.batchStart, 0);
      assert.match(e.message, /table full \(batch 1 of 3, updates 0\.\.9\)/);
      return true;
    });
  } finally {
    writeReply = () => unexpected.push('Write');
    await c.close();
  }
});

test('connect rejects with the switch status when the stream is refused', async () => {
  const c = new P4RuntimeClient({ address, deviceId: 1, electionId: 1n });
  try {
    await assert.rejects(c.connect(), (e: unknown) => e instanceof P4RuntimeError && e.code === 'RPC_UNIMPLEMENTED');
  } finally {
    unexpected.splice(unexpected.indexOf('StreamChannel'), 1);
    await c.close();
  }
});

test('an unreachable switch: connect and read reject with RPC_UNAVAILABLE', async () => {
  // A port that was just bound and released: nothing listens there.
  const s = new grpc.Server();
  const port = await new Promise<number>((res, rej) => s.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  await new Promise<void>((res) => s.tryShutdown(() => res()));
  const c = new P4RuntimeClient({ address: `127.0.0.1:${port}`, deviceId: 1, electionId: 1n });
  try {
    await assert.rejects(c.connect(), { code: 'RPC_UNAVAILABLE' });
    await assert.rejects(c.read([wildcardTable(1)]), { code: 'RPC_UNAVAILABLE' });
    assert.equal(c.isPrimary, false);
  } finally {
    await c.close();
  }
});
