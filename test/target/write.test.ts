// Write validation against the P4Info: one test per rule of the spec, each
// asserting the code of the failing update and the switch's state after.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import grpc from '@grpc/grpc-js';
import { Code, protoType } from '../../src/proto/load.ts';
import {
  A_DEFONLY, A_DROP, A_FWD, A_NOACTION, A_SET, PROFILE, T_CONST, T_EXACT, T_IND, T_LPM, T_TERN,
  TestClient, action, b, decodeEntity, encodeEntity, exact, exactEntry, group, lpm, member, optional, p4infoBytes, range, tableEntry, ternary,
  type Stream, type Update,
} from './fixture.ts';

let target: RunningTarget;
let c: TestClient;
let stream: Stream;

before(async () => {
  target = await startTarget();
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

/** Writes one update and returns the code of its p4.v1.Error (0 when the Write succeeded). */
async function code(u: Update): Promise<number> {
  const r = await c.write([u]);
  if (r.code === 0) return 0;
  assert.equal(r.code, Code.UNKNOWN, `batch error must be UNKNOWN, got ${r.code} ${r.details}`);
  assert.equal(r.errors.length, 1);
  return r.errors[0]!.canonical_code;
}
const entries = (table: string) => target.state.snapshot().tables[table]!;
const lpmEntry = (addr: Buffer, plen: number, act = action(A_FWD, b(1), b(1))) => tableEntry(T_LPM, [exact(1, b(7)), lpm(2, addr, plen)], act);
const ternEntry = (match: object[], priority = 10) => tableEntry(T_TERN, match, action(A_DROP), { priority });

test('padded byte strings are accepted and stored (and read back) in canonical form', async () => {
  const padded = tableEntry(T_EXACT, [exact(2, b(0, 5)), exact(1, b(0, 1))], action(A_SET, b(0, 0, 9)));
  await c.writeOk([['INSERT', padded]]);
  const stored = entries('ingress.t_exact');
  assert.equal(stored.length, 1);
  const shortest = encodeEntity(tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(5))], action(A_SET, b(9)))).toString('hex');
  assert.equal(stored[0], shortest);
  const [read] = await c.read([{ table_entry: { table_id: T_EXACT } }]);
  assert.equal(read!.toString('hex'), shortest);
  // The padded and the shortest spelling are the same entry.
  assert.equal(await code(['INSERT', exactEntry(1, 5, 3)]), Code.ALREADY_EXISTS);
  // Zero is one 0x00 byte.
  await c.writeOk([['INSERT', tableEntry(T_EXACT, [exact(1, b(0, 0)), exact(2, b(0))], action(A_SET, b(0, 0)))]]);
  assert.ok(entries('ingress.t_exact').includes(encodeEntity(tableEntry(T_EXACT, [exact(1, b(0)), exact(2, b(0))], action(A_SET, b(0)))).toString('hex')));
});

test('values wider than the bit width, or empty, are OUT_OF_RANGE', async () => {
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(2, 0)), exact(2, b(1))], action(A_SET, b(1)))]), Code.OUT_OF_RANGE, '9-bit field given 512');
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b()), exact(2, b(1))], action(A_SET, b(1)))]), Code.OUT_OF_RANGE, 'empty value');
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(A_SET, b(1, 0, 0)))]), Code.OUT_OF_RANGE, 'param 16 bits given 17+');
  assert.deepEqual(entries('ingress.t_exact'), []);
});

test('unknown table or profile ids are NOT_FOUND; unknown field, action and param ids are INVALID_ARGUMENT', async () => {
  assert.equal(await code(['INSERT', tableEntry(0x02000999, [exact(1, b(1))], action(A_SET, b(1)))]), Code.NOT_FOUND);
  assert.equal(await code(['INSERT', { action_profile_member: { action_profile_id: 0x11000999, member_id: 1, action: action(A_FWD, b(1), b(1)).action } }]), Code.NOT_FOUND);
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1)), exact(3, b(1))], action(A_SET, b(1)))]), Code.INVALID_ARGUMENT);
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(0x01000999))]), Code.INVALID_ARGUMENT);
  const extraParam = { action: { action_id: A_SET, params: [{ param_id: 1, value: b(1) }, { param_id: 2, value: b(1) }] } };
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], extraParam)]), Code.INVALID_ARGUMENT);
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(A_SET))]), Code.INVALID_ARGUMENT, 'missing param');
});

