// Arbitration over StreamChannel: primary election, refusals, promotion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { Code } from '../../src/proto/load.ts';
import { TestClient, exactEntry, p4infoBytes } from './fixture.ts';

let target: RunningTarget;
const clients: TestClient[] = [];
const client = (eid: number) => {
  const c = new TestClient(target.address, 1, eid);
  clients.push(c);
  return c;
};

before(async () => {
  target = await startTarget();
  target.state.preload(p4infoBytes());
});
after(async () => {
  for (const c of clients) c.close();
  await target.stop();
});

test('highest election id is primary; the other stream is told ALREADY_EXISTS and its writes are refused', async () => {
  const a = client(10);
  const sa = a.arbitrate();
  assert.equal(await sa.latestCode(1), Code.OK);
  const bc = client(5);
  const sb = bc.arbitrate();
  assert.equal(await sb.latestCode(1), Code.ALREADY_EXISTS);
  assert.equal(sb.updates[0].election_id.low, '10', 'backup is told the primary election id');

  const denied = await bc.write([['INSERT', exactEntry(1, 1)]]);
  assert.equal(denied.code, Code.PERMISSION_DENIED);
  assert.equal(target.state.store.entryCount(), 0);
  await assert.rejects(bc.setPipeline('VERIFY_AND_COMMIT', { p4info: p4infoBytes() }), { code: Code.PERMISSION_DENIED });
  assert.equal((await a.write([['INSERT', exactEntry(1, 1)]])).code, 0);
  assert.equal((await bc.read([{ table_entry: { table_id: 0 } }])).length, 1, 'a backup may read');

  // A higher election id takes over; both streams are told.
  const c = client(20);
  const sc = c.arbitrate();
  assert.equal(await sc.latestCode(1), Code.OK);
  assert.equal(await sa.latestCode(2), Code.ALREADY_EXISTS);
  assert.equal((await a.write([['DELETE', exactEntry(1, 1)]])).code, Code.PERMISSION_DENIED);

  // The primary dies. Spec 5.3/5.4: the target keeps the highest election id it has seen (20),
  // so the backup with 10 is NOT promoted; it is told there is no primary (NOT_FOUND) and the
  // highest id, and its writes are still refused.
  sc.cancel();
  await sa.until(() => sa.updates.length >= 3, 'the no-primary update');
  assert.equal(sa.updates[2].status?.code, Code.NOT_FOUND);
  assert.equal(sa.updates[2].election_id.low, '20', 'told the highest election id seen');
  assert.equal(target.state.arbitration.highestElectionId(''), 20n);
  assert.equal((await a.write([['DELETE', exactEntry(1, 1)]])).code, Code.PERMISSION_DENIED);
  assert.equal((await a.write([['DELETE', exactEntry(1, 1)]], { electionId: 20 })).code, Code.PERMISSION_DENIED, 'nobody is primary, whatever id a Write carries');
  // An arbitration below the highest does not make a primary either.
  const d = client(15);
  const sd = d.arbitrate();
  assert.equal(await sd.latestCode(1), Code.NOT_FOUND);
  // Re-arbitrating with an id >= the highest seen makes a primary: equal (20) is enough.
  sa.send(20, 1, '');
  await sa.until(() => (sa.updates.at(-1).status?.code ?? Code.OK) === Code.OK, 'primary again at 20');
  assert.equal(sa.updates.at(-1).election_id.low, '20');
  await sd.until(() => sd.updates.at(-1)?.status?.code === Code.ALREADY_EXISTS, 'the others told there is a primary again');
  assert.equal((await a.write([['DELETE', exactEntry(1, 1)]], { electionId: 20 })).code, 0);
  sa.end();
  sb.end();
  sd.end();
});

test('the highest election id is kept per role: a new, higher one takes over; a role never seen has none', async () => {
  const x = client(300).arbitrate(300, { role: 'memory' });
  assert.equal(await x.latestCode(1), Code.OK);
  x.cancel();
  const y = client(250).arbitrate(250, { role: 'memory' });
  assert.equal(await y.latestCode(1), Code.NOT_FOUND);
  assert.equal(y.updates[0].election_id.low, '300');
  const z = client(301).arbitrate(301, { role: 'memory' });
  assert.equal(await z.latestCode(1), Code.OK);
  await y.until(() => y.updates.at(-1)?.status?.code === Code.ALREADY_EXISTS, 'y told of the new primary');
  assert.equal(target.state.arbitration.highestElectionId('memory'), 301n);
  assert.equal(target.state.arbitration.highestElectionId('never-used'), undefined);
  y.end();
  z.end();
});

test('a duplicate election id for the same role is INVALID_ARGUMENT', async () => {
  const a = client(100).arbitrate();
  assert.equal(await a.latestCode(1), Code.OK);
  const dup = client(100).arbitrate();
  await dup.until(() => dup.status, 'stream status');
  assert.equal(dup.status!.code, Code.INVALID_ARGUMENT);
  // Other roles have their own primary.
  const other = client(100).arbitrate(100, { role: 'observer' });
  assert.equal(await other.latestCode(1), Code.OK);
  a.end();
  other.end();
});

test('an unknown device id is NOT_FOUND on the stream and on Write', async () => {
  const c = client(1);
  const s = c.arbitrate(1, { deviceId: 9 });
  await s.until(() => s.status, 'stream status');
  assert.equal(s.status!.code, Code.NOT_FOUND);
  assert.equal((await c.write([['INSERT', exactEntry(1, 1)]], { deviceId: 9 })).code, Code.NOT_FOUND);
});

test('writes without an election id are refused', async () => {
  const c = client(1000);
  const s = c.arbitrate();
  assert.equal(await s.latestCode(1), Code.OK);
  assert.equal((await c.write([['INSERT', exactEntry(2, 2)]], { electionId: null })).code, Code.PERMISSION_DENIED);
  s.end();
});
