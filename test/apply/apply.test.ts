// applyPlan against the real target over P4Runtime: make-before-break order
// and request boundaries, compensation after a failed update inside a
// request, and a stop request mid-apply. The session is the real client; a
// pass-through recorder only notes what was sent.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/apply/apply.ts';
import { planSteps } from '../../src/apply/steps.ts';
import type { EntityRpc, Update } from '../../src/apply/session.ts';
import { entityKey, peekOwner } from '../../src/p4info/entity.ts';
import { plan } from '../../src/diff/plan.ts';
import { desiredState } from '../../src/desired/desired.ts';
import type { DesiredSet } from '../../src/desired/types.ts';
import { p4rtConnector } from '../../src/reconcile/p4rt-switch.ts';
import type { SwitchConnection } from '../../src/reconcile/switch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4INFO, entityCount } from '../helpers/reconcile-env.ts';
import { specRepo, type FlowDef, treeOf } from '../helpers/spec-repo.ts';

/**
 * The dependency levels of compile/order.ts's doc comment, written out here
 * rather than asked of writeRank: a wrong rank there fails this test.
 */
const LEVELS: Record<string, number> = {
  'ingress.tenant_classify': 2, 'ingress.tenant_classify_vni': 2, 'egress.tenant_rate': 2,
  'ingress.src_service_v4': 3, 'ingress.dst_service_v4': 3, 'ingress.src_service_v6': 3, 'ingress.dst_service_v6': 3,
  'ingress.tenant_route_v4': 4, 'ingress.tenant_route_v6': 4,
  'ingress.flow_policy': 5, 'ingress.nf_steer': 5,
  'ingress.flow_classify': 6, 'ingress.flow_classify_range': 6,
};
function expectedLevel(entity: string, table: string): number {
  if (entity === 'action_profile_member') return 0;
  if (entity === 'action_profile_group') return 1;
  assert.ok(table in LEVELS, `no documented level for ${table}`);
  return LEVELS[table];
}

function desiredFor(address: string, flows: FlowDef[]): DesiredSet {
  const files = new Map(Object.entries(specRepo({ targets: [{ name: 'leaf1', address }], flows })).map(([k, v]) => [k, Buffer.from(v)]));
  const d = desiredState(treeOf(files, 'test'), { now: new Date() });
  assert.deepEqual(d.problems, []);
  return d;
}

class Recorder implements EntityRpc {
  requests: Update[][] = [];
  constructor(private inner: EntityRpc) {}
  write(updates: Update[], opts?: Parameters<EntityRpc['write']>[1]) {
    this.requests.push(updates);
    return this.inner.write(updates, opts);
  }
  read(filters: Buffer[]) {
    return this.inner.read(filters);
  }
}

