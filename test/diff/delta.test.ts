// planDelta(): the changes between two desired states, without a switch, must
// be exactly what plan() finds when the switch holds the older state — the
// reconciler's delta path writes them in place of a full read + diff.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planDelta } from '../../src/diff/delta.ts';
import { plan } from '../../src/diff/plan.ts';
import type { Plan } from '../../src/diff/types.ts';
import { compile } from '../../src/compile/compile.ts';
import type { DesiredState } from '../../src/compile/types.ts';
import { FLOWS, loadValid, shopRepo, v1model, NOW } from '../compile/fixture.ts';

const index = v1model();

function version(edit: (flows: string) => string): DesiredState {
  const files = shopRepo();
  files.set('tenants/shop/flows.yaml', edit(FLOWS));
  return compile(loadValid(files), index, 'leaf1', { now: NOW });
}

const hex = (b?: Buffer) => b?.toString('hex');
function shape(p: Plan) {
  const one = (cs: Plan['inserts']) => cs.map((c) => ({ kind: c.kind, table: c.table, key: hex(Buffer.from(c.key, 'latin1')), bytes: hex(c.bytes), previous: hex(c.previous) }));
  return { inserts: one(p.inserts), modifies: one(p.modifies), deletes: one(p.deletes), extraneous: one(p.extraneous ?? []), unchanged: p.unchanged };
}

describe('planDelta', () => {
  const old = version((f) => f);
  const next = version((f) =>
    f
      .replace('ports: [8000-8002]', 'ports: [8000-8003]') // a range grows: classify entries change
      .replace('qos: gold', 'qos: silver') // same keys, other action params: modifies
      .replace(/---\napiVersion: flowops.dev\/v1\nkind: Flow\nmetadata: \{ name: ping-db[\s\S]*?action: allow\n/, ''), // a flow goes: deletes
  );

  test('equals plan() against a switch holding the older state, in the same write order', () => {
    const delta = planDelta(old, next);
    const full = plan(next, old.entries.map((e) => Buffer.from(e.bytes)), { index });
    assert.ok(delta.inserts.length > 0 && delta.modifies.length > 0 && delta.deletes.length > 0, JSON.stringify(shape(delta)));
    assert.deepEqual(shape(delta), shape(full));
    // Deletes keep the origin the older state gave them (the removed flow).
    assert.ok(delta.deletes.some((c) => c.origin?.name.includes('ping-db')));
    for (const c of [...delta.inserts, ...delta.modifies]) assert.ok(c.origin, 'inserts and modifies carry the spec that asked for them');
  });

  test('identical states: nothing to write, everything unchanged', () => {
    const p = planDelta(old, version((f) => f));
    assert.deepEqual([p.inserts.length, p.modifies.length, p.deletes.length, p.unchanged], [0, 0, 0, old.entries.length]);
  });

  test('prune=false keeps what the new state dropped, as extraneous', () => {
    const p = planDelta(old, next, { prune: false });
    const full = plan(next, old.entries.map((e) => Buffer.from(e.bytes)), { index, prune: false });
    assert.equal(p.deletes.length, 0);
    assert.deepEqual(shape(p), shape(full));
  });
});
