// The client against the real target (src/target) on 127.0.0.1:0: pipeline by
// cookie, 10k entries written in batches and read back byte-identical,
// per-update write errors, and arbitration between controllers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { once } from 'node:events';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildGroup, buildMember, buildTableEntry, encodeGroup, encodeMember, encodeTableEntry, entityKey } from '../../src/p4info/entity.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';
import { wildcardGroups, wildcardMembers, wildcardTable } from '../../src/p4rt/filters.ts';
import type { Update } from '../../src/p4rt/messages.ts';

const P4INFO = path.join(import.meta.dirname, '../../p4/flowops_v1model.p4info.txtpb');
const index = P4InfoIndex.fromFile(P4INFO);
const FLOW = index.table('ingress.flow_classify').id;

let target: RunningTarget;
const clients: P4RuntimeClient[] = [];
function client(electionId: bigint, extra: Partial<ConstructorParameters<typeof P4RuntimeClient>[0]> = {}): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: target.address, deviceId: 1n, electionId, ...extra });
  clients.push(c);
  return c;
}

before(async () => {
  target = await startTarget({ deviceId: 1n });
});
after(async () => {
  for (const c of clients) await c.close();
  await target.stop();
});

const flow = (i: number) =>
  encodeTableEntry(
    buildTableEntry(index, {
      table: 'ingress.flow_classify',
      match: { tenant_id: 1 + (i >>> 12), src_service: (i >>> 6) & 0x3f, dst_service: i & 0x3f, ip_proto: 6, l4_dst_port: 443 },
      action: { name: 'ingress.set_flow', params: { flow_id: 0x10000 + i } },
    }),
  );

test('primary pushes the pipeline once by cookie, then writes 10k entries in batches and reads them back byte-identical', async () => {
  const a = client(10n);
  assert.deepEqual(await a.connect(), { primary: true, primaryElectionId: 10n });
  assert.equal(a.isPrimary, true);
  assert.match(await a.capabilities(), /^\d+\.\d+\.\d+/);

  assert.equal(await a.ensurePipeline({ p4info: index.p4info, cookie: 0xc0ffeen }), 'pushed');
  assert.equal(await a.ensurePipeline({ p4info: index.p4info, cookie: 0xc0ffeen }), 'unchanged');
  const got = await a.getPipeline('P4INFO_AND_COOKIE');
  assert.equal(got.cookie, 0xc0ffeen);
  assert.equal(P4InfoIndex.fromP4Info(got.p4info!).table(FLOW).name, 'ingress.flow_classify');

  const N = 10_000;
  const entities = Array.from({ length: N }, (_, i) => flow(i));
  const progress: number[] = [];
  const res = await a.writeBatches(
    entities.map((entity) => ({ type: 'INSERT', entity })),
    { maxUpdates: 3000, onProgress: (p) => progress.push(p.written) },
  );
  assert.deepEqual(res, { written: N, batches: 4 });
  assert.deepEqual(progress, [3000, 6000, 9000, 10000]);

  const live = await a.read([wildcardTable(FLOW)]);
  assert.equal(live.length, N);
  const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex')).sort();
  assert.deepEqual(hex(live), hex(entities));
  assert.equal(new Set(live.map(entityKey)).size, N);

  // readStream yields the switch's chunks; together they are the same entities.
  let chunks = 0;
  let count = 0;
  for await (const chunk of a.readStream([wildcardTable(FLOW)])) {
    chunks++;
    count += chunk.length;
  }
  assert.equal(count, N);
  assert.ok(chunks >= 1);

  // Delete them again in batches cut by size rather than count.
  const del = await a.writeBatches(
    entities.map((entity) => ({ type: 'DELETE', entity })),
    { maxBytes: 64 * 1024 },
  );
  assert.ok(del.batches > 5, `${del.batches} batches`);
  assert.equal((await a.read([wildcardTable(FLOW)])).length, 0);
});

test('a failing Write reports one outcome per update, and writeBatches the global index', async () => {
  const a = clients[0];
  const e = (i: number) => flow(50_000 + i);
  await a.write([{ type: 'INSERT', entity: e(1) }]);
  const updates: Update[] = [
    { type: 'INSERT', entity: e(0) },
    { type: 'INSERT', entity: e(1) }, // already there
    { type: 'DELETE', entity: e(2) }, // not there
    { type: 'INSERT', entity: e(3) },
  ];
  const err = await a.write(updates).then(
    () => assert.fail('write should fail'),
    (x: unknown) => x,
  );
  assert.ok(err instanceof WriteError, String(err));
  assert.equal(err.code, 'WRITE_FAILED');
  assert.deepEqual(
    err.errors.map((x) => [x.index, x.codeName]),
    [
      [0, 'OK'],
      [1, 'ALREADY_EXISTS'],
      [2, 'NOT_FOUND'],
      [3, 'OK'],
    ],
  );
  assert.deepEqual(err.failed().map((x) => x.index), [1, 2]);
  assert.equal(err.updateIndex, 1);
  // CONTINUE_ON_ERROR: the good ones are on the switch.
  const live = new Set((await a.read([wildcardTable(FLOW)])).map((b) => b.toString('hex')));
  assert.ok(live.has(e(0).toString('hex')) && live.has(e(3).toString('hex')));

  const many: Update[] = Array.from({ length: 25 }, (_, i) => ({ type: 'INSERT' as const, entity: e(100 + i) }));
  many[17] = { type: 'INSERT', entity: e(1) };
  const berr = await a.writeBatches(many, { maxUpdates: 10 }).then(
    () => assert.fail('should fail'),
    (x: unknown) => x,
  );
  assert.ok(berr instanceof WriteError);
  assert.equal(berr.updateIndex, 17);
  assert.equal(berr.data.writtenBefore, 10);
  assert.equal(berr.data.batchStart, 10);
  assert.deepEqual(berr.failed().map((x) => x.index), [17]);
  assert.match(berr.message, /first update 17: ALREADY_EXISTS/);
});