test('match kind must be the field\'s, exact fields must be present', async () => {
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [lpm(1, b(1), 9), exact(2, b(1))], action(A_SET, b(1)))]), Code.INVALID_ARGUMENT);
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1))], action(A_SET, b(1)))]), Code.INVALID_ARGUMENT, 'vlan missing');
});

test('LPM: prefix within the width, no bits past the prefix, /0 must be omitted', async () => {
  await c.writeOk([['INSERT', lpmEntry(b(10, 1, 0, 0), 16)]]);
  assert.equal(await code(['INSERT', lpmEntry(b(10, 1, 0, 1), 16)]), Code.INVALID_ARGUMENT, 'host bits set');
  assert.equal(await code(['INSERT', lpmEntry(b(10, 0, 0, 0), 33)]), Code.INVALID_ARGUMENT, 'prefix > width');
  assert.equal(await code(['INSERT', lpmEntry(b(0), 0)]), Code.INVALID_ARGUMENT, '/0 is a don\'t care');
  // Omitting the LPM field entirely is the default route.
  await c.writeOk([['INSERT', tableEntry(T_LPM, [exact(1, b(7))], action(A_FWD, b(1), b(1)))]]);
  assert.equal(entries('ingress.t_lpm').length, 2);
});

test('ternary bits outside the mask, zero masks, bad ranges and priorities are INVALID_ARGUMENT', async () => {
  await c.writeOk([['INSERT', ternEntry([ternary(1, b(6), b(0xff)), range(2, b(0), b(80)), optional(3, b(1))])]]);
  assert.equal(await code(['INSERT', ternEntry([ternary(1, b(7), b(6))])]), Code.INVALID_ARGUMENT, 'value outside mask');
  assert.equal(await code(['INSERT', ternEntry([ternary(1, b(0), b(0))])]), Code.INVALID_ARGUMENT, 'all don\'t-care mask');
  assert.equal(await code(['INSERT', ternEntry([range(2, b(90), b(80))])]), Code.INVALID_ARGUMENT, 'low > high');
  assert.equal(await code(['INSERT', ternEntry([range(2, b(0), b(0xff, 0xff))])]), Code.INVALID_ARGUMENT, 'full range');
  assert.equal(await code(['INSERT', ternEntry([ternary(1, b(17), b(0xff))], 0)]), Code.INVALID_ARGUMENT, 'priority 0 on a ternary table');
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(A_SET, b(1)), { priority: 5 })]), Code.INVALID_ARGUMENT, 'priority on an exact table');
  // Same match, other priority: another entry.
  await c.writeOk([['INSERT', ternEntry([ternary(1, b(6), b(0xff)), range(2, b(0), b(80)), optional(3, b(1))], 11)]]);
  assert.equal(entries('ingress.t_tern').length, 2);
});

test('actions: must be in the table\'s refs, not default-only on entries, params all present', async () => {
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(A_FWD, b(1), b(1)))]), Code.INVALID_ARGUMENT, 'not in refs');
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(A_DEFONLY))]), Code.INVALID_ARGUMENT, 'default-only');
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))])]), Code.INVALID_ARGUMENT, 'no action');
  assert.equal(await code(['INSERT', tableEntry(T_EXACT, [exact(1, b(1)), exact(2, b(1))], { action_profile_member_id: 1 })]), Code.INVALID_ARGUMENT, 'member on a direct table');
});

