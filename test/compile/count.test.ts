// compile/count.ts counts what compile emits, table by table and tenant by
// tenant, without emitting: checked against a real compile of the example
// repository, plus flows with overlapping port ranges and role sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDirTree } from '../../src/source/spec-tree.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { compile } from '../../src/compile/compile.ts';
import { countEntries } from '../../src/compile/count.ts';
import { EXAMPLE_REPO, NOW, v1model } from './fixture.ts';
import { prefixCover } from '../../src/compile/port-cover.ts';

test('countEntries equals what compile emits, per table and per tenant, on the example repo', () => {
  const files = readDirTree(EXAMPLE_REPO).files;
  // A flow with overlapping ranges and a role source: merged, then counted as prefix-cover entries like compile emits them.
  files.set('tenants/acme/flows/extra.yaml', Buffer.from(`apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: extra-ranges, tenant: acme }
spec:
  from: { service: auth }
  to: { service: search }
  protocol: udp
  ports: ["1000-1100", "1050-1200", 1300]
  action: allow
`));
  const { specs, errors } = loadSpecs(files, { now: NOW });
  assert.deepEqual(errors.map((e) => e.message), []);
  const index = v1model();
  for (const t of specs.targets) {
    const name = t.metadata.name;
    const state = compile(specs, index, name, { now: NOW });
    const emitted = new Map<string, Map<string, number>>();
    for (const e of state.entries) {
      const tenant = e.origin.kind === 'tenant' ? e.origin.name : e.origin.name.split('/')[0]!;
      const m = emitted.get(tenant) ?? emitted.set(tenant, new Map()).get(tenant)!;
      m.set(e.table, (m.get(e.table) ?? 0) + 1);
    }
    const counted = countEntries(specs, name, NOW);
    const norm = (m: Map<string, Map<string, number>>) => Object.fromEntries([...m].sort().map(([k, v]) => [k, Object.fromEntries([...v].sort())]));
    assert.deepEqual(norm(counted), norm(emitted), name);
    // The overlapping ranges merge into 1000-1200: its prefix cover in the range table, not 201 exact keys.
    const ranges = counted.get('acme')!.get('ingress.flow_classify_range')!;
    assert.ok(ranges >= prefixCover(1000, 1200).length && ranges < 201, `range entries ${ranges}`);
  }
});
