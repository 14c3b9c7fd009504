// Client-side handling of targets that lack optional features, against the
// bundled target in each quirk mode: Capabilities probing, refusing a role
// on a 1.3 switch, recognising UNIMPLEMENTED, and MODIFY rewritten as
// DELETE + INSERT pairs that converge the switch to the same state.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildMember, buildTableEntry, encodeMember, encodeTableEntry } from '../../src/p4info/entity.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';
import { wildcardTable } from '../../src/p4rt/filters.ts';
import { splitBatches } from '../../src/p4rt/batches.ts';
import type { Update } from '../../src/p4rt/messages.ts';
import { Code, codeName, protoType } from '../../src/proto/load.ts';
import { modifyFallbackSession, type WritableSession } from '../../src/p4rt/modify-fallback.ts';
import {
  RoleUnsupportedError, assertRoleSupported, fallbackWithoutModify, isUnimplemented, keepPairsTogether,
  parseApiVersion, probeCapabilities, supportsRoleNames, unimplementedUpdates,
} from '../../src/p4rt/capabilities.ts';

const P4INFO = path.join(import.meta.dirname, '../../p4/flowops_v1model.p4info.txtpb');
const index = P4InfoIndex.fromFile(P4INFO);
const FLOW = index.table('ingress.flow_classify').id;
const SELECTOR = index.actionProfile('ingress.nf_selector').id;

const targets: RunningTarget[] = [];
const clients: P4RuntimeClient[] = [];
after(async () => {
  for (const c of clients) await c.close();
  for (const t of targets) await t.stop();
});

/** The client as a session whose Write resolves to its outcome (what modifyFallbackSession wraps). */
const outcomes = (c: P4RuntimeClient): WritableSession => ({ write: (u, o) => c.writeOutcome(u, o) });

async function connected(...quirks: string[]): Promise<{ t: RunningTarget; c: P4RuntimeClient }> {
  const t = await startTarget({ p4infoFile: P4INFO, quirks });
  targets.push(t);
  const c = new P4RuntimeClient({ address: t.address, deviceId: 1n, electionId: 1n });
  clients.push(c);
  await c.connect();
  return { t, c };
}

const flow = (port: number, flowId: number) => encodeTableEntry(buildTableEntry(index, {
  table: 'ingress.flow_classify',
  match: { tenant_id: 1, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: port },
  action: { name: 'ingress.set_flow', params: { flow_id: flowId } },
}));
const Entity = protoType('p4.v1.Entity');
const defaultEntry = () => Buffer.from(Entity.encode(Entity.fromObject({
  table_entry: { table_id: index.table('ingress.tenant_route_v4').id, action: { action: { action_id: index.action('ingress.drop').id } }, is_default_action: true },
})).finish());
const member = (id: number, port: number) => encodeMember(buildMember(index, { profile: SELECTOR, memberId: id, action: { name: 'ingress.to_nf', params: { port, dmac: '02:00:00:00:00:03' } } }));
const hex = (bs: Buffer[]) => bs.map((x) => x.toString('hex')).sort();
const failure = (p: Promise<unknown>) => p.then(() => assert.fail('expected the write to fail'), (e: unknown) => e);

test('probeCapabilities reads the API version; role names need 1.4', async () => {
  const modern = await connected();
  assert.deepEqual(await probeCapabilities(modern.c), { apiVersion: '1.4.0', roleNames: true });
  const old = await connected('api-1.3');
  const caps = await probeCapabilities(old.c);
  assert.deepEqual(caps, { apiVersion: '1.3.0', roleNames: false });
  assert.throws(() => assertRoleSupported(caps, 'flowops', old.t.address), (e: unknown) =>
    e instanceof RoleUnsupportedError && e.code === 'ROLE_UNSUPPORTED' && /speaks P4Runtime 1\.3\.0; role names need 1\.4 or later, so role 'flowops'/.test(e.message));
  assertRoleSupported(caps, undefined);
  assertRoleSupported({ apiVersion: '1.4.1', roleNames: true }, 'flowops');
  // A switch without Capabilities knows no optional feature; other failures are not hidden.
  assert.deepEqual(await probeCapabilities({ capabilities: async () => { throw new P4RuntimeError('Capabilities', 12, 'no'); } }), { apiVersion: '', roleNames: false });
  await assert.rejects(probeCapabilities({ capabilities: async () => { throw new P4RuntimeError('Capabilities', 14, 'down'); } }), /UNAVAILABLE/);
  assert.deepEqual(parseApiVersion('1.3.0-rc.2'), [1, 3, 0]);
  assert.deepEqual(parseApiVersion('v2.0'), [2, 0, 0]);
  assert.equal(parseApiVersion('banana'), undefined);
  assert.equal(supportsRoleNames('1.10.0'), true);
  assert.equal(supportsRoleNames(''), false);
});

