// Read: wildcards, single entries, profiles, direct counters (moved by
// simulated traffic), and chunked responses for a big table.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { Code, protoType } from '../../src/proto/load.ts';
import {
  A_FWD, A_SET, PROFILE, T_BIG, T_EXACT, T_IND, T_LPM,
  TestClient, action, b, decodeEntity, encodeEntity, exact, exactEntry, group, lpm, member, p4infoBytes, tableEntry,
  type Stream,
} from './fixture.ts';

let target: RunningTarget;
let c: TestClient;
let stream: Stream;

before(async () => {
  target = await startTarget({ maxReadChunkBytes: 1024 * 1024 });
  target.state.preload(p4infoBytes());
  c = new TestClient(target.address, 1, 1);
  stream = c.arbitrate();
  await stream.latestCode(1);
});
beforeEach(() => target.state.reset());
after(async () => {
  stream.end();
  c.close();
  await target.stop();
});

const hex = (e: object) => encodeEntity(e).toString('hex');
const hexes = (bs: Buffer[]) => bs.map((x) => x.toString('hex')).sort();

test('wildcards: all tables, one table, one entry; profiles by profile and id', async () => {
  const lpmE = tableEntry(T_LPM, [exact(1, b(7)), lpm(2, b(10, 0, 0, 0), 8)], action(A_FWD, b(1), b(2)));
  const ind = tableEntry(T_IND, [exact(1, b(1))], { action_profile_group_id: 5 });
  await c.writeOk([['INSERT', exactEntry(1, 1)], ['INSERT', exactEntry(2, 2)], ['INSERT', lpmE], ['INSERT', member(1)], ['INSERT', member(2)], ['INSERT', group(5, [[1, 1]])], ['INSERT', ind]]);
  assert.deepEqual(hexes(await c.read([{ table_entry: { table_id: 0 } }])), [exactEntry(1, 1), exactEntry(2, 2), lpmE, ind].map(hex).sort());
  assert.deepEqual(hexes(await c.read([{ table_entry: { table_id: T_EXACT } }])), [exactEntry(1, 1), exactEntry(2, 2)].map(hex).sort());
  // Match given (padded on purpose): that entry only; a missing one reads as nothing.
  assert.deepEqual(hexes(await c.read([{ table_entry: { table_id: T_EXACT, match: [exact(1, b(0, 2)), exact(2, b(2))] } }])), [hex(exactEntry(2, 2))]);
  assert.deepEqual(await c.read([{ table_entry: { table_id: T_EXACT, match: [exact(1, b(3)), exact(2, b(3))] } }]), []);
  assert.deepEqual(hexes(await c.read([{ action_profile_member: {} }])), [member(1), member(2)].map(hex).sort());
  assert.deepEqual(hexes(await c.read([{ action_profile_member: { action_profile_id: PROFILE, member_id: 2 } }])), [hex(member(2))]);
  assert.deepEqual(hexes(await c.read([{ action_profile_group: { action_profile_id: PROFILE } }])), [hex(group(5, [[1, 1]]))]);
  // Several entities in one request; the role field is accepted.
  assert.equal((await c.read([{ table_entry: { table_id: T_LPM } }, { action_profile_group: {} }])).length, 2);
  assert.equal((await c.readRaw([{ table_entry: { table_id: T_EXACT } }], 1, 'observer')).length, 1, 'one message');
  await assert.rejects(c.read([{ table_entry: { table_id: 0x02000999 } }]), { code: Code.NOT_FOUND });
  await assert.rejects(c.readRaw([{ table_entry: { table_id: 0 } }], 7), { code: Code.NOT_FOUND });
});

test('counters move with simulated traffic and are read only when asked for', async () => {
  await c.writeOk([['INSERT', exactEntry(1, 1)], ['INSERT', exactEntry(2, 2)]]);
  assert.equal(target.state.simulateTraffic({ table: T_EXACT, packets: 2, bytes: 200 }), 2);
  assert.equal(target.state.simulateTraffic({ table: 'ingress.t_exact', entity: encodeEntity(exactEntry(1, 1)), packets: 1, bytes: 64 }), 1);
  const withCounters = (await c.read([{ table_entry: { table_id: T_EXACT, counter_data: {} } }])).map(decodeEntity);
  const counts = withCounters.map((e) => [e.table_entry.match[0].exact.value[0], e.table_entry.counter_data.packet_count, e.table_entry.counter_data.byte_count]).sort();
  assert.deepEqual(counts, [[1, '3', '264'], [2, '2', '200']]);
  const plain = (await c.read([{ table_entry: { table_id: T_EXACT } }])).map(decodeEntity);
  assert.ok(plain.every((e) => e.table_entry.counter_data === undefined));
  const direct = (await c.read([{ direct_counter_entry: { table_entry: { table_id: T_EXACT, match: [exact(1, b(1)), exact(2, b(1))] } } }])).map(decodeEntity);
  assert.equal(direct.length, 1);
  assert.equal(direct[0].direct_counter_entry.data.packet_count, '3');
  // Resetting a counter is a MODIFY of the direct counter entry.
  await c.writeOk([['MODIFY', { direct_counter_entry: { table_entry: { table_id: T_EXACT, match: [exact(1, b(1)), exact(2, b(1))] }, data: {} } }]]);
  const all = (await c.read([{ direct_counter_entry: { table_entry: { table_id: 0 } } }])).map(decodeEntity);
  assert.deepEqual(all.map((e) => e.direct_counter_entry.data?.packet_count ?? '0').sort(), ['0', '2']);
  assert.throws(() => target.state.simulateTraffic({ table: T_LPM, packets: 1, bytes: 1 }), /no direct counter/);
});

test('a wildcard read of 100k entries streams in chunks under 4 MB, entries intact', async () => {
  const n = 100_000;
  const Entity = protoType('p4.v1.Entity');
  const updates = [];
  for (let i = 0; i < n; i++) {
    const k = Buffer.alloc(4);
    k.writeUInt32BE(i + 1);
    updates.push({ type: 'INSERT' as const, entity: Buffer.from(Entity.encode(Entity.fromObject(tableEntry(T_BIG, [exact(1, k)], action(A_SET, b(i & 0xff, 1))))).finish()) });
  }
  const res = target.state.tamper(updates);
  assert.ok(res.every((r) => r.code === 0));
  const chunks = await c.readRaw([{ table_entry: { table_id: T_BIG } }]);
  assert.ok(chunks.length > 1, `expected several messages, got ${chunks.length}`);
  assert.ok(chunks.every((m) => m.length < 4 * 1024 * 1024 && m.length <= 1024 * 1024), 'every message under the limits');
  const seen = new Set<string>();
  for (const m of chunks) for (const e of (protoType('p4.v1.ReadResponse').decode(m) as any).entities) seen.add(Buffer.from(e.table_entry.match[0].exact.value).toString('hex'));
  assert.equal(seen.size, n);
  // Canonical: key 1 is stored as the single byte 0x01.
  assert.ok(seen.has('01') && seen.has((n).toString(16).padStart(6, '0').replace(/^00/, '')));
});
