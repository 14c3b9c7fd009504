// Targeted read-back against the real target over P4Runtime: after a write
// only the touched entities are read (by identity, batched), meters included;
// a switch that acknowledges an update it did not apply is caught; a rollback
// is proven by reading its touched entities back at their old state.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/apply/apply.ts';
import { readBackMatches } from '../../src/apply/read-back.ts';
import type { EntityRpc, Update } from '../../src/apply/session.ts';
import { plan } from '../../src/diff/plan.ts';
import { planSize } from '../../src/diff/types.ts';
import { desiredState } from '../../src/desired/desired.ts';
import { p4rtSwitchFactory } from '../../src/reconcile/p4rt-switch.ts';
import type { SwitchConnection } from '../../src/reconcile/switch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4INFO } from '../helpers/reconcile-env.ts';
import { specRepo, type FlowDef, treeOf } from '../helpers/spec-repo.ts';

/** Passes everything through and counts the entities each Read asks for. */
class ReadCounter implements EntityRpc {
  reads: number[] = [];
  constructor(private inner: EntityRpc) {}
  write(updates: Update[], opts?: Parameters<EntityRpc['write']>[1]) {
    return this.inner.write(updates, opts);
  }
  read(filters: Buffer[]) {
    this.reads.push(filters.length);
    return this.inner.read(filters);
  }
}

