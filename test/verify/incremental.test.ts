// verify judges a set that differs from the last one verified (same P4Info,
// same target) again only in the flows the difference touches
// (verify/state.ts). Over a table of one-file changes, the findings and usage
// of that path must be exactly those of a full verify of the same entries —
// and the table checks that the step path, not a full pass, produced them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { createEmitter, lpmMatch } from '../../src/compile/emit.ts';
import { DesiredEntries } from '../../src/compile/entries.ts';
import { TABLES } from '../../src/compile/tables.ts';
import type { DesiredEntry, Origin } from '../../src/compile/types.ts';
import { decodeRow } from '../../src/model/entries.ts';
import { factsFor } from '../../src/verify/facts.ts';
import { verifyEntries, type VerifyResult } from '../../src/verify/verify.ts';
import { lastStats, matchEntries } from '../../src/verify/state.ts';
import { NOW, loadValid, otherTenant, shopRepo, v1model } from '../compile/fixture.ts';

const index = v1model();
const emit = createEmitter(index);

const OTHER = otherTenant(true);
const OTHER_SERVICES = `apiVersion: flowops.dev/v1
kind: Service
metadata: { name: app, tenant: other }
spec:
  addresses: [10.8.1.0/24]
---
apiVersion: flowops.dev/v1
kind: Service
metadata: { name: store, tenant: other }
spec:
  addresses: [10.8.2.0/24]
`;
const otherFlows = (port: string) => `apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: app-to-store, tenant: other }
spec:
  from: { service: app }
  to: { service: store }
  protocol: tcp
  ports: [${port}]
  action: allow
`;
const RANGE_FLOW = `---
apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: web-to-api-range, tenant: shop }
spec:
  from: { service: web }
  to: { service: api }
  protocol: tcp
  ports: [1000-2000]
  action: allow
`;

function baseFiles(): Map<string, string> {
  const files = shopRepo();
  files.set('tenants/shop/tenant.yaml', files.get('tenants/shop/tenant.yaml')!.replace('  routes:\n', '  routes:\n    - { prefix: 10.7.0.0/16, port: 5, mac: "02:00:00:00:00:05" }\n'));
  files.set('tenants/shop/flows.yaml', files.get('tenants/shop/flows.yaml')! + RANGE_FLOW);
  files.set('tenants/other/tenant.yaml', OTHER);
  files.set('tenants/other/services.yaml', OTHER_SERVICES);
  files.set('tenants/other/flows.yaml', otherFlows('80'));
  files.set('targets/leaf1.yaml', files.get('targets/leaf1.yaml')!.replace('      ports: [3, 4]\n', '      ports: [3, 4]\n    - tenant: other\n      ports: [5]\n'));
  return files;
}

const compiled = (files: Map<string, string>) => {
  const specs = loadValid(files);
  return { specs, list: [...compile(specs, index, 'leaf1', { now: NOW }).entries] };
};
const edit = (f: (files: Map<string, string>) => void) => {
  const files = baseFiles();
  f(files);
  return compiled(files).list;
};
const base = compiled(baseFiles());
const facts = factsFor(base.specs, 'leaf1');
const originOf = (list: DesiredEntry[], name: string): Origin => list.find((e) => e.origin.kind === 'flow' && e.origin.name === name)!.origin;
const flowId = (list: DesiredEntry[], name: string): number => {
  const e = list.find((x) => x.table === TABLES.flowPolicy.name && x.origin.name === name)!;
  const m = decodeRow(e.bytes, index, 0)!.match.get('flow_id')!;
  return Number((m as { value: bigint }).value);
};
/** An entry of `origin` classifying into tenant 8's ids (cross-tenant from shop). */
const foreign = (origin: Origin, flow: number): DesiredEntry => ({
  ...emit.table(TABLES.flowClassify, { tenant_id: 8, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 22 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: flow } }),
  origin,
});
const webToDb = originOf(base.list, 'shop/web-to-db');
const rangeFlow = originOf(base.list, 'shop/web-to-api-range');
/** tenant, services and protocol of the range flow's entries (one of them decoded). */
function rangeKey(): Record<string, number> {
  const e = base.list.find((x) => x.table === TABLES.flowClassifyRange.name && x.origin === rangeFlow)!;
  const m = decodeRow(e.bytes, index, 0)!.match;
  return Object.fromEntries(['tenant_id', 'src_service', 'dst_service', 'ip_proto'].map((f) => [f, Number((m.get(f) as { value: bigint }).value)]));
}

