import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { createEmitter, lpmMatch } from '../../src/compile/emit.ts';
import { TABLES } from '../../src/compile/tables.ts';
import type { DesiredEntry, Origin } from '../../src/compile/types.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { factsFor } from '../../src/verify/facts.ts';
import { verifyEntries } from '../../src/verify/verify.ts';
import { verifyDesired, newFindings } from '../../src/verify/specs.ts';
import { desiredState } from '../../src/desired/desired.ts';
import { readDirTree } from '../../src/source/spec-tree.ts';
import { EXAMPLE_REPO, NOW, loadValid, otherTenant, shopRepo, v1model } from '../compile/fixture.ts';

const OTHER = otherTenant();

function setup() {
  const files = shopRepo();
  // The fixture routes only 10.99/16: its own services need a route to be reachable (the P4 program forwards by route or NF).
  files.set('tenants/shop/tenant.yaml', files.get('tenants/shop/tenant.yaml')!.replace('  routes:\n', '  routes:\n    - { prefix: 10.7.0.0/16, port: 5, mac: "02:00:00:00:00:05" }\n'));
  files.set('tenants/other/tenant.yaml', OTHER);
  const specs = loadValid(files);
  const index = v1model();
  const state = compile(specs, index, 'leaf1', { now: NOW });
  return { specs, index, state, facts: factsFor(specs, 'leaf1') };
}

const emit = createEmitter(v1model());
const ent = (e: ReturnType<typeof emit.table>, origin: Origin): DesiredEntry => ({ ...e, origin });
const flowOrigin = (entries: DesiredEntry[], name: string) => entries.find((e) => e.origin.kind === 'flow' && e.origin.name === name)!.origin;

test('the compiled fixture and the example repository verify clean', () => {
  const { state, index, facts } = setup();
  assert.deepEqual(verifyEntries('leaf1', [...state.entries], index, facts).findings, []);
  const example = desiredState(readDirTree(EXAMPLE_REPO), { now: NOW, keepSpecs: true });
  assert.deepEqual(example.problems, []);
  const results = verifyDesired(example);
  assert.equal(results.length, 2);
  for (const r of results) assert.deepEqual(r.findings, [], r.target);
  assert.ok(results[0]!.usage.some((u) => u.table === 'ingress.flow_classify' && u.entries > 0 && u.headroom === u.size - u.entries));
});

test('cross-tenant: a flow entry of shop that classifies into tenant other is found, at the flow line', () => {
  const { state, index, facts } = setup();
  const origin = flowOrigin([...state.entries], 'shop/web-to-db');
  const bad = ent(emit.table(TABLES.flowClassify, { tenant_id: 8, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 22 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: 1234 } }), origin);
  const badPort = ent(emit.table(TABLES.tenantClassify, { ingress_port: 9, vlan_id: 70 }, { action: TABLES.tenantClassify.actions.setTenant, params: { tenant_id: 7 } }), { kind: 'tenant', name: 'shop', file: 'targets/leaf1.yaml', line: 9 });
  const { findings } = verifyEntries('leaf1', [...state.entries, bad, badPort], index, facts);
  const cross = findings.filter((f) => f.check === 'cross-tenant');
  assert.deepEqual(
    cross.map((f) => `${f.origin?.file}:${f.origin?.line} ${f.message}`),
    [
      'targets/leaf1.yaml:9 port 9 is not a port of tenant shop on leaf1 (3, 4)',
      `${origin.file}:${origin.line} entry of tenant shop names tenant id 8 (tenant other)`,
      `${origin.file}:${origin.line} src_service 1 is not a service class of tenant other`,
      `${origin.file}:${origin.line} dst_service 2 is not a service class of tenant other`,
    ],
  );
  assert.match(cross[1]!.entry!, /flow_classify tenant_id=8 .*l4_dst_port=22/);
});

