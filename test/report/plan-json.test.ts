// Plan JSON: the stable schema machines read (hex keys and entities that
// decode back to the entries, origins, per-target and total summaries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planVersions } from '../../src/diff/versions.ts';
import { planToJson, renderPlanJson } from '../../src/report/plan-json.ts';
import { describeEntity, entityKey } from '../../src/p4info/entity.ts';
import { v1model } from '../compile/fixture.ts';
import { desiredOf, repoA, repoB } from './plan-fixture.ts';

const index = v1model();
const plans = planVersions(desiredOf(repoA()), desiredOf(repoB()));

test('summary and per-target lists in write order', () => {
  const j = planToJson(plans);
  assert.equal(j.version, 1);
  assert.deepEqual(j.summary, { insert: 2, modify: 1, delete: 2, unchanged: 25, switches: 1 });
  assert.equal(j.targets.length, 1);
  const t = j.targets[0];
  assert.equal(t.target, 'leaf1');
  assert.deepEqual(t.summary, { insert: 2, modify: 1, delete: 2, unchanged: 25 });
  assert.deepEqual(
    t.changes.map((c) => [c.op, c.table, c.origin?.name]),
    [
      ['modify', 'ingress.flow_policy', 'shop/web-to-db'],
      ['insert', 'ingress.flow_policy', 'shop/api-to-db'],
      ['insert', 'ingress.flow_classify', 'shop/api-to-db'],
      ['delete', 'ingress.flow_classify', 'shop/ping-db'],
      ['delete', 'ingress.flow_policy', 'shop/ping-db'],
    ],
  );
  assert.deepEqual(t.extraneous, []);
});

test('hex fields decode to the described entities; key is the identity of entity', () => {
  const j = JSON.parse(renderPlanJson(plans)) as ReturnType<typeof planToJson>;
  for (const c of j.targets[0].changes) {
    const bytes = Buffer.from(c.entity, 'hex');
    assert.equal(describeEntity(bytes, index), c.description);
    assert.equal(Buffer.from(entityKey(bytes), 'latin1').toString('hex'), c.key);
    assert.deepEqual(Object.keys(c).slice(0, 7), ['op', 'entityKind', 'table', 'key', 'entity', 'description', 'origin']);
  }
  const mod = j.targets[0].changes[0];
  assert.match(mod.previousDescription!, /cir=12500000/);
  assert.match(mod.description, /cir=25000000/);
  assert.deepEqual(mod.origin, { kind: 'flow', name: 'shop/web-to-db', file: 'tenants/shop/flows.yaml', line: 1 });
  assert.equal(describeEntity(Buffer.from(mod.previous!, 'hex'), index), mod.previousDescription);
});
