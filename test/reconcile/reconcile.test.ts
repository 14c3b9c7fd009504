// The reconciler against a real Git repo and a real P4Runtime target:
// converge, idempotence, drift (alert and heal), rollback of an injected
// write failure, a rejected commit, and flow expiry on its schedule.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Bench, P4INFO, RecordingReporter, entityCount, strayEntry, until, withoutProvenance } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';

const base: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443], steer: true },
  // A meter config: a switch returns it only when asked, and `meter_config {}` for entries without one.
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], rateLimit: { rate: '100Mbps', burst: '1MB' } },
];
const more: FlowDef[] = [...base, { name: 'api-cache', from: 'api', to: 'cache', ports: [6379, 6380, 6381] }, { name: 'web-cache', from: 'web', to: 'cache', protocol: 'icmp' }];

describe('reconciler', () => {
  const bench = new Bench();
  after(() => bench.close());
  before(async () => {
    await bench.startTarget();
  });

  test('commit → converged; second sync writes nothing; metrics and status say so', async () => {
    const c1 = await bench.commit(base);
    const reporter = new RecordingReporter();
    const r = bench.reconciler({}, { reporter });
    const ev = await r.sync('test');
    assert.ok(ev);
    assert.equal(ev.commit, c1);
    const sw = ev.switches[0];
    assert.equal(sw.outcome, 'Converged', sw.error?.message);
    const snap = bench.targets[0].state.snapshot();
    assert.equal(entityCount(snap), sw.written.inserted);
    assert.ok(sw.written.inserted > 10);
    assert.equal(snap.tables['ingress.flow_classify'].length, 3);

    const again = await r.sync('test', { force: true });
    assert.equal(again!.switches[0].outcome, 'Unchanged');
    assert.deepEqual(again!.switches[0].written, { inserted: 0, modified: 0, deleted: 0 });
    assert.equal(again!.switches[0].plan.unchanged, sw.written.inserted);
    assert.deepEqual(bench.targets[0].state.snapshot(), snap);

    // Nothing new in Git, no force: the loop does not even read the switch.
    assert.equal(await r.sync('test'), undefined);

    const m = (await r.metrics.render());
    assert.match(m, /flowops_syncs_total\{target="leaf1",outcome="Converged"\} 1/);
    assert.match(m, new RegExp(`flowops_updates_written_total\\{target="leaf1",type="INSERT"\\} ${sw.written.inserted}`));
    assert.equal(r.snapshot().switches.leaf1.appliedCommit, c1);
    assert.equal(reporter.syncs.length, 2);
    await r.stop();
  });

  test('a new commit changes only what changed (make before break), then drift is found and healed', async () => {
    await bench.commit(more);
    const reporter = new RecordingReporter();
    const r = bench.reconciler({ drift: { policy: 'heal' } }, { reporter });
    const ev = await r.sync('test');
    const sw = ev!.switches[0];
    assert.equal(sw.outcome, 'Converged', sw.error?.message);
    assert.equal(sw.plan.deletes.length, 0);
    assert.equal(sw.plan.inserts.length, 3 + 1 + 1 + 1); // api-cache: 3 classify + policy; web-cache (icmp): classify + policy
    const good = bench.targets[0].state.snapshot();

    // Another client deletes a flow_classify entry and inserts a stray one.
    const index = P4InfoIndex.fromFile(P4INFO);
    const victim = Buffer.from(good.tables['ingress.flow_classify'][0], 'hex');
    const stray = strayEntry(index);
    const res = bench.targets[0].state.tamper([{ type: 'DELETE', entity: victim }, { type: 'INSERT', entity: stray }]);
    assert.deepEqual(res.map((x) => x.code), [0, 0]);

    const drifts = await r.driftScan();
    assert.equal(drifts.length, 1);
    const kinds = drifts[0].entries.map((e) => e.kind).sort();
    assert.deepEqual(kinds, ['extraneous', 'missing']);
    assert.ok(drifts[0].entries.every((e) => e.table === 'ingress.flow_classify' && e.description.length > 0));
    assert.equal(drifts[0].healed, true);
    // The healed entry is the same entry; its provenance record names the commit it was rewritten for.
    assert.deepEqual(withoutProvenance(bench.targets[0].state.snapshot()), withoutProvenance(good));
    assert.equal(reporter.drifts.length, 1);
    assert.deepEqual(reporter.order, ['sync', 'drift', 'cleared:healed']); // the drift event goes out before its clear
    assert.equal((await r.driftScan()).length, 0);
    await r.stop();
  });

  test('drift policy alert reports and leaves the switch alone; clears when the switch is fixed', async () => {
    const reporter = new RecordingReporter();
    const r = bench.reconciler({ drift: { policy: 'alert' } }, { reporter });
    { const o = (await r.sync('test'))!.switches[0]; assert.equal(o.outcome, 'Unchanged', o.error?.message); }
    const good = bench.targets[0].state.snapshot();
    const stray = strayEntry(P4InfoIndex.fromFile(P4INFO));
    bench.targets[0].state.tamper([{ type: 'INSERT', entity: stray }]);
    const tampered = bench.targets[0].state.snapshot();
    const [d] = await r.driftScan();
    assert.equal(d.healed, false);
    assert.deepEqual(d.entries.map((e) => e.kind), ['extraneous']);
    assert.deepEqual(bench.targets[0].state.snapshot(), tampered);
    assert.match((await r.metrics.render()), /flowops_drift_entries\{target="leaf1",kind="extraneous"\} 1/);
    assert.equal(r.snapshot().switches.leaf1.drift?.entries, 1);
    bench.targets[0].state.tamper([{ type: 'DELETE', entity: stray }]);
    assert.deepEqual(bench.targets[0].state.snapshot(), good);
    assert.equal((await r.driftScan()).length, 0);
    assert.deepEqual(reporter.cleared.map((c) => c.reason), ['switch-changed']);
    await r.stop();
  });

  test('target fails the Nth update → compensated back to exactly the old state', async () => {
    const r = bench.reconciler({ batch: { size: 2 } });
    { const o = (await r.sync('test'))!.switches[0]; assert.equal(o.outcome, 'Unchanged', o.error?.message); }
    const old = bench.targets[0].state.snapshot();
    await bench.commit([
      { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443, 9443], steer: true, qos: 'gold' },
      { name: 'cache-db', from: 'cache', to: 'db', ports: [5432, 5433] },
    ]);
    bench.targets[0].state.failUpdate({ nth: 4, code: 'RESOURCE_EXHAUSTED', message: 'table full (injected)' });
    const ev = await r.sync('test');
    const sw = ev!.switches[0];
    assert.equal(sw.outcome, 'RolledBack');
    assert.equal(sw.error?.leftAt, 'old');
    assert.equal(sw.error?.reason, 'WriteFailed');
    assert.equal(sw.error?.updateIndex, 3);
    assert.match(sw.error!.message, /update 4\/\d+ .*table full \(injected\)/);
    assert.deepEqual(bench.targets[0].state.snapshot(), old);
    assert.equal(r.snapshot().switches.leaf1.lastOutcome, 'RolledBack');
    // Next tick retries (no failure injected now) and converges.
    const retry = await r.sync('test');
    assert.equal(retry!.switches[0].outcome, 'Converged');
    await r.stop();
  });

  test('invalid commit → nothing applied, old state kept, error names file:line', async () => {
    const r = bench.reconciler();
    { const o = (await r.sync('test'))!.switches[0]; assert.equal(o.outcome, 'Unchanged', o.error?.message); }
    const old = bench.targets[0].state.snapshot();
    const bad = `apiVersion: flowops.dev/v1
kind: Flow
metadata:
  name: broken
  tenant: acme
spec:
  from: { service: web }
  to: { service: api }
  protocol: tcp
  ports: [70000]
  action: allow
`;
    const c = await bench.commit([], { rawFlows: bad });
    const reporter = new RecordingReporter();
    const r2 = bench.reconciler({}, { reporter });
    const ev = await r.sync('test');
    assert.equal(ev!.commit, c);
    assert.equal(ev!.problems.length, 1);
    const p = ev!.problems[0];
    assert.equal(p.pos.file, 'tenants/acme/flows/flows.yaml');
    assert.equal(p.pos.line, 10);
    assert.match(p.message, /70000/);
    assert.deepEqual(ev!.switches.map((s) => s.outcome), ['Failed']);
    assert.deepEqual(bench.targets[0].state.snapshot(), old);
    assert.match(r.snapshot().switches.leaf1.lastError ?? '', /tenants\/acme\/flows\/flows\.yaml:10:\d+/);
    assert.equal(r.snapshot().switches.leaf1.lastReason, 'CommitRejected');
    // A replica starting on the bad commit has nothing good to apply: it writes nothing.
    const ev2 = await r2.sync('test');
    assert.equal(ev2!.problems.length, 1);
    assert.deepEqual(bench.targets[0].state.snapshot(), old);
    // The same bad commit is not recompiled every tick.
    assert.equal(await r.sync('test'), undefined);
    await r.stop();
    await r2.stop();
  });

  test('an expired flow is removed on the expiry schedule, with no Git change', async () => {
    const expires = new Date(Date.now() + 3000).toISOString();
    await bench.commit([...base, { name: 'temp-access', from: 'cache', to: 'web', ports: [2222], expires }]);
    const r = bench.reconciler({ schedules: { sync: '0 0 0 1 1 *', drift: '0 0 0 1 1 *', expiry: '* * * * * *' } });
    await r.start();
    const classify = () => bench.targets[0].state.snapshot().tables['ingress.flow_classify'].length;
    assert.equal(classify(), 4);
    await until(() => classify() === 3, 8000, 'expired flow removed');
    assert.equal(r.snapshot().switches.leaf1.lastOutcome, 'Converged');
    await r.stop();
  });
});

