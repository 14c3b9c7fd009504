// The delta path (reconcile/known-state.ts): a commit after a converged one is
// planned from the previous desired state without reading the switch, and
// every doubt sends the next sync back to the full read, naming why. Real Git
// repos, the bundled target on a real gRPC socket; the switch's own tables
// (the target's snapshot) are the independent check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Bench, P4INFO, RecordingReporter, desiredHex, strayEntry, switchHolds as holds, until } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { commitFiles } from '../helpers/git-repo.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import type { Reconciler } from '../../src/reconcile/reconciler.ts';
import type { SyncResult } from '../../src/report/events.ts';

const base: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432] },
  { name: 'api-cache', from: 'api', to: 'cache', ports: [6379] },
  { name: 'web-cache', from: 'web', to: 'cache', protocol: 'icmp' },
];
/** `base` with one flow's ports changed. */
const oneFlow = (ports: number[]): FlowDef[] => base.map((f) => (f.name === 'api-db' ? { ...f, ports } : f));

async function syncOne(r: Reconciler, reason = 'test'): Promise<SyncResult> {
  const ev = await r.sync(reason);
  assert.ok(ev, 'the sync ran');
  return ev.switches[0];
}

test('a one-flow commit after a converged commit goes the delta path, writes only that flow, and leaves the switch at desired(new)', async (t) => {
  const b = new Bench();
  t.after(() => b.close());
  const target = await b.startTarget();
  await b.commit(base);
  const r = b.reconciler();
  const first = await syncOne(r);
  assert.equal(first.outcome, 'Converged', first.error?.message);
  assert.deepEqual(first.path, { path: 'full', reason: 'restart' }, 'a process start reads the switch');
  const before = new Set(holds(target));

  const next = oneFlow([5432, 5433, 5434]);
  await b.commit(next);
  const sw = await syncOne(r);
  assert.equal(sw.outcome, 'Converged', sw.error?.message);
  assert.deepEqual(sw.path, { path: 'delta', reason: 'known' });
  const changes = [...sw.plan.inserts, ...sw.plan.modifies, ...sw.plan.deletes];
  assert.ok(changes.length > 0);
  for (const c of changes) assert.match(c.origin?.name ?? '', /api-db/, `a change outside the changed flow: ${c.table} from ${c.origin?.name}`);
  assert.equal(sw.written.inserted + sw.written.modified + sw.written.deleted, changes.length);

  // The switch's own tables: exactly desired(new), and only the changed flow's entries differ from before.
  const after = holds(target);
  assert.deepEqual(after, desiredHex(b.targets[0], next));
  const added = after.filter((h) => !before.has(h)).length;
  const removed = [...before].filter((h) => !after.includes(h)).length;
  assert.equal(added, sw.plan.inserts.length + sw.plan.modifies.length);
  assert.equal(removed, sw.plan.deletes.length + sw.plan.modifies.length);

  // Operators see which path ran: the status file and the log line.
  assert.equal(r.snapshot().switches.leaf1.lastPath, 'delta: known');
  assert.ok(b.logs.some((l) => l.includes('"msg":"sync path: delta, known"')));
  assert.ok(b.logs.some((l) => l.includes('"msg":"sync path: full, restart"')));
});

