// The reconciler converges the same specs on the bundled target in each
// quirk mode (a switch without atomic writes, without MODIFY, with P4Runtime
// 1.3, answering Reads in one message) to exactly the state of a target
// without quirks — flows-example-repo/ itself, and a change made of MODIFYs.
// The switch factory wraps every session with modifyFallbackSession; without
// it (modifyFallback: false) the same change is rolled back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench, P4INFO, entityCount, withoutProvenance } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { initRepo, readTreeFiles } from '../helpers/git-repo.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { p4rtConnector } from '../../src/reconcile/p4rt-switch.ts';

const EXAMPLE_REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../flows-example-repo');
const QUIRKS = ['no-atomic', 'no-modify', 'api-1.3', 'single-read-message'];

const v1: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'silver' },
];
// qos changes are MODIFYs of flow_policy entries; the port change inserts and deletes.
const v2: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 9443], steer: true, qos: 'gold' },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'bronze' },
];

const benches: Bench[] = [];
after(async () => {
  for (const b of benches) await b.close();
});

/** leaf1 has the quirk, leaf2 none; both get the same specs. */
async function bench(quirk: string): Promise<Bench> {
  const b = new Bench();
  benches.push(b);
  b.targets.push(await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO, quirks: [quirk] }));
  await b.startTarget();
  return b;
}

type Snap = ReturnType<RunningTarget['state']['snapshot']>;

/** flows-example-repo/ on two targets (leaf1, leaf2) with `quirks`, through the default switch factory. */
async function convergeExample(quirks: string[]): Promise<Snap[]> {
  const b = new Bench();
  benches.push(b);
  for (let i = 0; i < 2; i++) b.targets.push(await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO, quirks }));
  await initRepo(b.repo, readTreeFiles(EXAMPLE_REPO));
  const r = b.reconciler({ targets: { leaf1: { address: b.targets[0]!.address }, leaf2: { address: b.targets[1]!.address } } });
  const ev = await r.sync('test');
  assert.deepEqual(ev!.switches.map((s) => [s.target, s.outcome, s.error?.message]), [['leaf1', 'Converged', undefined], ['leaf2', 'Converged', undefined]]);
  const again = await r.sync('test', { force: true });
  assert.deepEqual(again!.switches.map((s) => s.outcome), ['Unchanged', 'Unchanged'], 'a converged switch diffs to zero');
  await r.stop();
  // Two repos, two commit ids: provenance records differ, forwarding state must not.
  return b.targets.map((t) => withoutProvenance(t.state.snapshot()));
}

test('flows-example-repo converges in every quirk mode to the state it has on a switch without quirks', async () => {
  const reference = await convergeExample([]);
  for (const snap of reference) assert.ok(entityCount(snap) > 50, 'the example repo writes a real amount of entries');
  for (const quirk of QUIRKS) {
    const got = await convergeExample([quirk]);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(got[i]!.tables, reference[i]!.tables, `${quirk}: leaf${i + 1} tables`);
      assert.deepEqual(got[i]!.members, reference[i]!.members, `${quirk}: leaf${i + 1} members`);
      assert.deepEqual(got[i]!.groups, reference[i]!.groups, `${quirk}: leaf${i + 1} groups`);
    }
  }
});

for (const quirk of QUIRKS) {
  test(`${quirk}: two commits converge to the same state as on a target without quirks`, async () => {
    const b = await bench(quirk);
    await b.commit(v1);
    const r = b.reconciler();
    for (const flows of [v1, v2]) {
      if (flows !== v1) await b.commit(flows);
      const ev = await r.sync('test');
      for (const sw of ev!.switches) assert.equal(sw.outcome, 'Converged', `${sw.target}: ${sw.error?.message}`);
      const [quirky, plain] = b.targets.map((t) => t.state.snapshot());
      assert.deepEqual(quirky!.tables, plain!.tables);
      assert.deepEqual(quirky!.members, plain!.members);
      assert.deepEqual(quirky!.groups, plain!.groups);
    }
    const last = await r.sync('test', { force: true });
    assert.equal(last!.switches[0]!.outcome, 'Unchanged', 'a later sync finds nothing to do');
    await r.stop();
  });
}

test('no-modify without the fallback: the MODIFY is refused and the switch is left as it was', async () => {
  const b = await bench('no-modify');
  await b.commit(v1);
  const r = b.reconciler({}, { connect: p4rtConnector({ modifyFallback: false }) });
  assert.equal((await r.sync('test'))!.switches[0]!.outcome, 'Converged', 'inserts only');
  const before = b.targets[0]!.state.snapshot();
  await b.commit(v2);
  const sw = (await r.sync('test'))!.switches[0]!;
  assert.notEqual(sw.outcome, 'Converged');
  assert.match(sw.error?.message ?? '', /MODIFY is not supported/);
  assert.deepEqual(b.targets[0]!.state.snapshot().tables, before.tables);
  await r.stop();
});