test('INSERT of an existing key is ALREADY_EXISTS, MODIFY/DELETE of a missing one NOT_FOUND, a full table RESOURCE_EXHAUSTED', async () => {
  await c.writeOk([['INSERT', exactEntry(1, 1)]]);
  assert.equal(await code(['INSERT', exactEntry(1, 1, 2)]), Code.ALREADY_EXISTS);
  assert.equal(await code(['MODIFY', exactEntry(2, 2)]), Code.NOT_FOUND);
  assert.equal(await code(['DELETE', exactEntry(2, 2)]), Code.NOT_FOUND);
  await c.writeOk([['MODIFY', exactEntry(1, 1, 7)]]);
  assert.deepEqual(entries('ingress.t_exact'), [encodeEntity(exactEntry(1, 1, 7)).toString('hex')]);
  await c.writeOk([['INSERT', exactEntry(2, 1)], ['INSERT', exactEntry(3, 1)], ['INSERT', exactEntry(4, 1)]]);
  assert.equal(await code(['INSERT', exactEntry(5, 1)]), Code.RESOURCE_EXHAUSTED, 'size 4');
  await c.writeOk([['DELETE', exactEntry(4, 1)]]);
  assert.equal(entries('ingress.t_exact').length, 3);
});

test('per-update errors come back in request order, valid updates applied (CONTINUE_ON_ERROR)', async () => {
  const r = await c.write([
    ['INSERT', exactEntry(1, 1)],
    ['INSERT', exactEntry(1, 1)],
    ['DELETE', exactEntry(9, 9)],
    ['INSERT', exactEntry(2, 2)],
    ['INSERT', tableEntry(0x02000999, [])],
  ]);
  assert.equal(r.code, Code.UNKNOWN);
  assert.deepEqual(r.errors.map((e) => e.canonical_code), [Code.OK, Code.ALREADY_EXISTS, Code.NOT_FOUND, Code.OK, Code.NOT_FOUND]);
  assert.match(r.errors[1]!.message, /already exists/);
  assert.deepEqual(entries('ingress.t_exact').sort(), [exactEntry(1, 1), exactEntry(2, 2)].map((e) => encodeEntity(e).toString('hex')).sort());
});

for (const atomicity of ['ROLLBACK_ON_ERROR', 'DATAPLANE_ATOMIC']) {
  test(`${atomicity} leaves the tables unchanged when one update fails`, async () => {
    await c.writeOk([['INSERT', exactEntry(1, 1)], ['INSERT', member(1)]]);
    const before = target.state.snapshot();
    const r = await c.write(
      [['MODIFY', exactEntry(1, 1, 9)], ['INSERT', exactEntry(2, 2)], ['DELETE', member(1)], ['INSERT', member(2)], ['INSERT', tableEntry(T_IND, [exact(1, b(1))], { action_profile_member_id: 2 })], ['INSERT', exactEntry(2, 2)]],
      { atomicity },
    );
    assert.equal(r.code, Code.UNKNOWN);
    assert.match(r.details, new RegExp(`${atomicity}.*nothing was applied`));
    assert.deepEqual(r.errors.map((e) => e.canonical_code), [Code.ABORTED, Code.ABORTED, Code.ABORTED, Code.ABORTED, Code.ABORTED, Code.ALREADY_EXISTS]);
    assert.deepEqual(target.state.snapshot(), before);
    // Reference counts were rolled back too: member 1 can go now, member 2 never existed.
    assert.equal(await code(['DELETE', member(1)]), 0);
    assert.equal(await code(['DELETE', member(2)]), Code.NOT_FOUND);
  });
}

test('default entry: only MODIFY, scopes respected, const default refused, reset with no action, readable', async () => {
  const def = (act?: object) => tableEntry(T_EXACT, [], act, { is_default_action: true });
  assert.equal(await code(['INSERT', def(action(A_DROP))]), Code.INVALID_ARGUMENT);
  assert.equal(await code(['DELETE', def()]), Code.INVALID_ARGUMENT);
  const initial = (await c.read([{ table_entry: { table_id: T_EXACT, is_default_action: true } }]))[0]!;
  assert.deepEqual(decodeEntity(initial).table_entry.action.action.action_id, A_DEFONLY, 'starts with the default-only parameterless action');
  await c.writeOk([['MODIFY', def(action(A_SET, b(0, 3)))]]);
  const [now] = await c.read([{ table_entry: { table_id: T_EXACT, is_default_action: true } }]);
  assert.equal(now!.toString('hex'), encodeEntity(def(action(A_SET, b(3)))).toString('hex'));
  assert.equal(await code(['MODIFY', tableEntry(T_LPM, [], action(A_SET, b(1)), { is_default_action: true })]), Code.INVALID_ARGUMENT, 'table-only action as default');
  assert.equal(await code(['MODIFY', tableEntry(T_CONST, [], action(A_DROP), { is_default_action: true })]), Code.PERMISSION_DENIED, 'const default');
  await c.writeOk([['MODIFY', def()]]);
  assert.equal((await c.read([{ table_entry: { table_id: T_EXACT, is_default_action: true } }]))[0]!.toString('hex'), initial.toString('hex'));
  // A wildcard read does not return default entries.
  assert.deepEqual(await c.read([{ table_entry: { table_id: 0 } }]), []);
  // The table with NoAction starts with it.
  const [lpmDefault] = await c.read([{ table_entry: { table_id: T_LPM, is_default_action: true } }]);
  assert.equal(decodeEntity(lpmDefault!).table_entry.action.action.action_id, A_NOACTION);
});

