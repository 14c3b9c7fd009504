// A switch that disagrees with itself (its Read leaves out entries its write
// path still holds, as BMv2 does after its Thrift CLI clears a table): the
// bundled target's hideFromRead hook makes it lie, and the reconciler must
// still converge, with the recovery logged as a quirk. Then the session
// wrapper's NOT_FOUND paths and its failure mapping, on the real target.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bench } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { selfDisagreementSession, recoveryFor } from '../../src/p4rt/self-disagreement.ts';
import { createLogger } from '../../src/shared/log.ts';
import { Code } from '../../src/proto/load.ts';

const flows: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432] },
];
const benches: Bench[] = [];
after(async () => {
  for (const b of benches) await b.close();
});

/** A bundled target converged on `flows` by a reconciler (each test its own). */
async function converged() {
  const b = new Bench();
  benches.push(b);
  const t = await b.startTarget();
  await b.commit(flows);
  const r = b.reconciler();
  assert.equal((await r.sync('first'))!.switches[0].outcome, 'Converged');
  return { b, t, r };
}

test('entries the switch hides from Read: INSERT answered ALREADY_EXISTS is retried as MODIFY, logged as a quirk, and the switch converges', async () => {
  const { b, t, r } = await converged();
  const good = t.state.snapshot();

  // The switch "forgets" two entries in its Read but not in its bookkeeping.
  const hidden = [good.tables['ingress.flow_classify'][0], good.tables['ingress.flow_policy'][0]];
  t.state.hideFromRead(hidden);
  const ev = (await r.sync('again', { force: true }))!.switches[0];
  assert.equal(ev.outcome, 'Converged', ev.error?.message);
  assert.equal(ev.plan.inserts.length, 2, 'planned from the lying Read');
  assert.deepEqual(ev.written, { inserted: 2, modified: 0, deleted: 0 });
  const quirks = b.logs.map((l) => JSON.parse(l)).filter((l) => l.quirk === 'self-disagreement');
  assert.deepEqual(quirks.map((q) => [q.type, q.answer, q.retryAs]), [['INSERT', 'ALREADY_EXISTS', 'MODIFY'], ['INSERT', 'ALREADY_EXISTS', 'MODIFY']]);
  // The MODIFYs reached the entries: Read and write path agree again, nothing else changed.
  assert.deepEqual(t.state.snapshot().tables, good.tables);
  const third = (await r.sync('third', { force: true }))!.switches[0];
  assert.equal(third.outcome, 'Unchanged');
  await r.stop();
});

test('MODIFY answered NOT_FOUND becomes INSERT; DELETE answered NOT_FOUND is already done; other errors keep their index', async () => {
  const { t, r } = await converged();
  await r.stop();
  const snap = t.state.snapshot();
  const [e1, e2] = snap.tables['ingress.flow_classify'].map((h) => Buffer.from(h, 'hex'));
  // Take two entries away behind everyone's back.
  t.state.tamper([{ type: 'DELETE', entity: e1 }, { type: 'DELETE', entity: e2 }]);

  const client = new P4RuntimeClient({ address: t.address, deviceId: 1, electionId: 500n });
  after(() => client.close());
  await client.connect();
  const logs: string[] = [];
  const session = selfDisagreementSession({ write: (u, o) => client.writeOutcome(u, o) }, createLogger({ level: 'debug', sink: (l) => logs.push(l) }));
  assert.deepEqual(await session.write([{ type: 'MODIFY', entity: e1 }, { type: 'DELETE', entity: e2 }]), { ok: true });
  const after1 = t.state.snapshot().tables['ingress.flow_classify'];
  assert.ok(after1.includes(e1.toString('hex')), 'MODIFY of a missing entry inserted it');
  assert.ok(!after1.includes(e2.toString('hex')), 'the DELETE of a missing entry changed nothing');
  assert.equal(logs.filter((l) => l.includes('self-disagreement')).length, 2);

  // A failure the retry cannot fix: the retried MODIFY fails too (injected), reported at the caller's index.
  t.state.failUpdate({ nth: 3, code: 'RESOURCE_EXHAUSTED', message: 'table full' });
  const err = await session.write([{ type: 'INSERT', entity: e2 }, { type: 'INSERT', entity: e1 }]);
  assert.ok(!err.ok && err.kind === 'per-update', JSON.stringify(err));
  assert.deepEqual(err.updates.map((e) => e.code), [Code.OK, Code.RESOURCE_EXHAUSTED]);
  assert.match(err.updates[1]!.message, /INSERT answered ALREADY_EXISTS, retried as MODIFY: table full/);
  assert.equal(recoveryFor('INSERT', Code.NOT_FOUND), undefined);
});
