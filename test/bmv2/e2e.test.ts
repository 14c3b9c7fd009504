// flows-example-repo on a real switch: the reconciler converges BMv2
// (simple_switch_grpc running p4c's compilation of p4/flowops_v1model.p4), then
// frames go through its gRPC dataplane and what comes out (or not) is the
// verdict. Each test has its own switch and repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bmv2Bench, EXAMPLE_REPO, type Bmv2Bench } from '../helpers/bmv2-bench.ts';
import { until } from '../helpers/reconcile-env.ts';
import { buildFrame, layer, parseFrame, type Layer } from '../helpers/packets.ts';
import { peerSkip } from '../helpers/peers.ts';
import { buildTableEntry, encodeTableEntry, withoutMetadata } from '../../src/p4info/entity.ts';
import { attribution } from '../../src/provenance/metadata.ts';
import { wildcardGroups, wildcardMembers } from '../../src/p4rt/filters.ts';
import type { Dataplane } from '../helpers/bmv2.ts';
import { protoType } from '../../src/proto/load.ts';

const Entity = protoType('p4.v1.Entity');

const needs = peerSkip('p4c-bm2-ss', 'simple_switch_grpc');

const ACME_ROUTE = { port: 1, mac: '02:00:00:01:00:01' };
const ACME_FW = new Map([
  [20, '02:00:00:01:0f:01'],
  [21, '02:00:00:01:0f:02'],
]);

/** An acme frame as it arrives on an access port: tagged with the tenant's VLAN. */
function acme(src: string, dst: string, l4: Layer, vid = 101): Buffer {
  const v6 = src.includes(':');
  return buildFrame([
    { kind: 'eth', dst: '02:00:00:00:00:fe', src: '02:00:00:01:aa:01' },
    { kind: 'vlan', vid },
    v6 ? { kind: 'ipv6', src, dst } : { kind: 'ipv4', src, dst },
    l4,
    { kind: 'raw', data: Buffer.from('flowops') },
  ]);
}

export type Verdict = { out: number[] } | 'drop';
export interface PacketCase {
  name: string;
  port: number;
  frame: Buffer;
  verdict: Verdict;
  /** Expected destination MAC on the way out (by egress port). */
  dmac?: Map<number, string> | string;
}

/** The packet table: what leaf1 of flows-example-repo must do with each frame. */
export const PACKETS: PacketCase[] = [
  { name: 'allowed v4 flow storefront → catalog tcp/443 leaves on the route port', port: 3, frame: acme('10.1.1.5', '10.1.4.7', { kind: 'tcp', sport: 40001, dport: 443 }), verdict: { out: [1] }, dmac: ACME_ROUTE.mac },
  { name: 'allowed v6 flow storefront → catalog tcp/8080 leaves on the route port', port: 4, frame: acme('2001:db8:101:1::5', '2001:db8:101:4::7', { kind: 'tcp', sport: 40002, dport: 8080 }), verdict: { out: [1] }, dmac: ACME_ROUTE.mac },
  { name: 'port range 9000-9010 (cart → inventory tcp/9005) is allowed', port: 5, frame: acme('10.1.3.5', '10.1.7.5', { kind: 'tcp', sport: 40003, dport: 9005 }), verdict: { out: [1] }, dmac: ACME_ROUTE.mac },
  { name: 'a port no flow allows (tcp/444) is dropped', port: 3, frame: acme('10.1.1.5', '10.1.4.7', { kind: 'tcp', sport: 40004, dport: 444 }), verdict: 'drop' },
  { name: 'just outside the range (tcp/9011) is dropped', port: 3, frame: acme('10.1.3.5', '10.1.7.5', { kind: 'tcp', sport: 40005, dport: 9011 }), verdict: 'drop' },
  { name: 'a flow in the wrong direction (catalog → storefront) is dropped', port: 3, frame: acme('10.1.4.7', '10.1.1.5', { kind: 'tcp', sport: 40006, dport: 443 }), verdict: 'drop' },
  { name: "another tenant's address (globex ebanking-web) is dropped", port: 3, frame: acme('10.1.1.5', '10.2.1.5', { kind: 'tcp', sport: 40007, dport: 443 }), verdict: 'drop' },
  { name: "acme's VLAN on globex's port is dropped", port: 6, frame: acme('10.1.1.5', '10.1.4.7', { kind: 'tcp', sport: 40008, dport: 443 }), verdict: 'drop' },
  { name: "globex's VLAN on acme's port is dropped", port: 3, frame: acme('10.2.1.5', '10.2.2.5', { kind: 'tcp', sport: 40009, dport: 443 }, 102), verdict: 'drop' },
  { name: 'steered flow checkout → payments tcp/8443 reaches a firewall instance', port: 3, frame: acme('10.1.2.5', '10.1.6.3', { kind: 'tcp', sport: 40010, dport: 8443 }), verdict: { out: [20, 21] }, dmac: ACME_FW },
];