test('isUnimplemented tells a missing feature from a real failure', async () => {
  const { c } = await connected('no-atomic', 'no-modify');
  const atomic = await failure(c.write([{ type: 'INSERT', entity: flow(1, 1) }], { atomicity: 'ROLLBACK_ON_ERROR' }));
  assert.ok(atomic instanceof P4RuntimeError);
  assert.equal(isUnimplemented(atomic), true);
  await c.write([{ type: 'INSERT', entity: flow(1, 1) }]);
  const modify = await failure(c.write([{ type: 'INSERT', entity: flow(2, 2) }, { type: 'MODIFY', entity: flow(1, 9) }]));
  assert.ok(modify instanceof WriteError);
  assert.equal(isUnimplemented(modify), true);
  assert.deepEqual(unimplementedUpdates(modify), [1]);
  const dup = await failure(c.write([{ type: 'INSERT', entity: flow(1, 1) }, { type: 'MODIFY', entity: flow(1, 9) }]));
  assert.ok(dup instanceof WriteError);
  assert.equal(isUnimplemented(dup), false, 'ALREADY_EXISTS is a real failure, whatever else failed with it');
  assert.equal(isUnimplemented(new Error('x')), false);
});

test('fallbackWithoutModify: table entries become adjacent DELETE + INSERT pairs; what cannot be is kept and said why', () => {
  const updates: Update[] = [
    { type: 'INSERT', entity: member(1, 3) },
    { type: 'MODIFY', entity: flow(1, 7) },
    { type: 'MODIFY', entity: member(2, 4) },
    { type: 'MODIFY', entity: defaultEntry() },
    { type: 'MODIFY', entity: flow(2, 8) },
    { type: 'DELETE', entity: flow(3, 3) },
  ];
  const fb = fallbackWithoutModify(updates);
  assert.deepEqual(fb.updates.map((u) => u.type), ['INSERT', 'DELETE', 'INSERT', 'MODIFY', 'MODIFY', 'DELETE', 'INSERT', 'DELETE']);
  assert.deepEqual(fb.origin, [0, 1, 1, 2, 3, 4, 4, 5]);
  assert.deepEqual(fb.pairs, [1, 5]);
  assert.equal(fb.updates[1]!.entity, updates[1]!.entity);
  assert.deepEqual(fb.kept.map((k) => k.index), [2, 3]);
  assert.match(fb.kept[0]!.reason, /member or group cannot be deleted while it is referenced/);
  assert.match(fb.kept[1]!.reason, /default entry can only be modified/);

  // A batch boundary never falls inside a pair.
  assert.deepEqual(keepPairsTogether([[0, 2], [2, 4], [4, 6], [6, 8]], fb.pairs), [[0, 3], [3, 4], [4, 7], [7, 8]]);
  assert.deepEqual(keepPairsTogether([[0, 2], [2, 3], [3, 8]], [1]), [[0, 3], [3, 8]]);
  assert.deepEqual(keepPairsTogether(splitBatches(fb.updates, 100), fb.pairs), [[0, 8]]);
});

test('on a no-modify switch, the fallback converges the table to what MODIFY would have written', async () => {
  const reference = await connected();
  const quirky = await connected('no-modify');
  const initial: Update[] = Array.from({ length: 20 }, (_, i) => ({ type: 'INSERT', entity: flow(100 + i, i + 1) }));
  const change: Update[] = [
    ...Array.from({ length: 10 }, (_, i): Update => ({ type: 'MODIFY', entity: flow(100 + i, 500 + i) })),
    { type: 'INSERT', entity: flow(999, 999) },
    { type: 'DELETE', entity: flow(119, 20) },
  ];
  for (const { c } of [reference, quirky]) await c.writeBatches(initial);
  await reference.c.writeBatches(change);

  const refused = await failure(quirky.c.writeBatches(change));
  assert.equal(isUnimplemented(refused), true);
  // CONTINUE_ON_ERROR applied the rest of the batch; the fallback re-sends only what was refused.
  assert.ok(refused instanceof WriteError);
  const retry = fallbackWithoutModify(unimplementedUpdates(refused).map((i) => change[i]!));
  assert.equal(retry.kept.length, 0);
  const ranges = keepPairsTogether(splitBatches(retry.updates, 7), retry.pairs);
  for (const [from, to] of ranges) await quirky.c.write(retry.updates.slice(from, to));

  const want = hex(await reference.c.read([wildcardTable(FLOW)]));
  assert.equal(want.length, 20);
  assert.deepEqual(hex(await quirky.c.read([wildcardTable(FLOW)])), want);
  assert.deepEqual(quirky.t.state.snapshot().tables['ingress.flow_classify'], reference.t.state.snapshot().tables['ingress.flow_classify']);
});

