// Each kind of WriteOutcome from the real bundled target over real gRPC
// sockets — ok, per-update, rpc, lost (a switch that dies mid-Write) — and
// what apply and the reconciler make of a switch that dies mid-apply. Every
// test starts its own target: a crashed one is gone for good.
// (An apply whose controller loses primary mid-way shows rpc ≠ lost.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildTableEntry, encodeTableEntry, entityKey } from '../../src/p4info/entity.ts';
import { EntriesBuilder } from '../../src/compile/entries.ts';
import type { DesiredState } from '../../src/compile/types.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';
import type { Update } from '../../src/p4rt/messages.ts';
import { Code } from '../../src/proto/load.ts';
import { applyPlan } from '../../src/apply/apply.ts';
import type { EntityRpc } from '../../src/apply/session.ts';
import { plan } from '../../src/diff/plan.ts';
import { p4rtSwitchFactory } from '../../src/reconcile/p4rt-switch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { Bench, P4INFO, RecordingReporter, entityCount } from '../helpers/reconcile-env.ts';

const index = P4InfoIndex.fromFile(P4INFO);
const FLOW = 'ingress.flow_classify';

const targets: RunningTarget[] = [];
const clients: P4RuntimeClient[] = [];
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const t of targets) await t.stop().catch(() => {});
});

async function primary(electionId = 10n): Promise<{ t: RunningTarget; c: P4RuntimeClient }> {
  const t = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
  targets.push(t);
  const c = await connected(t, electionId);
  return { t, c };
}

async function connected(t: RunningTarget, electionId: bigint): Promise<P4RuntimeClient> {
  const c = new P4RuntimeClient({ address: t.address, deviceId: 1n, electionId });
  clients.push(c);
  await c.connect();
  return c;
}

const flow = (i: number): Buffer =>
  encodeTableEntry(buildTableEntry(index, {
    table: FLOW,
    match: { tenant_id: 1, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 1000 + i },
    action: { name: 'ingress.set_flow', params: { flow_id: 0x100 + i } },
  }));
const inserts = (from: number, n: number): Update[] => Array.from({ length: n }, (_, i) => ({ type: 'INSERT', entity: flow(from + i) }));
const held = (t: RunningTarget) => t.state.snapshot().tables[FLOW] ?? [];
/** What grpc-js reports for a connection cut mid-call: UNAVAILABLE, or CANCELLED when the server tore the stream down. */
const LOST: number[] = [Code.UNAVAILABLE, Code.CANCELLED];
const hex = (u: Update[]) => u.map((x) => x.entity.toString('hex')).sort();

test('ok: every update applied', async () => {
  const { t, c } = await primary();
  const u = inserts(0, 3);
  assert.deepEqual(await c.writeOutcome(u), { ok: true });
  assert.deepEqual(held(t), hex(u));
});

test('per-update: one outcome per update in request order; exactly the OK ones are on the switch', async () => {
  const { t, c } = await primary();
  await c.writeOutcome(inserts(1, 1));
  const u = [...inserts(0, 1), ...inserts(1, 1), ...inserts(2, 1)];
  const o = await c.writeOutcome(u);
  assert.ok(!o.ok && o.kind === 'per-update', JSON.stringify(o));
  assert.deepEqual(o.updates.map((x) => x.code), [Code.OK, Code.ALREADY_EXISTS, Code.OK]);
  assert.deepEqual(held(t), hex(u));
  // The throwing form is built from the same outcome, with the update index.
  const err = await c.write(inserts(2, 1)).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof WriteError && err.updateIndex === 0 && err.errors[0]!.code === Code.ALREADY_EXISTS, String(err));
});