describe('applyPlan', () => {
  let target: RunningTarget;
  let sw: SwitchConnection;
  const flowsA: FlowDef[] = [
    { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443], steer: true },
    { name: 'api-db', from: 'api', to: 'db', ports: [5432] },
  ];
  const flowsB: FlowDef[] = [
    { name: 'web-api', from: 'web', to: 'api', ports: [443], qos: 'gold' },
    { name: 'cache-db', from: 'cache', to: 'db', ports: [6379, 6380] },
  ];

  before(async () => {
    target = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
    const address = `127.0.0.1:${target.port}`;
    sw = await p4rtConnector()({ name: 'leaf1', address, deviceId: 1, electionId: 5, insecure: true }, silentLogger);
    const d = desiredFor(address, flowsA);
    await sw.ensurePipeline(d.pipelines.get('leaf1')!, 'push');
  });
  after(async () => {
    await sw?.close();
    await target?.stop();
  });

  const address = () => `127.0.0.1:${target.port}`;
  const planFor = async (flows: FlowDef[]) => {
    const d = desiredFor(address(), flows);
    const desired = d.states.get('leaf1')!;
    const index = d.pipelines.get('leaf1')!.index;
    return { p: plan(desired, await sw.readManaged(desired, index), { index }), desired, index };
  };

  test('writes in make-before-break order; a request never spans two dependency levels', async () => {
    const { p, desired, index } = await planFor(flowsA);
    const rec = new Recorder(sw);
    const r = await applyPlan(rec, p, { limits: { size: 4, maxBytes: 1 << 20 } });
    assert.equal(r.ok, true);
    assert.equal(r.written.inserted, desired.entries.length);
    const levelOf = (u: Update) => {
      const o = peekOwner(u.entity)!;
      const name = o.kind === 'table_entry' ? index.table(o.id).name : index.actionProfile(o.id).name;
      return (u.type === 'DELETE' ? 100 : 0) + expectedLevel(o.kind, name);
    };
    let last = -1;
    for (const req of rec.requests) {
      assert.ok(req.length <= 4);
      const levels = new Set(req.map(levelOf));
      assert.equal(levels.size, 1, 'one level per request');
      const lv = [...levels][0];
      assert.ok(lv >= last, 'levels ascend');
      last = lv;
    }
    // members and groups before nf_steer; flow_policy before flow_classify
    const flat = rec.requests.flat().map(levelOf);
    assert.deepEqual(flat, [...flat].sort((a, b) => a - b));
    assert.equal(entityCount(target.state.snapshot()), desired.entries.length);

    // Change: deletes come after every insert/modify, in reverse dependency order.
    const next = await planFor(flowsB);
    assert.ok(next.p.deletes.length > 0 && next.p.inserts.length > 0 && next.p.modifies.length > 0);
    const steps = planSteps(next.p);
    const firstDelete = steps.findIndex((s) => s.update.type === 'DELETE');
    assert.ok(steps.slice(firstDelete).every((s) => s.update.type === 'DELETE'));
    const delRanks = steps.slice(firstDelete).map((s) => expectedLevel(s.change.entity, s.change.table));
    assert.deepEqual(delRanks, [...delRanks].sort((a, b) => b - a));
    const r2 = await applyPlan(sw, next.p, { limits: { size: 3, maxBytes: 1 << 20 } });
    assert.equal(r2.ok, true);
    const check = await planFor(flowsB);
    assert.equal(check.p.inserts.length + check.p.modifies.length + check.p.deletes.length, 0);
  });

  test('a failed update inside a request: the request’s applied updates and earlier requests are undone', async () => {
    const old = target.state.snapshot();
    const { p, desired, index } = await planFor(flowsA);
    target.state.failUpdate({ nth: 5, code: 'INTERNAL', message: 'injected' });
    const r = await applyPlan(sw, p, {
      limits: { size: 3, maxBytes: 1 << 20 },
      verify: async (expect) => {
        const live = await sw.readManaged(desired, index);
        if (expect === 'new') return plan(desired, live, { index }).unchanged === desired.entries.length;
        return JSON.stringify(target.state.snapshot()) === JSON.stringify(old);
      },
    });
    assert.equal(r.ok, false);
    assert.equal(r.leftAt, 'old');
    assert.equal(r.failed?.index, 4);
    assert.equal(r.failed?.message, 'injected');
    assert.ok(r.rolledBack >= 4);
    assert.deepEqual(target.state.snapshot(), old);
  });

  test('several Writes in flight within one level, one failing: every update of every request is undone', async () => {
    const old = target.state.snapshot();
    const ports = Array.from({ length: 30 }, (_, i) => 1000 + i);
    const { p, desired, index } = await planFor([...flowsA, { name: 'many', from: 'cache', to: 'api', ports }]);
    const steps = planSteps(p);
    const level = expectedLevel('table_entry', 'ingress.flow_classify'); // inserts of flow_classify: one level
    const first = steps.findIndex((s) => s.level === level);
    assert.ok(steps.filter((s) => s.level === level).length >= 15, 'the level holds at least five requests of 3');
    // Fail the 2nd update of that level's 2nd request; its 3rd and 4th requests are already on the wire.
    target.state.failUpdate({ nth: first + 5, code: 'INTERNAL', message: 'injected' });
    let inFlight = 0;
    let most = 0;
    const sent: Update[][] = [];
    const session: EntityRpc = {
      write: async (u, o) => {
        sent.push(u);
        most = Math.max(most, ++inFlight);
        try {
          return await sw.write(u, o);
        } finally {
          inFlight--;
        }
      },
      read: (f) => sw.read(f),
    };
    const r = await applyPlan(session, p, {
      limits: { size: 3, maxBytes: 1 << 20 },
      inFlight: 4,
      verify: async (expect) => {
        const live = await sw.readManaged(desired, index);
        if (expect === 'new') return plan(desired, live, { index }).unchanged === desired.entries.length;
        return JSON.stringify(target.state.snapshot()) === JSON.stringify(old);
      },
    });
    assert.equal(most, 4, 'four requests were in flight at once');
    const forward = sent.slice(0, sent.findIndex((req) => req.some((u) => u.type === 'DELETE')));
    assert.ok(forward.flat().length >= first + 12, 'requests after the failing one were written too');
    assert.equal(r.ok, false);
    assert.equal(r.failed?.index, first + 4);
    assert.equal(r.failed?.message, 'injected');
    assert.equal(r.attempted, forward.flat().length - 1, 'every applied update, the failed one excepted');
    assert.equal(r.rolledBack, r.attempted);
    assert.equal(r.leftAt, 'old');
    assert.deepEqual(r.written, { inserted: 0, modified: 0, deleted: 0 });
    assert.deepEqual(target.state.snapshot(), old);
  });

  test('a stop request mid-apply finishes the request in flight, then rolls back', async () => {
    const old = target.state.snapshot();
    const { p } = await planFor(flowsA);
    const stop = new AbortController();
    let requests = 0;
    let sent = 0;
    const session: EntityRpc = {
      write: async (u, o) => {
        const res = await sw.write(u, o);
        sent += u.length;
        if (++requests === 2) stop.abort(new Error('SIGTERM'));
        return res;
      },
      read: (f) => sw.read(f),
    };
    const r = await applyPlan(session, p, { limits: { size: 2, maxBytes: 1 << 20 }, signal: stop.signal });
    assert.equal(r.aborted, true);
    assert.equal(r.attempted, sent - r.rolledBack);
    assert.ok(r.attempted >= 2);
    assert.equal(r.leftAt, 'old');
    assert.deepEqual(target.state.snapshot(), old);
  });

  test('a request nobody answered whose undo is refused too: left at unknown, never claimed old', async () => {
    const old = target.state.snapshot();
    const { p } = await planFor(flowsA);
    let requests = 0;
    const unanswered = new Set<string>();
    const session: EntityRpc = {
      write: async (u, o) => {
        // The second request reaches the switch, but no answer comes back.
        if (++requests === 2) {
          for (const x of u) unanswered.add(entityKey(x.entity));
          await sw.write(u, o);
          return { ok: false, kind: 'rpc', code: 4, message: 'deadline exceeded' };
        }
        // Undoing those updates is refused.
        if (u.length === 1 && unanswered.has(entityKey(u[0]!.entity))) return { ok: false, kind: 'rpc', code: 14, message: 'refused' };
        return sw.write(u, o);
      },
      read: (f) => sw.read(f),
    };
    const r = await applyPlan(session, p, { limits: { size: 2, maxBytes: 1 << 20 }, inFlight: 1 });
    assert.equal(r.ok, false);
    assert.ok(unanswered.size > 0);
    assert.equal(r.leftAt, 'unknown', 'the unanswered updates landed and were not undone');
    assert.notDeepEqual(target.state.snapshot(), old);
  });
});