test('a push webhook converges the new commit by the delta path; pushes while it runs collapse into one more sync; a push with nothing new reads no switch', async (t) => {
  const b = new Bench();
  t.after(() => b.close());
  await b.startTarget();
  await b.commit(base);
  const reporter = new RecordingReporter();
  const r = b.reconciler({}, { reporter });
  assert.equal((await syncOne(r)).outcome, 'Converged');

  const next = oneFlow([5432, 5436]);
  await b.commit(next);
  for (let i = 0; i < 5; i++) r.pushed(); // GitHub redelivering, several pushes at once
  await r.pushIdle();
  const pushSyncs = reporter.syncs.slice(1);
  assert.ok(pushSyncs.length >= 1 && pushSyncs.length <= 2, `${pushSyncs.length} syncs for 5 pushes`);
  const sw = pushSyncs[0]!.switches[0]!;
  assert.equal(sw.outcome, 'Converged', sw.error?.message);
  assert.deepEqual(sw.path, { path: 'delta', reason: 'known' }, 'a push is not a request to read the switch');
  assert.deepEqual(holds(b.targets[0]), desiredHex(b.targets[0], next));

  // Nothing new at the branch head: no switch is read or written.
  const paths = () => b.logs.filter((l) => String(JSON.parse(l).msg).startsWith('sync path:')).length;
  const before = paths();
  const syncs = reporter.syncs.length;
  r.pushed();
  await r.pushIdle();
  assert.equal(paths(), before, 'no sync path chosen, so no switch read');
  for (const ev of reporter.syncs.slice(syncs)) assert.deepEqual(ev.switches, []);
  // POST /sync (triggerSync) still reads the whole switch.
  r.triggerSync('http');
  await r.forcedIdle();
  assert.equal(paths(), before + 1);
  assert.equal(r.snapshot().switches.leaf1.lastPath, 'full: forced');
});

test('tampering between two commits: the delta path cannot see it, the next drift scan finds and heals it', async (t) => {
  const b = new Bench();
  t.after(() => b.close());
  const target = await b.startTarget();
  await b.commit(base);
  const reporter = new RecordingReporter();
  const r = b.reconciler({ drift: { policy: 'heal' } }, { reporter });
  assert.equal((await syncOne(r)).outcome, 'Converged');

  // Another client deletes one of web-api's entries (a flow the next commit does not touch) and adds a stray one.
  const snap = target.state.snapshot();
  const victim = Buffer.from(snap.tables['ingress.flow_classify'].find((h) => !h.includes(Buffer.from('api-db').toString('hex')))!, 'hex');
  const stray = strayEntry();
  assert.deepEqual(target.state.tamper([{ type: 'DELETE', entity: victim }, { type: 'INSERT', entity: stray }]).map((x) => x.code), [0, 0]);

  const next = oneFlow([5432, 15432]);
  const c2 = await b.commit(next);
  const sw = await syncOne(r);
  assert.equal(sw.outcome, 'Converged', sw.error?.message);
  assert.deepEqual(sw.path, { path: 'delta', reason: 'known' }, 'nothing known says the switch changed');
  assert.notDeepEqual(holds(target), desiredHex(b.targets[0], next), 'the delta wrote only its own changes: the tampering is still there');

  const drifts = await r.driftScan();
  assert.equal(drifts.length, 1);
  assert.equal(drifts[0].commit, c2, 'compared against the commit applied by the delta');
  assert.deepEqual(drifts[0].entries.map((e) => e.kind).sort(), ['extraneous', 'missing']);
  assert.equal(drifts[0].healed, true);
  assert.deepEqual(holds(target), desiredHex(b.targets[0], next), 'healed to desired(new)');
  assert.equal(r.snapshot().switches.leaf1.lastPath, 'full: drift', 'the heal used the scan\'s own full read');

  // Healed by a full read: the next commit may go the delta path again.
  const third = oneFlow([5432]);
  await b.commit(third);
  const sw3 = await syncOne(r);
  assert.deepEqual(sw3.path, { path: 'delta', reason: 'known' });
  assert.deepEqual(holds(target), desiredHex(b.targets[0], third));
});

interface Doubt {
  reason: string;
  config?: Record<string, unknown>;
  /** Raises the doubt; returns the reconciler (and its result) whose sync of `next` must take the full path. */
  raise(b: Bench, r: Reconciler, target: RunningTarget, next: FlowDef[], reporter: RecordingReporter): Promise<{ r: Reconciler; result: () => Promise<SyncResult> }>;
}