test('rpc: a backup\'s Write is refused as a whole (PERMISSION_DENIED), nothing applied', async () => {
  const { t } = await primary(20n);
  const backup = await connected(t, 5n);
  assert.equal(backup.isPrimary, false);
  const o = await backup.writeOutcome(inserts(0, 2));
  assert.deepEqual(o.ok ? o : { kind: o.kind, code: 'code' in o ? o.code : undefined }, { kind: 'rpc', code: Code.PERMISSION_DENIED });
  assert.deepEqual(held(t), []);
  await assert.rejects(backup.write(inserts(0, 1)), (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === Code.PERMISSION_DENIED);
});

test('lost: a switch that dies mid-Write leaves the Write unanswered; the updates before the crash are on it', async () => {
  const { t, c } = await primary();
  const disconnected = new Promise<Error>((resolve) => c.once('disconnected', resolve));
  t.state.crashAtUpdate({ nth: 3 });
  const u = inserts(0, 5);
  const o = await c.writeOutcome(u);
  assert.ok(!o.ok && o.kind === 'lost', JSON.stringify(o));
  assert.ok(LOST.includes(o.code), `code ${o.code}`);
  assert.deepEqual(held(t), hex(u.slice(0, 2)), 'the first two updates landed before the crash');
  assert.ok((await disconnected) instanceof Error, 'the stream reports the switch gone');
  // The next Write finds nobody there: lost again, not a guess from its words.
  const next = await c.writeOutcome(inserts(10, 1));
  assert.ok(!next.ok && next.kind === 'lost', JSON.stringify(next));
});

test('apply on a switch that dies mid-apply: failed at the crashing update, connection lost, left at unknown', async () => {
  const { t } = await primary();
  const sw = await p4rtSwitchFactory()({ name: 'leaf1', address: t.address, deviceId: 1, electionId: 50, insecure: true }, silentLogger);
  after(() => sw.close());
  const eb = new EntriesBuilder();
  for (const u of inserts(0, 8)) eb.push({ kind: 'table_entry', table: FLOW, key: entityKey(u.entity), bytes: u.entity }, { kind: 'flow', name: 'f', file: 'f.yaml', line: 1 });
  const state: DesiredState = { target: 'leaf1', entries: eb.seal(true), managedTableIds: [index.table(FLOW).id], managedProfileIds: [] };
  t.state.crashAtUpdate({ nth: 6 });
  const r = await applyPlan(sw, plan(state, [], { index }), { limits: { size: 3, maxBytes: 1 << 20 }, inFlight: 1, readBack: { index } });
  assert.equal(r.ok, false);
  assert.equal(r.connectionLost, true);
  assert.equal(r.failed?.index, 3, 'reported at the first update of the request the switch never answered');
  assert.ok(LOST.includes(r.failed!.code), `code ${r.failed!.code}`);
  assert.equal(r.leftAt, 'unknown', 'nobody can say where a dead switch was left');
  assert.equal(held(t).length, 5, 'what the switch applied before it died is still on it: no rollback reached it');
});

test('apply when another controller takes over mid-apply: the refused request is an rpc failure, not a lost connection', async () => {
  const { t } = await primary(5n);
  const sw = await p4rtSwitchFactory()({ name: 'leaf1', address: t.address, deviceId: 1, electionId: 50, insecure: true }, silentLogger);
  after(() => sw.close());
  let writes = 0;
  const session: EntityRpc = {
    write: async (u, o) => {
      const res = await sw.write(u, o);
      // After the first request, a controller with a higher election id arbitrates: we are backup from now on.
      if (++writes === 1) await connected(t, 500n);
      return res;
    },
    read: (f) => sw.read(f),
  };
  const eb = new EntriesBuilder();
  for (const u of inserts(0, 6)) eb.push({ kind: 'table_entry', table: FLOW, key: entityKey(u.entity), bytes: u.entity }, { kind: 'flow', name: 'f', file: 'f.yaml', line: 1 });
  const state: DesiredState = { target: 'leaf1', entries: eb.seal(true), managedTableIds: [index.table(FLOW).id], managedProfileIds: [] };
  const r = await applyPlan(session, plan(state, [], { index }), { limits: { size: 3, maxBytes: 1 << 20 }, inFlight: 1 });
  assert.equal(r.ok, false);
  assert.equal(r.failed?.index, 3);
  assert.equal(r.failed?.code, Code.PERMISSION_DENIED);
  assert.equal(r.connectionLost, undefined, 'the switch is there; only our role changed');
  assert.equal(r.leftAt, 'unknown', 'the rollback was refused too');
  assert.equal(held(t).length, 3, 'the first request stays on the switch');
});

test('the reconciler reports a switch that dies mid-apply as a write failure and drops the connection', async () => {
  const b = new Bench();
  after(() => b.close());
  const t = await b.startTarget();
  await b.commit([{ name: 'web-api', from: 'web', to: 'api', ports: [443, 8443] }]);
  const reporter = new RecordingReporter();
  const r = b.reconciler({}, { reporter });
  t.state.crashAtUpdate({ nth: 4 });
  const ev = (await r.sync('test'))!;
  const sw = ev.switches[0]!;
  assert.equal(sw.outcome, 'Failed');
  assert.equal(sw.error?.reason, 'WriteFailed');
  assert.equal(sw.error?.leftAt, 'unknown');
  assert.ok(LOST.map(String).includes(sw.error!.code!), `code ${sw.error?.code}`);
  assert.equal(r.snapshot().switches.leaf1?.role, 'disconnected', 'the connection was dropped: the next sync reconnects');
  assert.equal(entityCount(t.state.snapshot()), 3, 'the three updates before the crash are on the switch');
});
