// verify over compiled entries keeps what it judged of the last entries
// verified (verify/state.ts) and reads only the difference of the next:
// findings must be exactly those of a fresh decode, whatever changed between
// the two sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { createEmitter } from '../../src/compile/emit.ts';
import { DesiredEntries } from '../../src/compile/entries.ts';
import { TABLES } from '../../src/compile/tables.ts';
import type { DesiredEntry, Origin } from '../../src/compile/types.ts';
import { factsFor } from '../../src/verify/facts.ts';
import { verifyEntries } from '../../src/verify/verify.ts';
import { lastStats } from '../../src/verify/state.ts';
import { newFindings } from '../../src/verify/specs.ts';
import { NOW, loadValid, shopRepo, v1model } from '../compile/fixture.ts';

const index = v1model();
const emit = createEmitter(index);
const files = shopRepo();
files.set('tenants/shop/tenant.yaml', files.get('tenants/shop/tenant.yaml')!.replace('  routes:\n', '  routes:\n    - { prefix: 10.7.0.0/16, port: 5, mac: "02:00:00:00:00:05" }\n'));
const specs = loadValid(files);
const facts = factsFor(specs, 'leaf1');
const compiled = [...compile(specs, index, 'leaf1', { now: NOW }).entries];
const flowFile = (name: string) => compiled.find((e) => e.origin.kind === 'flow' && e.origin.name === name)!.origin;

// One flow file changes between base and head: base holds an entry of it that classifies into a
// foreign tenant id (cross-tenant); head drops that entry and the flow's own classify entries
// (its flow becomes unreachable) and puts the line one further down.
const webToDb = flowFile('shop/web-to-db');
const foreign = (origin: Origin): DesiredEntry => ({
  ...emit.table(TABLES.flowClassify, { tenant_id: 8, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 22 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: 1234 } }),
  origin,
});
const baseList = [...compiled, foreign(webToDb)];
const moved: Origin = { ...webToDb, line: webToDb.line + 1 };
const headList = compiled.filter((e) => !(e.table === TABLES.flowClassify.name && e.origin === webToDb)).map((e) => (e.origin === webToDb ? { ...e, origin: moved } : e));

const lines = (fs: { check: string; origin?: Origin; message: string; entry?: string }[]) => fs.map((f) => `${f.check} ${f.origin ? `${f.origin.file}:${f.origin.line}` : '-'} ${f.message} | ${f.entry ?? ''}`);

test('a one-file change: the finding it introduces is reported, the one it removes is gone, both as a fresh decode finds them', () => {
  const base = DesiredEntries.from(baseList);
  const head = DesiredEntries.from(headList);
  const b = verifyEntries('leaf1', base, index, facts);
  const h = verifyEntries('leaf1', head, index, facts); // rows of base reused
  // Exactly what the uncached path (a plain list, decoded afresh) finds.
  assert.deepEqual(lines(b.findings), lines(verifyEntries('leaf1', baseList, index, facts).findings));
  assert.deepEqual(lines(h.findings), lines(verifyEntries('leaf1', headList, index, facts).findings));
  assert.deepEqual(h.usage, verifyEntries('leaf1', headList, index, facts).usage);

  assert.ok(b.findings.some((f) => f.check === 'cross-tenant' && f.origin === webToDb && /names tenant id 8/.test(f.message)));
  assert.ok(!h.findings.some((f) => f.check === 'cross-tenant'), lines(h.findings).join('\n'));
  const added = newFindings([b], [h])[0]!.findings;
  assert.deepEqual(
    added.map((f) => `${f.check} ${f.origin?.line} ${f.message.replace(/0x[0-9a-f]+/, 'ID')}`),
    [`unreachable ${moved.line} flow ID is unreachable: no flow_classify or flow_classify_range entry sets it`],
  );
  // Back to base: the removed finding is back, at its own line (origins never come from the cache).
  assert.deepEqual(lines(verifyEntries('leaf1', base, index, facts).findings), lines(b.findings));
});

test('only entries not in the last verified set are read; a duplicate key across the change is still found', () => {
  const base = DesiredEntries.from(compiled);
  verifyEntries('leaf1', base, index, facts);
  const extra = foreign(webToDb);
  const headList1 = [...compiled, extra];
  const h1 = verifyEntries('leaf1', DesiredEntries.from(headList1), index, facts);
  assert.deepEqual(lastStats.get('leaf1'), { path: 'step', added: 1, removed: 0, flows: 1 });
  assert.deepEqual(lines(h1.findings), lines(verifyEntries('leaf1', headList1.map((e) => ({ ...e })), index, facts).findings));
  const policy = compiled.find((e) => e.table === TABLES.flowPolicy.name)!;
  const intruder: DesiredEntry = { ...policy, origin: { kind: 'flow', name: 'shop/intruder', file: 'tenants/shop/x.yaml', line: 3 } };
  const headList2 = [...compiled, intruder, extra];
  const h2 = verifyEntries('leaf1', DesiredEntries.from(headList2), index, facts);
  assert.equal(lastStats.get('leaf1')!.path, 'full');
  assert.deepEqual(lines(h2.findings), lines(verifyEntries('leaf1', headList2.map((e) => ({ ...e })), index, facts).findings));
  assert.ok(h2.findings.some((f) => f.check === 'duplicate-key' && f.origin?.name === 'shop/intruder'));
});
