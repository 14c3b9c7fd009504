// The reconciler converges the same specs on the bundled target in each
// quirk mode (a switch without atomic writes, without MODIFY, with P4Runtime
// 1.3, answering Reads in one message) to exactly the state of a target
// without quirks. MODIFY-less switches need the session wrapped with
// modifyFallbackSession; without it the same change is rolled back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bench, P4INFO } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { startTarget } from '../../src/target/server.ts';
import { p4rtSwitchFactory } from '../../src/reconcile/p4rt-switch.ts';
import { modifyFallbackSession } from '../../src/p4rt/modify-fallback.ts';
import type { SwitchFactory } from '../../src/reconcile/switch.ts';

const v1: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'silver' },
];
// qos changes are MODIFYs of flow_policy entries; the port change inserts and deletes.
const v2: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 9443], steer: true, qos: 'gold' },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'bronze' },
];

const withModifyFallback: SwitchFactory = async (addr, log) => {
  const handle = await p4rtSwitchFactory()(addr, log);
  const session = modifyFallbackSession({ write: handle.write.bind(handle) });
  handle.write = (updates, opts) => session.write(updates, opts);
  return handle;
};

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

for (const quirk of ['no-atomic', 'no-modify', 'api-1.3', 'single-read-message']) {
  test(`${quirk}: two commits converge to the same state as on a target without quirks`, async () => {
    const b = await bench(quirk);
    await b.commit(v1);
    const r = b.reconciler({}, { connect: withModifyFallback });
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
  const r = b.reconciler();
  assert.equal((await r.sync('test'))!.switches[0]!.outcome, 'Converged', 'inserts only');
  const before = b.targets[0]!.state.snapshot();
  await b.commit(v2);
  const sw = (await r.sync('test'))!.switches[0]!;
  assert.notEqual(sw.outcome, 'Converged');
  assert.match(sw.error?.message ?? '', /MODIFY is not supported/);
  assert.deepEqual(b.targets[0]!.state.snapshot().tables, before.tables);
  await r.stop();
});