function assertVerdict(c: PacketCase, got: { port: number; frame: Buffer }[], log: () => string): void {
  if (c.verdict === 'drop') {
    assert.deepEqual(got.map((g) => g.port), [], `${c.name}: expected a drop`);
    return;
  }
  assert.equal(got.length, 1, `${c.name}: expected one frame out, got ${got.length}\n${log().slice(-2000)}`);
  assert.ok(c.verdict.out.includes(got[0].port), `${c.name}: left on port ${got[0].port}, expected one of ${c.verdict.out}`);
  const eth = layer(parseFrame(got[0].frame), 'eth')!;
  const want = typeof c.dmac === 'string' ? c.dmac : c.dmac?.get(got[0].port);
  if (want) assert.equal(eth.dst, want, `${c.name}: destination MAC`);
  // Only the destination MAC changes: the rest of the frame is what went in.
  assert.deepEqual(got[0].frame.subarray(6), c.frame.subarray(6), `${c.name}: frame otherwise unchanged`);
}

async function runTable(dp: Dataplane, b: Bmv2Bench, cases: PacketCase[]): Promise<void> {
  for (const c of cases) assertVerdict(c, await dp.sendAndCollect(c.port, c.frame, c.verdict === 'drop' ? 'drop' : 'emit'), () => b.sw.log());
}

async function converged(t: { after: (fn: () => Promise<void>) => void }): Promise<{ b: Bmv2Bench; dp: Dataplane; inserted: number }> {
  const b = await bmv2Bench();
  t.after(() => b.close());
  const ev = await b.reconciler.sync('test');
  const sw = ev!.switches[0];
  assert.equal(sw.outcome, 'Converged', sw.error?.message);
  return { b, dp: await b.sw.dataplane(), inserted: sw.written.inserted };
}

test('BMv2: flows-example-repo converges; the switch holds exactly the plan; a second pass writes nothing; the packet table holds', needs, async (t) => {
  const { b, dp, inserted } = await converged(t);
  const tables = await b.readTables();
  assert.ok(inserted > 200, `converged ${inserted} entries`);
  // Every table holds what the plan inserted, table by table.
  const planned = new Map<string, number>();
  for (const c of b.reporter.syncs[0].switches[0].plan.inserts) planned.set(c.table, (planned.get(c.table) ?? 0) + 1);
  const profile = b.index.actionProfile('ingress.nf_selector');
  const reader = await b.otherController(1n);
  // BMv2 reads a weight-w member back w times (PI spreads weights as copies); count distinct member ids.
  const memberIds = new Set((await reader.read([wildcardMembers(profile.id)])).map((e) => (Entity.decode(e) as any).action_profile_member.member_id));
  const groups = await reader.read([wildcardGroups(profile.id)]);
  const live = new Map([...tables].map(([k, v]) => [k, v.length]));
  live.set(profile.name, memberIds.size + groups.length);
  assert.deepEqual(new Map([...live].sort()), new Map([...planned].sort()));
  assert.ok((tables.get('ingress.flow_policy') ?? []).length > 0);

  const again = (await b.reconciler.sync('again', { force: true }))!.switches[0];
  assert.equal(again.outcome, 'Unchanged', again.error?.message);
  assert.deepEqual(again.written, { inserted: 0, modified: 0, deleted: 0 });

  await runTable(dp, b, PACKETS);
});

