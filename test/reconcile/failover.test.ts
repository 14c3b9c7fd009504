// Two replicas against one switch: arbitration makes the higher election id
// primary; the backup keeps its stream and writes nothing; when the primary's
// client closes, the backup arbitrates above the highest id the switch saw, and the backup syncs
// without re-writing what the primary already wrote. Asserted on the switch's
// own arbitration and tables, not on wall-clock time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bench, until } from '../helpers/reconcile-env.ts';

const bench = new Bench();
after(() => bench.close());

test('backup takes over when the primary goes away, without a full re-write', async () => {
  const target = await bench.startTarget();
  const c1 = await bench.commit([
    { name: 'web-api', from: 'web', to: 'api', ports: [443], steer: true },
    { name: 'api-db', from: 'api', to: 'db', ports: [5432, 5433] },
  ]);
  const primary = bench.reconciler({ electionId: 20 });
  const backup = bench.reconciler({ electionId: 10 });

  const p = await primary.sync('test');
  assert.equal(p!.switches[0].outcome, 'Converged');
  const converged = target.state.snapshot();

  // The backup writes nothing and reports nothing (the primary reports this switch).
  const b = await backup.sync('test');
  assert.equal(b, undefined);
  assert.equal(backup.snapshot().switches.leaf1.role, 'backup');
  assert.deepEqual(target.state.snapshot(), converged);
  assert.equal(target.state.arbitration.primary('')?.electionId, 20n, 'the switch sees election id 20 as primary');

  await primary.stop(); // closes its P4Runtime stream: the switch re-arbitrates
  // The wait is a deadline for a hung test, not a measurement.
  await until(() => backup.snapshot().switches.leaf1?.appliedCommit === c1, 20000, 'backup promoted and synced');
  // Spec 5.3/5.4: with no primary, the switch keeps the highest id it saw (20);
  // the backup takes over by arbitrating above it.
  const promoted = target.state.arbitration.primary('')?.electionId;
  assert.ok(promoted != null && promoted > 20n, `the backup re-arbitrated above 20 (got ${promoted})`);
  const st = backup.snapshot().switches.leaf1;
  assert.equal(st.role, 'primary');
  assert.equal(st.lastOutcome, 'Unchanged');
  assert.doesNotMatch(await backup.metrics.render(), /flowops_updates_written_total\{/);
  assert.deepEqual(target.state.snapshot(), converged);

  // The new primary does write when Git changes.
  await bench.commit([{ name: 'web-api', from: 'web', to: 'api', ports: [443, 444], steer: true }]);
  const ev = await backup.sync('test');
  assert.equal(ev!.switches[0].outcome, 'Converged');
  assert.notDeepEqual(target.state.snapshot(), converged, 'the new primary wrote to the switch');
  assert.equal(ev!.switches[0].written.inserted + ev!.switches[0].written.modified > 0, true);
  // What it wrote is the new commit: read back from the switch, nothing is left to do.
  const written = target.state.snapshot();
  const check = await backup.sync('test', { force: true });
  assert.equal(check!.switches[0].outcome, 'Unchanged', check!.switches[0].error?.message);
  assert.deepEqual(target.state.snapshot(), written);
});
