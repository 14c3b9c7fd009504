// gRPC limits between the client and a target that answers like BMv2: a
// wildcard Read of 200k entries comes back as ONE ReadResponse far over
// gRPC's 4 MB default, which the client's large default receive limit takes
// (and a 4 MB limit would not); and a Write batch whose every update fails
// brings back all per-update errors when it is sized to the header limit
// grpc-js really has (see src/p4rt/limits.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';
import { wildcardTable } from '../../src/p4rt/filters.ts';
import { Code } from '../../src/proto/load.ts';
import { maxUpdatesForErrorDetails, metadataLimitFor } from '../../src/p4rt/limits.ts';
import type { Update } from '../../src/p4rt/messages.ts';
import { A_SET, T_BIG, encodeEntity, exact, action, tableEntry, p4infoBytes } from '../target/fixture.ts';

const N = 200_000;
let target: RunningTarget;
const clients: P4RuntimeClient[] = [];
function client(electionId: bigint, extra: Partial<ConstructorParameters<typeof P4RuntimeClient>[0]> = {}): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: target.address, deviceId: 1n, electionId, ...extra });
  clients.push(c);
  return c;
}

const key = (i: number) => Buffer.from([(i >>> 24) & 255, (i >>> 16) & 255, (i >>> 8) & 255, i & 255].slice(i < 1 << 24 ? (i < 1 << 16 ? (i < 256 ? 3 : 2) : 1) : 0));
const entry = (i: number) => encodeEntity(tableEntry(T_BIG, [exact(1, key(i))], action(A_SET, Buffer.from([1]))));

before(async () => {
  target = await startTarget({ quirks: ['single-read-message'] });
  target.state.preload(p4infoBytes());
});
after(async () => {
  for (const c of clients) await c.close();
  await target.stop();
});

test('a 200k-entry wildcard Read answered in one message over 4 MB is read with the default receive limit', async () => {
  const w = client(2n);
  await w.connect();
  const updates: Update[] = Array.from({ length: N }, (_, i) => ({ type: 'INSERT', entity: entry(i + 1) }));
  await w.writeBatches(updates, { maxUpdates: 20_000 });
  assert.equal(target.state.store.entryCount(), N);

  const messages: number[] = [];
  let count = 0;
  for await (const chunk of w.readStream([wildcardTable(T_BIG)])) {
    messages.push(chunk.reduce((s, e) => s + e.length + 4, 0));
    count += chunk.length;
  }
  assert.equal(count, N);
  assert.equal(messages.length, 1, 'the target answered in one message');
  assert.ok(messages[0]! > 4 * 1024 * 1024, `one message of about ${messages[0]} bytes`);

  // The same Read with gRPC's 4 MB default is refused by the client's channel: the large default is what makes it work.
  const small = client(1n, { maxReceiveMessageBytes: 4 * 1024 * 1024 });
  await assert.rejects(small.read([wildcardTable(T_BIG)]), (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === Code.RESOURCE_EXHAUSTED);
});

test('a failed Write\'s per-update errors come back whole for a batch sized to the header limit, and a clear error (not a hang) beyond it', async () => {
  const w = clients[0]!;
  const n = maxUpdatesForErrorDetails();
  assert.equal(n, 476);
  const dup = (count: number): Update[] => Array.from({ length: count }, (_, i) => ({ type: 'INSERT', entity: entry(i + 1) }));
  const err = await w.write(dup(n)).then(() => assert.fail('duplicates must fail'), (x: unknown) => x);
  assert.ok(err instanceof WriteError, String(err));
  assert.equal(err.errors.length, n);
  assert.ok(err.errors.every((e) => e.codeName === 'ALREADY_EXISTS'));

  // 5000 errors would be ~460 KB of trailer: grpc-js would drop it and wait for the deadline.
  const started = Date.now();
  await assert.rejects(w.write(dup(5000)), (e: unknown) =>
    e instanceof P4RuntimeError && e.grpcCode === Code.UNKNOWN && /exceed the \d+-byte status details limit: write smaller batches/.test(e.message));
  assert.ok(Date.now() - started < 10_000, 'answered, not timed out');
  assert.equal(metadataLimitFor(5000), 508_192);
});