test('BMv2: an entry deleted by another P4Runtime controller is healed exactly (+1) once flowops is primary again; its packets flow again', needs, async (t) => {
  const { b, dp } = await converged(t);
  const allowed = PACKETS[0];
  assertVerdict(allowed, await dp.sendAndCollect(allowed.port, allowed.frame), () => b.sw.log());

  // Another controller (higher election id, so primary while it is connected: flowops is a
  // backup and cannot write) deletes acme's classification on port 3.
  const count = async () => [...(await b.readTables()).values()].reduce((n, l) => n + l.length, 0);
  const full = await count();
  const other = await b.otherController(1000n);
  const victim = buildTableEntry(b.index, { table: 'ingress.tenant_classify', match: { ingress_port: 3, vlan_id: 101 }, action: { name: 'ingress.set_tenant', params: { tenant_id: 101 } } });
  await other.write([{ type: 'DELETE', entity: encodeTableEntry(victim) }]);
  await until(() => b.logs.some((l) => l.includes('"now backup"')), 5000, 'flowops to see it is backup');
  assert.equal(await count(), full - 1);
  assert.deepEqual(await dp.sendAndCollect(allowed.port, allowed.frame, 'drop'), [], 'dropped while the entry is missing');

  // The other controller leaves; flowops is primary again, reads, and writes back exactly the one entry.
  const syncs = b.reporter.syncs.length;
  await other.close();
  await until(() => b.reporter.syncs.length > syncs, 10000, 'the sync after promotion');
  const heal = b.reporter.syncs.at(-1)!.switches[0];
  assert.equal(heal.outcome, 'Converged', heal.error?.message);
  assert.deepEqual(heal.written, { inserted: 1, modified: 0, deleted: 0 });
  assert.deepEqual(heal.plan.inserts.map((c) => c.table), ['ingress.tenant_classify']);
  assert.equal(await count(), full);
  const healed = (await b.readTables()).get('ingress.tenant_classify')!;
  // The same entry; it now carries flowops' provenance record (TableEntry.metadata), which is not part of its identity.
  assert.ok(healed.some((e) => withoutMetadata(e).equals(encodeTableEntry(victim)) && attribution(e) === 'flowops'), 'the deleted entry is back as it was');
  assertVerdict(allowed, await dp.sendAndCollect(allowed.port, allowed.frame), () => b.sw.log());
  assert.equal((await b.reconciler.driftScan()).length, 0);
});

test('BMv2: adding a firewall instance under a steady stream of steered packets loses none', needs, async (t) => {
  const { b, dp } = await converged(t);
  const tenantFile = path.join(EXAMPLE_REPO, 'tenants/acme/tenant.yaml');
  const scaled = fs
    .readFileSync(tenantFile, 'utf8')
    .replace(/(- \{ name: fw-b, .*\}\n)/, '$1        - { name: fw-c, port: 30, mac: "02:00:00:01:0f:03" }\n');
  assert.match(scaled, /fw-c/);

  // 200 packets/s of the steered flow, spread over source ports so the selector uses every member.
  const steered = (sport: number) => acme('10.1.2.5', '10.1.6.3', { kind: 'tcp', sport, dport: 8443 });
  const ids: number[] = [];
  let stop = false;
  let sent = 0;
  const stream = (async () => {
    while (!stop || sent < 400) {
      ids.push(dp.send(3, steered(20000 + (sent % 500))));
      sent++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  await b.commit({ 'tenants/acme/tenant.yaml': scaled });
  const ev = (await b.reconciler.sync('scale-out'))!.switches[0];
  const sentAtSync = sent;
  assert.equal(ev.outcome, 'Converged', ev.error?.message);
  assert.ok(ev.written.inserted + ev.written.modified > 0, 'the new instance was written');
  stop = true;
  await stream;
  assert.ok(sentAtSync < ids.length, 'packets were still flowing after the change');

  const out = await dp.collect(ids, { each: 1 });
  const lost = ids.filter((id) => out.get(id)!.length !== 1);
  assert.deepEqual(lost, [], `${lost.length} of ${ids.length} packets lost or duplicated`);
  const ports = new Set(ids.map((id) => out.get(id)![0].port));
  for (const p of ports) assert.ok([20, 21, 30].includes(p), `left on ${p}`);
  // After the change the new instance takes its share of new packets.
  const after = ids.slice(-200).map((id) => out.get(id)![0].port);
  assert.ok(after.includes(30), `fw-c (port 30) got none of the last 200 packets: ${[...new Set(after)]}`);

  const reader = await b.otherController(1n);
  const members = await reader.read([wildcardMembers(b.index.actionProfile('ingress.nf_selector').id)]);
  assert.ok(members.length >= 5, 'acme now has three firewall members (plus globex two)');
});