interface Case {
  name: string;
  base: DesiredEntry[];
  head: DesiredEntry[];
  /** The path the head must take after the base (default: step). */
  path?: 'step' | 'full';
  /** Something the head's findings must show (so the row tests what it says). */
  expect?: (h: VerifyResult, b: VerifyResult) => void;
}

const has = (r: VerifyResult, check: string, re: RegExp) => r.findings.some((f) => f.check === check && re.test(f.message));

const cases: Case[] = [
  {
    name: 'a flow added to a file',
    base: base.list,
    head: edit((f) => f.set('tenants/shop/flows.yaml', f.get('tenants/shop/flows.yaml')! + RANGE_FLOW.replace('web-to-api-range', 'web-to-api-2').replace('1000-2000', '3000'))),
  },
  {
    name: 'a flow removed (the flows below it move up a line)',
    base: base.list,
    head: edit((f) => f.set('tenants/shop/flows.yaml', f.get('tenants/shop/flows.yaml')!.replace(/---\napiVersion: flowops.dev\/v1\nkind: Flow\nmetadata: \{ name: ping-db[^]*?(?=---)/, ''))),
  },
  {
    name: 'a flow changed (its port)',
    base: base.list,
    head: edit((f) => f.set('tenants/shop/flows.yaml', f.get('tenants/shop/flows.yaml')!.replace('ports: [5432]', 'ports: [5433]'))),
  },
  {
    name: 'only lines moved (a comment on top of the file)',
    base: base.list,
    head: edit((f) => f.set('tenants/shop/flows.yaml', '# moved\n' + f.get('tenants/shop/flows.yaml')!)),
    expect: (h, b) => assert.deepEqual(h.findings, b.findings),
  },
  {
    name: 'only lines moved, under a finding: it names the new line',
    base: [...base.list, foreign(webToDb, flowId(base.list, 'shop/web-to-db'))],
    head: ((list) => [...list, foreign(originOf(list, 'shop/web-to-db'), flowId(base.list, 'shop/web-to-db'))])(edit((f) => f.set('tenants/shop/flows.yaml', '# moved\n' + f.get('tenants/shop/flows.yaml')!))),
    expect: (h) => assert.ok(h.findings.some((f) => f.check === 'cross-tenant' && f.origin?.line === webToDb.line + 1)),
  },
  {
    name: 'a change that creates a cross-tenant finding',
    base: base.list,
    head: [...base.list, foreign(webToDb, flowId(base.list, 'shop/web-to-db'))],
    expect: (h, b) => {
      assert.ok(has(h, 'cross-tenant', /names tenant id 8/));
      assert.ok(!has(b, 'cross-tenant', /names tenant id 8/));
    },
  },
  {
    name: 'a change that clears it',
    base: [...base.list, foreign(webToDb, flowId(base.list, 'shop/web-to-db'))],
    head: base.list,
    expect: (h, b) => {
      assert.ok(!has(h, 'cross-tenant', /names tenant id 8/));
      assert.ok(has(b, 'cross-tenant', /names tenant id 8/));
    },
  },
  {
    name: "another tenant's flow changes: shop's isolation finding stays as it was",
    base: [...base.list, foreign(webToDb, flowId(base.list, 'shop/web-to-db'))],
    head: [...edit((f) => f.set('tenants/other/flows.yaml', otherFlows('81'))), foreign(webToDb, flowId(base.list, 'shop/web-to-db'))],
    expect: (h, b) => {
      const shop = (r: VerifyResult) => r.findings.filter((f) => f.check === 'cross-tenant');
      assert.equal(shop(h).length, 3);
      assert.deepEqual(shop(h), shop(b));
    },
  },
  {
    name: 'a classify entry naming a flow whose policy is of another tenant',
    base: base.list,
    head: [...base.list, { ...foreign(webToDb, flowId(base.list, 'other/app-to-store')), ...emit.table(TABLES.flowClassify, { tenant_id: 7, src_service: 1, dst_service: 2, ip_proto: 17, l4_dst_port: 9 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: flowId(base.list, 'other/app-to-store') } }) }],
    expect: (h) => assert.ok(has(h, 'cross-tenant', /whose policy belongs to tenant other/)),
  },
  {
    name: "a flow's policy removed (its classify entries stay)",
    base: base.list,
    head: base.list.filter((e) => !(e.table === TABLES.flowPolicy.name && e.origin === webToDb)),
  },
  {
    name: "a flow's classify entries removed: it becomes unreachable",
    base: base.list,
    head: base.list.filter((e) => !(e.table === TABLES.flowClassify.name && e.origin === webToDb)),
    expect: (h) => assert.ok(has(h, 'unreachable', /no flow_classify or flow_classify_range entry sets it/)),
  },
  {
    name: 'a steering entry removed (the flow now needs a route)',
    base: base.list,
    head: base.list.filter((e) => e.table !== TABLES.nfSteer.name),
  },
  {
    name: 'a range entry shadowed by a higher-priority one of another flow',
    base: base.list,
    head: [
      ...base.list,
      {
        ...emit.table(TABLES.flowClassifyRange, { ...rangeKey(), l4_dst_port: { ternary: [0, 0] } }, { action: TABLES.flowClassifyRange.actions.setFlow, params: { flow_id: flowId(base.list, 'shop/web-to-db') } }, undefined, 60000),
        origin: webToDb,
      },
    ],
    expect: (h) => assert.ok(has(h, 'shadowed', /the priority 60000 entry/), JSON.stringify(h.findings.map((f) => f.message))),
  },
  {
    name: 'the range flow removed: what it shadowed and its own entries go',
    base: base.list,
    head: base.list.filter((e) => e.origin !== rangeFlow),
  },
  {
    name: 'a service address changed: not a flow table, judged in full',
    base: base.list,
    head: edit((f) => f.set('tenants/shop/services.yaml', f.get('tenants/shop/services.yaml')!.replace('10.7.2.0/24', '10.7.4.0/24'))),
    path: 'full',
  },
  {
    name: 'a service entry outside its tenant added: judged in full, found',
    base: base.list,
    head: [...base.list, { ...emit.table(TABLES.srcServiceV4, { tenant_id: 7, src_addr: lpmMatch(Buffer.from([10, 8, 9, 0]), 24) }, { action: TABLES.srcServiceV4.actions.setSrcService, params: { service_id: 1 } }), origin: { kind: 'service', name: 'shop/web', file: 'tenants/shop/services.yaml', line: 2 } }],
    path: 'full',
    expect: (h) => assert.ok(has(h, 'cross-tenant', /outside the prefixes of tenant shop/)),
  },
  {
    name: 'a duplicate key added: judged in full, found',
    base: base.list,
    head: [...base.list, { ...base.list.find((e) => e.table === TABLES.flowPolicy.name)!, origin: { kind: 'flow', name: 'shop/intruder', file: 'tenants/shop/x.yaml', line: 3 } }],
    path: 'full',
    expect: (h) => assert.ok(h.findings.some((f) => f.check === 'duplicate-key')),
  },
];

