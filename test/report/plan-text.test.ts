// Plan text between two versions of the shop repo: the exact lines a person
// reads, with ids derived from the specs (flow ids, service classes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planVersions } from '../../src/diff/versions.ts';
import { renderPlanText, splitDescription, groupByOrigin } from '../../src/report/plan-text.ts';
import { flowWordsBetween, flowInWords } from '../../src/report/plan-words.ts';
import { serviceClassIds } from '../../src/compile/compile.ts';
import { assignFlowIds } from '../../src/specs/flow-id.ts';
import { desiredOf, repoA, repoB, FLOWS_B } from './plan-fixture.ts';

const A = desiredOf(repoA());
const B = desiredOf(repoB());
const a = A.specs!;
const b = B.specs!;
const plans = planVersions(A, B);
const text = renderPlanText(plans, { flows: flowWordsBetween(a, b) });
const lines = text.split('\n');

const hex = (specs: typeof a, name: string) => '0x' + assignFlowIds(specs).get(`shop/${name}`)!.id.toString(16);
const cls = serviceClassIds(b.services).get('shop')!;
const lineOf = (src: string, name: string) => src.slice(0, src.indexOf(`metadata: { name: ${name}`)).split('\n').length - 2;

test('a flow added, one removed, one changed: grouped by flow, one headline each, entries decoded with origins', () => {
  const newId = hex(b, 'api-to-db');
  const pingId = hex(a, 'ping-db');
  const webId = hex(a, 'web-to-db');
  const apiLine = lineOf(FLOWS_B, 'api-to-db');
  assert.deepEqual(lines, [
    'switch leaf1: 2 to insert, 1 to modify, 2 to delete, 25 unchanged',
    '  flow shop/api-to-db: new, tcp/5432 from api to db',
    `    + ingress.flow_policy flow_id=${newId} → ingress.allow(qid=0)  # tenants/shop/flows.yaml:${apiLine} flow shop/api-to-db`,
    `    + ingress.flow_classify tenant_id=7 src_service=${cls.get('api')} dst_service=${cls.get('db')} ip_proto=6 l4_dst_port=5432 → ingress.set_flow(flow_id=${newId})  # tenants/shop/flows.yaml:${apiLine} flow shop/api-to-db`,
    '  flow shop/ping-db: removed (was icmp from web to db)',
    `    - ingress.flow_classify tenant_id=7 src_service=${cls.get('web')} dst_service=${cls.get('db')} ip_proto=1 l4_dst_port=0 → ingress.set_flow(flow_id=${pingId})  # tenants/shop/flows.yaml:24 flow shop/ping-db`,
    `    - ingress.flow_policy flow_id=${pingId} → ingress.allow(qid=0)  # tenants/shop/flows.yaml:24 flow shop/ping-db`,
    '  flow shop/web-to-db: changed: tcp/5432 from web to db, qos gold, rate 100Mbps burst 1MB → tcp/5432 from web to db, qos gold, rate 200Mbps burst 1MB',
    `    ~ ingress.flow_policy flow_id=${webId}: ingress.allow(qid=3) meter(cir=12500000, cburst=1000000, pir=12500000, pburst=1000000) ⇒ ingress.allow(qid=3) meter(cir=25000000, cburst=1000000, pir=25000000, pburst=1000000)  # tenants/shop/flows.yaml:1 flow shop/web-to-db`,
    '',
    'Plan: 2 to insert, 1 to modify, 2 to delete on 1 switch.',
    '',
  ]);
});

test('inserts come policy-first, deletes classification-first (the write order)', () => {
  const adds = lines.filter((l) => l.startsWith('    + '));
  assert.match(adds[0], /flow_policy/);
  assert.match(adds[1], /flow_classify/);
  const dels = lines.filter((l) => l.startsWith('    - '));
  assert.match(dels[0], /flow_classify/);
  assert.match(dels[1], /flow_policy/);
});

test('no changes: says so, and counts switches', () => {
  const same = planVersions(A, A);
  assert.equal(renderPlanText(same), 'switch leaf1: no changes, 28 unchanged\n\nNo changes. 1 switch matches the specs.\n');
});

test('a new switch: every entry inserted, tenants and services grouped with counts', () => {
  const files = repoA();
  files.delete('targets/leaf1.yaml');
  const out = renderPlanText(planVersions(desiredOf(files), A));
  assert.match(out, /^switch leaf1: 28 to insert, 0 to modify, 0 to delete, 0 unchanged$/m);
  assert.match(out, /^ {2}tenant shop: 10 new entries$/m);
  assert.match(out, /^ {2}service shop\/db: 2 new entries$/m);
  assert.match(out, /^Plan: 28 to insert, 0 to modify, 0 to delete on 1 switch\.$/m);
});

test('helpers: description split, flow words, grouping order', () => {
  assert.deepEqual(splitDescription('t a=1 → act(x=2)'), ['t a=1', 'act(x=2)']);
  assert.deepEqual(splitDescription('p group 5 members [1×1]'), ['p group 5', 'members [1×1]']);
  assert.equal(flowInWords(b.flows.find((f) => f.metadata.name === 'frontends-to-api')!), 'tcp/8000-8002 from role frontend to api, via firewall');
  const groups = groupByOrigin([
    { kind: 'delete', entity: 'table_entry', table: 'x', key: 'b', bytes: Buffer.alloc(0) },
    { kind: 'insert', entity: 'table_entry', table: 'x', key: 'a', bytes: Buffer.alloc(0), origin: { kind: 'flow', name: 'z/f', file: 'f', line: 1 } },
    { kind: 'insert', entity: 'table_entry', table: 'x', key: 'c', bytes: Buffer.alloc(0), origin: { kind: 'tenant', name: 'z', file: 't', line: 1 } },
  ]);
  assert.deepEqual(groups.map((g) => g.origin?.kind ?? 'none'), ['tenant', 'flow', 'none']);
});