describe('read-back of touched entities', () => {
  let target: RunningTarget;
  let sw: SwitchConnection;
  const address = () => `127.0.0.1:${target.port}`;
  const base: FlowDef[] = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, from: 'web', to: 'api', ports: [1000 + i] }));

  const planFor = async (flows: FlowDef[]) => {
    const files = new Map(Object.entries(specRepo({ targets: [{ name: 'leaf1', address: address() }], flows })).map(([k, v]) => [k, Buffer.from(v)]));
    const d = desiredState(treeOf(files, 'test'), { now: new Date() });
    assert.deepEqual(d.problems, []);
    const desired = d.states.get('leaf1')!;
    const index = d.pipelines.get('leaf1')!.index;
    return { p: plan(desired, await sw.readManaged(desired, index), { index }), desired, index, pipe: d.pipelines.get('leaf1')! };
  };

  before(async () => {
    target = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
    sw = await p4rtSwitchFactory()({ name: 'leaf1', address: address(), deviceId: 1, electionId: 5, insecure: true }, silentLogger);
    const { pipe, p, index } = await planFor(base);
    await sw.ensurePipeline(pipe, 'push');
    const r = await applyPlan(sw, p, { limits: { size: 100, maxBytes: 1 << 20 }, readBack: { index } });
    assert.equal(r.ok, true);
  });
  after(async () => {
    await sw?.close();
    await target?.stop();
  });

  test('a small change reads back only what it wrote, meter configs included', async () => {
    const flows = [...base.slice(1), { ...base[0]!, ports: [2000], rateLimit: { rate: '10Mbps', burst: '100KB' } }];
    const { p, desired, index } = await planFor(flows);
    const touched = planSize(p);
    assert.ok(touched > 0 && touched < desired.entries.length / 2, `touched ${touched} of ${desired.entries.length}`);
    const rec = new ReadCounter(sw);
    let fullReads = 0;
    const r = await applyPlan(rec, p, {
      limits: { size: 100, maxBytes: 1 << 20 },
      readBack: { index, perRead: 2, maxShare: 1 },
      verify: async () => {
        fullReads++;
        return false;
      },
    });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.leftAt, 'new');
    assert.equal(fullReads, 0, 'the full re-read is only a fallback');
    // Every touched entity asked for once, in Reads of at most 2.
    assert.equal(rec.reads.reduce((a, b) => a + b, 0), touched);
    assert.ok(rec.reads.every((n) => n <= 2));
    // And the switch really is at the new state.
    assert.equal(planSize(plan(desired, await sw.readManaged(desired, index), { index })), 0);
    // The metered flow_policy entry reads back with its meter: checking the old state must fail.
    assert.equal(await readBackMatches(sw, [...p.inserts, ...p.modifies, ...p.deletes], 'old', { index }), false);
    assert.equal(await readBackMatches(sw, [...p.inserts, ...p.modifies, ...p.deletes], 'new', { index }), true);
  });

  test('touching more than maxShare of the switch: the caller’s full re-read proves it instead', async () => {
    const flows = [...base, { name: 'big', from: 'db', to: 'web', ports: [1, 2, 3, 4, 5, 6, 7, 8] }];
    const { p, index } = await planFor(flows);
    const rec = new ReadCounter(sw);
    const calls: string[] = [];
    const r = await applyPlan(rec, p, {
      limits: { size: 100, maxBytes: 1 << 20 },
      readBack: { index, maxShare: 0 },
      verify: async (expect) => {
        calls.push(expect);
        return true;
      },
    });
    assert.equal(r.ok, true);
    assert.deepEqual(calls, ['new']);
    assert.deepEqual(rec.reads, [], 'no targeted reads');
    const back = await planFor(base);
    assert.equal((await applyPlan(sw, back.p, { limits: { size: 100, maxBytes: 1 << 20 }, readBack: { index } })).ok, true);
  });

  test('an update acknowledged but not applied is caught', async () => {
    const flows = [...base, { name: 'extra', from: 'api', to: 'db', ports: [5432] }];
    const { p, index } = await planFor(flows);
    assert.ok(p.inserts.length >= 2);
    const dropped = p.inserts[p.inserts.length - 1]!;
    // A switch that says OK to one insert it never applies.
    const liar: EntityRpc = {
      write: (updates, o) => sw.write(updates.filter((u) => !u.entity.equals(dropped.bytes)), o),
      read: (f) => sw.read(f),
    };
    const r = await applyPlan(liar, p, { limits: { size: 100, maxBytes: 1 << 20 }, readBack: { index } });
    assert.equal(r.ok, false);
    assert.equal(r.leftAt, 'unknown');
    assert.match(r.error ?? '', /read-back/);
    // Converge for the next test.
    const again = await planFor(flows);
    assert.equal(planSize(again.p), 1);
    assert.equal((await applyPlan(sw, again.p, { limits: { size: 100, maxBytes: 1 << 20 }, readBack: { index } })).ok, true);
  });

  test('a failed update: the rollback is verified by reading the touched entities at their old state', async () => {
    const old = target.state.snapshot();
    const flows = base.map((f, i) => (i < 6 ? { ...f, qos: 'gold' as const } : f)).slice(0, 10);
    const { p, index } = await planFor(flows);
    assert.ok(p.modifies.length >= 6 && p.deletes.length > 0);
    target.state.failUpdate({ nth: 4, code: 'INTERNAL', message: 'injected' });
    const rec = new ReadCounter(sw);
    // One request in flight, so exactly the requests up to the failing one are sent.
    const r = await applyPlan(rec, p, { limits: { size: 2, maxBytes: 1 << 20 }, readBack: { index }, inFlight: 1 });
    assert.equal(r.ok, false);
    assert.equal(r.failed?.message, 'injected');
    assert.equal(r.leftAt, 'old');
    assert.deepEqual(target.state.snapshot(), old);
    // Only the first two requests' updates and the failing request were touched and read back.
    assert.equal(rec.reads.reduce((a, b) => a + b, 0), 4);
  });

  test('a rollback that does not restore the old state is reported as unknown', async () => {
    const flows = base.slice(0, 11);
    const { p, index } = await planFor(flows);
    assert.ok(p.deletes.length > 0);
    target.state.failUpdate({ nth: 2, code: 'INTERNAL', message: 'injected' });
    // A session whose compensating re-inserts are acknowledged but dropped.
    let failed = false;
    const session: EntityRpc = {
      write: async (updates, o) => {
        if (failed) return { ok: true };
        const res = await sw.write(updates, o);
        if (!res.ok) failed = true;
        return res;
      },
      read: (f) => sw.read(f),
    };
    const r = await applyPlan(session, p, { limits: { size: 1, maxBytes: 1 << 20 }, readBack: { index } });
    assert.equal(r.ok, false);
    assert.equal(r.leftAt, 'unknown');
    // Heal for whoever runs next.
    const again = await planFor(base);
    assert.equal((await applyPlan(sw, again.p, { limits: { size: 100, maxBytes: 1 << 20 }, readBack: { index } })).ok, true);
  });
});