test('action profiles: members and groups must exist, are referenced and then undeletable', async () => {
  assert.equal(await code(['INSERT', tableEntry(T_IND, [exact(1, b(1))], { action_profile_member_id: 1 })]), Code.NOT_FOUND, 'member missing');
  assert.equal(await code(['INSERT', tableEntry(T_IND, [exact(1, b(1))], action(A_FWD, b(1), b(1)))]), Code.INVALID_ARGUMENT, 'action on indirect table');
  await c.writeOk([['INSERT', member(1)], ['INSERT', member(2)], ['INSERT', group(10, [[1, 1], [2, 2]])]]);
  assert.equal(await code(['INSERT', group(11, [[1, 1], [3, 1]])]), Code.NOT_FOUND, 'group member missing');
  assert.equal(await code(['INSERT', group(11, [[1, 0]])]), Code.INVALID_ARGUMENT, 'weight 0');
  assert.equal(await code(['INSERT', group(11, [[1, 3], [2, 2]])]), Code.RESOURCE_EXHAUSTED, 'sum of weights 5 > max_group_size 4');
  assert.equal(await code(['INSERT', group(11, [[1, 1]], 5)]), Code.INVALID_ARGUMENT, 'max_size > max_group_size');
  assert.equal(await code(['DELETE', member(1)]), Code.FAILED_PRECONDITION, 'member in a group');
  await c.writeOk([['INSERT', tableEntry(T_IND, [exact(1, b(1))], { action_profile_group_id: 10 })], ['INSERT', tableEntry(T_IND, [exact(1, b(2))], { action_profile_member_id: 2 })]]);
  assert.equal(await code(['DELETE', group(10, [])]), Code.FAILED_PRECONDITION, 'group used by an entry');
  await c.writeOk([['DELETE', tableEntry(T_IND, [exact(1, b(1))])], ['DELETE', group(10, [])]]);
  assert.equal(await code(['DELETE', member(1)]), 0);
  assert.equal(await code(['DELETE', member(2)]), Code.FAILED_PRECONDITION, 'member used by an entry');
  assert.equal(await code(['INSERT', { action_profile_member: { action_profile_id: PROFILE, member_id: 3, action: action(A_SET, b(1)).action } }]), Code.INVALID_ARGUMENT, 'action not of the profile\'s tables');
  const snap = target.state.snapshot();
  assert.equal(snap.members['ingress.sel']!.length, 1);
  assert.deepEqual(snap.groups['ingress.sel'], []);
});

test('meter_config and counter_data only on tables with the direct resource', async () => {
  const withMeter = (t: number, m: object[], a: object) => tableEntry(t, m, a, { meter_config: { cir: 100, cburst: 10, pir: 200, pburst: 20 } });
  await c.writeOk([['INSERT', withMeter(T_EXACT, [exact(1, b(1)), exact(2, b(1))], action(A_SET, b(1)))]]);
  assert.equal(await code(['INSERT', withMeter(T_LPM, [exact(1, b(7))], action(A_FWD, b(1), b(1)))]), Code.INVALID_ARGUMENT);
  assert.equal(await code(['INSERT', tableEntry(T_LPM, [exact(1, b(7))], action(A_FWD, b(1), b(1)), { counter_data: { packet_count: 1 } })]), Code.INVALID_ARGUMENT);
  const [e] = await c.read([{ table_entry: { table_id: T_EXACT, meter_config: {} } }]);
  assert.equal(decodeEntity(e!).table_entry.meter_config.pir, '200');
  const [plain] = await c.read([{ table_entry: { table_id: T_EXACT } }]);
  assert.equal(decodeEntity(plain!).table_entry.meter_config, undefined, 'only when requested');
});