/** A full verify of the same entries: a plain list is decoded and judged afresh, with no kept state. */
const fresh = (list: DesiredEntry[]) => verifyEntries('leaf1', list.map((e) => ({ ...e })), index, facts);

for (const c of cases) {
  test(`incremental verify equals a full verify: ${c.name}`, () => {
    const b = verifyEntries('leaf1', DesiredEntries.from(c.base), index, facts);
    assert.deepEqual(b, fresh(c.base));
    const h = verifyEntries('leaf1', DesiredEntries.from(c.head), index, facts);
    const stats = lastStats.get('leaf1')!;
    assert.equal(stats.path, c.path ?? 'step', JSON.stringify(stats));
    if (stats.path === 'step') assert.ok(stats.flows <= 8, `judged ${stats.flows} flows again`);
    assert.deepEqual(h, fresh(c.head));
    c.expect?.(h, b);
    // And back: the base again from the head's state.
    assert.deepEqual(verifyEntries('leaf1', DesiredEntries.from(c.base), index, facts), b);
  });
}

test('entries are matched across a block longer than the search window on both sides (index of the old set)', () => {
  const mk = (n: number, from: number) =>
    Array.from({ length: n }, (_, i): DesiredEntry => ({
      ...emit.table(TABLES.flowPolicy, { flow_id: from + i }, { action: TABLES.flowPolicy.actions.allow, params: { qid: 0 } }),
      origin: { kind: 'flow', name: `shop/f${from + i}`, file: 'tenants/shop/f.yaml', line: from + i },
    }));
  const common = mk(100, 0);
  const a = DesiredEntries.from([...mk(600, 1000), ...common]);
  const b = DesiredEntries.from([...mk(700, 5000), ...common]);
  const d = matchEntries(a, b, 10_000)!;
  assert.equal(d.added.length, 700);
  assert.equal(d.removed.length, 600);
  assert.equal([...d.match].filter((m) => m >= 0).length, 100);
  assert.equal(matchEntries(a, b, 1000), undefined);
});