const doubts: Doubt[] = [
  {
    reason: 'reconnect',
    async raise(b, r, target, next) {
      // The switch restarts (its tables empty): the stream breaks, the reconciler reconnects.
      const port = target.port;
      await target.stop();
      await until(() => r.snapshot().switches.leaf1.role === 'disconnected', 10000, 'the connection loss noticed');
      b.targets[0] = await startTarget({ address: `127.0.0.1:${port}`, p4infoFile: P4INFO });
      await b.commit(next);
      return { r, result: () => syncOne(r) };
    },
  },
  {
    reason: 'failover',
    async raise(b, r, _target, next, reporter) {
      // A second replica with a higher election id takes over, converges `next`, then goes away: this one is promoted.
      const other = b.reconciler();
      assert.equal((await syncOne(other)).outcome, 'Unchanged');
      await until(() => r.snapshot().switches.leaf1.role === 'backup', 10000, 'demotion noticed');
      const c = await b.commit(next);
      assert.equal((await syncOne(other)).path?.path, 'delta');
      await other.stop();
      await until(() => r.snapshot().switches.leaf1.appliedCommit === c, 20000, 'promoted and synced');
      // The promoted sync ran on its own (pool.ts onPromoted): its result is the last one reported.
      return { r, result: async () => reporter.syncs.at(-1)!.switches[0] };
    },
  },
  {
    reason: 'write-failed',
    async raise(b, r, target, next) {
      await b.commit(next);
      target.state.failUpdate({ nth: 1, code: 'RESOURCE_EXHAUSTED', message: 'table full (injected)' });
      const failed = await syncOne(r);
      assert.equal(failed.outcome, 'RolledBack');
      assert.deepEqual(failed.path, { path: 'delta', reason: 'known' });
      return { r, result: () => syncOne(r) };
    },
  },
  {
    reason: 'pipeline-pushed',
    async raise(b, r, _target, next) {
      // The commit gives the Target another device config: a new cookie, pushed (which empties the tables).
      await b.commit(next);
      const leaf = fs.readFileSync(path.join(b.repo, 'targets/leaf1.yaml'), 'utf8');
      await commitFiles(b.repo, {
        'targets/leaf1.yaml': `${leaf}  pipeline:\n    mode: push\n    arch: v1model\n    p4info: p4/v1model.p4info.txtpb\n    deviceConfig: build/v1model.json\n`,
        'p4/v1model.p4info.txtpb': fs.readFileSync(P4INFO, 'utf8'),
        'build/v1model.json': JSON.stringify({ program: 'flowops_v1model.p4', __meta__: { version: [2, 24] } }),
      });
      return { r, result: () => syncOne(r) };
    },
  },
  {
    reason: 'restart',
    async raise(b, r, _target, next) {
      await r.stop();
      await b.commit(next);
      const again = b.reconciler(); // the same state folder
      return { r: again, result: () => syncOne(again) };
    },
  },
  {
    reason: 'drift',
    config: { drift: { policy: 'alert' } },
    async raise(b, r, target, next) {
      target.state.tamper([{ type: 'INSERT', entity: strayEntry() }]);
      assert.equal((await r.driftScan()).length, 1);
      await b.commit(next);
      return { r, result: () => syncOne(r) };
    },
  },
  {
    reason: 'forced',
    async raise(_b, r) {
      // POST /sync with no new commit: look at the switch, whatever is known.
      return { r, result: async () => (await r.sync('http', { force: true }))!.switches[0] };
    },
  },
];

for (const d of doubts) {
  test(`doubt: ${d.reason} → the next sync reads the whole switch (full, ${d.reason}) and converges`, async (t) => {
    const b = new Bench();
    t.after(() => b.close());
    const target = await b.startTarget();
    await b.commit(base);
    const reporter = new RecordingReporter();
    const r = b.reconciler(d.config ?? {}, { reporter });
    assert.equal((await syncOne(r)).outcome, 'Converged');
    const known = oneFlow([5432, 5433]);
    await b.commit(known);
    assert.deepEqual((await syncOne(r)).path, { path: 'delta', reason: 'known' }, 'trusted before the doubt');

    const next = d.reason === 'forced' ? known : oneFlow([5432, 5435]);
    const { r: after, result } = await d.raise(b, r, target, next, reporter);
    const res = await result();
    assert.deepEqual(res.path, { path: 'full', reason: d.reason });
    assert.equal(after.snapshot().switches.leaf1.lastPath, `full: ${d.reason}`);
    assert.match(after.snapshot().switches.leaf1.lastOutcome ?? '', /^(Converged|Unchanged)$/);
    assert.deepEqual(holds(b.targets[0]), desiredHex(b.targets[0], next));
  });
}