test('failUpdate makes the Nth update from now fail with the given code', async () => {
  target.state.failUpdate({ nth: 2, code: 'RESOURCE_EXHAUSTED', message: 'simulated TCAM full' });
  const r = await c.write([['INSERT', exactEntry(1, 1)], ['INSERT', exactEntry(2, 2)], ['INSERT', exactEntry(3, 3)]]);
  assert.deepEqual(r.errors.map((e) => [e.canonical_code, e.message]), [[0, ''], [Code.RESOURCE_EXHAUSTED, 'simulated TCAM full'], [0, '']]);
  assert.equal(entries('ingress.t_exact').length, 2);
});

test('tamper writes bypassing arbitration and is visible to reads', async () => {
  const res = target.state.tamper([{ type: 'INSERT', entity: encodeEntity(exactEntry(3, 3)).toString('hex') }, { type: 'DELETE', entity: encodeEntity(exactEntry(4, 4)) }]);
  assert.deepEqual(res.map((r) => r.code), [0, Code.NOT_FOUND]);
  assert.equal(target.state.tamper([{ type: 'INSERT', entity: 'ffff' }])[0]!.code, Code.INVALID_ARGUMENT, 'garbage bytes');
  assert.equal((await c.read([{ table_entry: { table_id: T_EXACT } }])).length, 1);
});

test('direct meter entries are modified in place; unsupported entities are UNIMPLEMENTED', async () => {
  await c.writeOk([['INSERT', exactEntry(1, 1)]]);
  const key = { table_id: T_EXACT, match: [exact(1, b(1)), exact(2, b(1))] };
  await c.writeOk([['MODIFY', { direct_meter_entry: { table_entry: key, config: { cir: 1, cburst: 2, pir: 3, pburst: 4 } } }]]);
  const [m] = await c.read([{ direct_meter_entry: { table_entry: { table_id: T_EXACT } } }]);
  assert.equal(decodeEntity(m!).direct_meter_entry.config.pburst, '4');
  assert.equal(await code(['INSERT', { direct_meter_entry: { table_entry: key, config: { cir: 1 } } }]), Code.INVALID_ARGUMENT, 'meters exist with their entry');
  assert.equal(await code(['MODIFY', { direct_meter_entry: { table_entry: { ...key, match: [exact(1, b(2)), exact(2, b(2))] }, config: { cir: 1 } } }]), Code.NOT_FOUND);
  assert.equal(await code(['INSERT', { register_entry: { register_id: 1 } }]), Code.UNIMPLEMENTED);
  assert.equal(await code(['INSERT', {}]), Code.INVALID_ARGUMENT, 'no entity');
});

test('a WriteRequest that does not decode is INTERNAL for the whole RPC and changes nothing', async () => {
  const T = protoType('p4.v1.WriteRequest');
  const full = Buffer.from(T.encode(T.fromObject({
    device_id: 1, election_id: { high: 0, low: 1 }, atomicity: 'CONTINUE_ON_ERROR',
    updates: [{ type: 'INSERT', entity: exactEntry(1, 1) }, { type: 'INSERT', entity: exactEntry(2, 2) }],
  })).finish());
  const truncated = full.subarray(0, full.length - 3);
  const err = await new Promise<grpc.ServiceError | null>((resolve) =>
    c.client.makeUnaryRequest('/p4.v1.P4Runtime/Write', (b: Buffer) => b, (b: Buffer) => b, truncated, (e) => resolve(e)),
  );
  assert.equal(err?.code, Code.INTERNAL);
  assert.deepEqual(entries('ingress.t_exact'), [], 'the update before the broken one was not applied');
});