test('shadowed: a service /24 covered by two /25s of the same tenant is never hit; a duplicate key is named with both owners', () => {
  const { state, index, facts } = setup();
  const svc: Origin = { kind: 'service', name: 'shop/web', file: 'tenants/shop/services.yaml', line: 1 };
  const half = (third: number) =>
    ent(emit.table(TABLES.srcServiceV4, { tenant_id: 7, src_addr: lpmMatch(Buffer.from([10, 7, 1, third]), 25) }, { action: TABLES.srcServiceV4.actions.setSrcService, params: { service_id: 99 } }), { ...svc, line: 50 });
  const web = state.entries.find((e) => e.table === TABLES.srcServiceV4.name && e.origin.name === 'shop/web')!;
  const dup = { ...state.entries.find((e) => e.table === TABLES.flowPolicy.name)! };
  dup.origin = { kind: 'flow', name: 'shop/intruder', file: 'tenants/shop/x.yaml', line: 3 };
  const { findings } = verifyEntries('leaf1', [...state.entries, half(0), half(128), dup], index, facts);
  const shadowed = findings.filter((f) => f.check === 'shadowed');
  assert.equal(shadowed.length, 1);
  assert.deepEqual(shadowed[0]!.origin, web.origin);
  assert.match(shadowed[0]!.message, /longer prefixes of the same key cover all of its \/24/);
  const dupF = findings.filter((f) => f.check === 'duplicate-key');
  assert.equal(dupF.length, 1);
  assert.equal(dupF[0]!.origin!.name, 'shop/intruder');
  assert.match(dupF[0]!.message, /flow shop\/intruder \(tenants\/shop\/x\.yaml:3\) claims the same key as flow shop\//);
});

test('capacity: a table over its P4Info size is an error, one nearly full a warning', () => {
  const { state, facts } = setup();
  const msg = structuredClone(v1model().p4info);
  for (const t of msg.tables) {
    if (t.preamble.name === TABLES.tenantClassify.name) t.size = 1;
    if (t.preamble.name === TABLES.flowPolicy.name) t.size = 3;
  }
  const small = P4InfoIndex.fromP4Info(msg);
  const { findings, usage } = verifyEntries('leaf1', [...state.entries], small, facts);
  const cap = findings.filter((f) => f.check === 'capacity').map((f) => `${f.severity} ${f.table}: ${f.message}`);
  assert.deepEqual(cap, [
    'warning ingress.flow_policy: 3 of 3 entries used (headroom 0, below 10%)',
    'error ingress.tenant_classify: 2 entries exceed the table size 1 by 1',
  ]); // by table (verify/checks.ts findingOrder)
  assert.deepEqual(usage.find((u) => u.table === TABLES.tenantClassify.name), { table: TABLES.tenantClassify.name, entries: 2, size: 1, headroom: -1 });
});

test('unreachable: a flow without classify entries, and one steered to a group without live members, at their flow lines', () => {
  const { state, index, facts } = setup();
  const webToDb = flowOrigin([...state.entries], 'shop/web-to-db');
  const steered = flowOrigin([...state.entries], 'shop/frontends-to-api');
  const entries = state.entries.filter((e) => !(e.table === TABLES.flowClassify.name && e.origin === webToDb) && e.kind !== 'action_profile_member');
  const { findings } = verifyEntries('leaf1', entries, index, facts);
  const un = findings.filter((f) => f.check === 'unreachable').map((f) => `${f.origin!.name}: ${f.message.replace(/0x[0-9a-f]+/, 'ID')}`);
  assert.ok(un.includes('shop/web-to-db: flow ID is unreachable: no flow_classify or flow_classify_range entry sets it'), un.join('\n'));
  assert.ok(un.includes(`${steered.name}: flow ID is unreachable: it is steered to an NF group with no live instance`), un.join('\n'));
  assert.ok(un.some((u) => /^shop: NF group \d+ names member \d+, which does not exist$/.test(u)), un.join('\n'));
});

test('--against keeps only the findings the baseline does not have', () => {
  const { state, index, facts } = setup();
  const base = [verifyEntries('leaf1', [...state.entries], index, facts)];
  const dropped = state.entries.filter((e) => e.table !== TABLES.tenantClassify.name && e.table !== TABLES.tenantClassifyVni.name);
  const head = [verifyEntries('leaf1', dropped, index, facts)];
  assert.ok(head[0]!.findings.length > 0);
  assert.deepEqual(newFindings(head, head)[0]!.findings, []);
  assert.equal(newFindings(base, head)[0]!.findings.length, head[0]!.findings.length);
});