test('modifyFallbackSession learns that MODIFY is missing, converts from then on, and maps errors back to the caller\'s updates', async () => {
  const reference = await connected();
  const quirky = await connected('no-modify');
  const initial: Update[] = Array.from({ length: 6 }, (_, i) => ({ type: 'INSERT', entity: flow(200 + i, i + 1) }));
  for (const { c } of [reference, quirky]) await c.write(initial);
  const session = modifyFallbackSession(outcomes(quirky.c));
  const round = async (updates: Update[], atomicity?: 'ROLLBACK_ON_ERROR') => {
    await reference.c.write(updates, atomicity ? { atomicity } : {});
    assert.deepEqual(await session.write(updates, atomicity ? { atomicity } : undefined), { ok: true });
    assert.deepEqual(hex(await quirky.c.read([wildcardTable(FLOW)])), hex(await reference.c.read([wildcardTable(FLOW)])));
  };
  await round([{ type: 'MODIFY', entity: flow(200, 50) }, { type: 'INSERT', entity: flow(299, 99) }, { type: 'MODIFY', entity: flow(201, 51) }]);
  assert.equal(session.modifyUnsupported, true);
  await round([{ type: 'MODIFY', entity: flow(202, 52) }, { type: 'DELETE', entity: flow(203, 4) }]);

  // A MODIFY whose new action the switch refuses: the DELETE applied, the INSERT did not, and the caller is told so on its update 1.
  const bad: any = Entity.decode(flow(204, 54));
  bad.table_entry.action.action.action_id = index.action('ingress.forward').id;
  const err = await session.write([{ type: 'MODIFY', entity: flow(205, 55) }, { type: 'MODIFY', entity: Buffer.from(Entity.encode(bad).finish()) }]);
  assert.ok(!err.ok && err.kind === 'per-update', JSON.stringify(err));
  assert.deepEqual(err.updates.map((e) => codeName(e.code)), ['OK', 'INVALID_ARGUMENT']);
  assert.match(err.updates[1]!.message, /the DELETE applied, the INSERT failed \(the entry is missing\)/);
  await reference.c.write([{ type: 'MODIFY', entity: flow(205, 55) }, { type: 'DELETE', entity: flow(204, 5) }]);
  assert.deepEqual(hex(await quirky.c.read([wildcardTable(FLOW)])), hex(await reference.c.read([wildcardTable(FLOW)])));

  // A MODIFY of an entry that is gone (drift) ends where MODIFY meant it to: the entry exists with the new action.
  assert.deepEqual(await session.write([{ type: 'MODIFY', entity: flow(204, 54) }]), { ok: true });
  await reference.c.write([{ type: 'INSERT', entity: flow(204, 54) }]);
  assert.deepEqual(hex(await quirky.c.read([wildcardTable(FLOW)])), hex(await reference.c.read([wildcardTable(FLOW)])));

  // Learning under ROLLBACK_ON_ERROR: the first attempt was rolled back whole, so the whole batch is sent again.
  const fresh = modifyFallbackSession(outcomes(quirky.c));
  await reference.c.write([{ type: 'INSERT', entity: flow(300, 3) }, { type: 'MODIFY', entity: flow(205, 56) }], { atomicity: 'ROLLBACK_ON_ERROR' });
  assert.deepEqual(await fresh.write([{ type: 'INSERT', entity: flow(300, 3) }, { type: 'MODIFY', entity: flow(205, 56) }], { atomicity: 'ROLLBACK_ON_ERROR' }), { ok: true });
  assert.equal(fresh.modifyUnsupported, true);
  assert.deepEqual(hex(await quirky.c.read([wildcardTable(FLOW)])), hex(await reference.c.read([wildcardTable(FLOW)])));

  // Other failures are not mistaken for a missing MODIFY.
  const other = modifyFallbackSession(outcomes(quirky.c));
  const dup = await other.write([{ type: 'INSERT', entity: flow(300, 3) }]);
  assert.ok(!dup.ok && dup.kind === 'per-update' && dup.updates[0]!.code === Code.ALREADY_EXISTS, JSON.stringify(dup));
  assert.equal(other.modifyUnsupported, false);
});