test('action profile members and groups written and read back', async () => {
  const a = clients[0];
  const prof = index.actionProfile('ingress.nf_selector');
  const m1 = encodeMember(buildMember(index, { profile: prof.id, memberId: 1, action: { name: 'ingress.to_nf', params: { port: 3, dmac: '02:00:00:00:00:03' } } }));
  const m2 = encodeMember(buildMember(index, { profile: prof.id, memberId: 2, action: { name: 'ingress.to_nf', params: { port: 4, dmac: '02:00:00:00:00:04' } } }));
  const g = encodeGroup(buildGroup(index, { profile: prof.id, groupId: 7, members: [{ memberId: 2, weight: 2 }, { memberId: 1 }] }));
  await a.write([
    { type: 'INSERT', entity: m1 },
    { type: 'INSERT', entity: m2 },
    { type: 'INSERT', entity: g },
  ]);
  const live = await a.read([wildcardMembers(prof.id), wildcardGroups(prof.id)]);
  assert.deepEqual(live.map((b) => b.toString('hex')).sort(), [m1, m2, g].map((b) => b.toString('hex')).sort());
});

test('arbitration: the lower election id is backup and may not write; primary moves and comes back', async () => {
  const a = clients[0];
  const b = client(5n);
  assert.deepEqual(await b.connect(), { primary: false, primaryElectionId: 10n });
  const refused = await b.write([{ type: 'INSERT', entity: flow(70_000) }]).then(
    () => assert.fail('backup write should be refused'),
    (x: unknown) => x,
  );
  assert.ok(refused instanceof P4RuntimeError, String(refused));
  assert.equal(refused.grpcCode, 7);
  assert.equal(refused.code, 'RPC_PERMISSION_DENIED');
  await assert.rejects(b.setPipeline({ p4info: index.p4info, cookie: 1n }), { code: 'RPC_PERMISSION_DENIED' });

  // A higher id takes over: a hears it is backup now.
  const c = client(20n);
  const demoted = once(a, 'backup');
  assert.equal((await c.connect()).primary, true);
  const [ev] = await demoted;
  assert.deepEqual(ev, { primary: false, primaryElectionId: 20n });
  assert.equal(a.isPrimary, false);
  await assert.rejects(a.write([{ type: 'INSERT', entity: flow(70_001) }]), { code: 'RPC_PERMISSION_DENIED' });

  // It leaves. The switch keeps the highest id it saw (20) and has no primary (spec 5.3);
  // a takes over by arbitrating again above it (21), is primary again and can write.
  const promoted = once(a, 'primary');
  await c.close();
  await promoted;
  assert.equal(a.isPrimary, true);
  assert.equal(a.electionId, 21n);
  await a.write([{ type: 'INSERT', entity: flow(70_002) }]);

  // The same election id twice is refused by the switch: connect rejects.
  const dup = client(21n);
  await assert.rejects(dup.connect(), (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === 3);
});

test('roles are arbitrated apart: a named role has its own primary', async () => {
  const r = client(3n, { role: 'flowops-edge' });
  // Election id 3 is below the default role's primary (10), yet primary of its own role.
  assert.deepEqual(await r.connect(), { primary: true, primaryElectionId: 3n });
  const r2 = client(2n, { role: 'flowops-edge' });
  assert.deepEqual(await r2.connect(), { primary: false, primaryElectionId: 3n });
  await assert.rejects(r2.write([{ type: 'INSERT', entity: flow(80_000) }]), { code: 'RPC_PERMISSION_DENIED' });
});

test('the stream going away is reported once as disconnected', async () => {
  const t2 = await startTarget({ deviceId: 1n });
  try {
    const c = client(1n, { address: t2.address });
    await c.connect();
    const gone = once(c, 'disconnected');
    await t2.stop();
    const [err] = await gone;
    assert.ok(err instanceof P4RuntimeError);
    assert.equal(c.isPrimary, false);
  } finally {
    await t2.stop();
  }
});
