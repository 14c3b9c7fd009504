// The target's quirk switches, each emulating a real switch's gap, checked
// on the wire with the raw test client: what is refused, with which code, and
// that the switch's state shows nothing else changed. The last test runs
// `flowops target` with --quirk and mutual TLS as a separate process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { Code } from '../../src/proto/load.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { channelCredentials } from '../../src/p4rt/credentials.ts';
import { TestClient, exactEntry, p4infoBytes, T_BIG, A_SET, b, exact, action, tableEntry } from './fixture.ts';
import { makeTestCerts } from '../p4rt/certs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targets: RunningTarget[] = [];
const closers: Array<() => unknown> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
  for (const t of targets) await t.stop();
});

async function quirky(...quirks: string[]): Promise<{ t: RunningTarget; c: TestClient }> {
  const t = await startTarget({ quirks });
  targets.push(t);
  t.state.preload(p4infoBytes());
  const c = new TestClient(t.address, 1, 1);
  closers.push(() => c.close());
  const s = c.arbitrate();
  assert.equal(await s.latestCode(1), Code.OK);
  closers.push(() => s.cancel());
  return { t, c };
}

async function capabilities(address: string): Promise<string> {
  const p = new P4RuntimeClient({ address, deviceId: 1n, electionId: 99n });
  closers.push(() => p.close());
  return p.capabilities();
}

const count = (t: RunningTarget) => t.state.store.entryCount();

test('no quirks: Capabilities says 1.4.0 and every optional feature works', async () => {
  const { t, c } = await quirky();
  assert.equal(await capabilities(t.address), '1.4.0');
  assert.equal((await c.write([['INSERT', exactEntry(1, 1)]], { atomicity: 'ROLLBACK_ON_ERROR' })).code, 0);
  assert.equal((await c.write([['MODIFY', exactEntry(1, 1, 2)]])).code, 0);
  assert.equal(count(t), 1);
});

test('no-atomic: ROLLBACK_ON_ERROR and DATAPLANE_ATOMIC writes are UNIMPLEMENTED as a whole; CONTINUE_ON_ERROR works', async () => {
  const { t, c } = await quirky('no-atomic');
  for (const atomicity of ['ROLLBACK_ON_ERROR', 'DATAPLANE_ATOMIC']) {
    const r = await c.write([['INSERT', exactEntry(1, 1)], ['INSERT', exactEntry(2, 1)]], { atomicity });
    assert.equal(r.code, Code.UNIMPLEMENTED, atomicity);
    assert.match(r.details, new RegExp(`atomicity ${atomicity} is not supported`));
    assert.deepEqual(r.errors, [], 'no per-update details: the RPC itself is refused');
  }
  assert.equal(count(t), 0, 'nothing applied');
  assert.equal((await c.write([['INSERT', exactEntry(1, 1)], ['INSERT', exactEntry(2, 1)]])).code, 0);
  assert.equal(count(t), 2);
});

test('no-modify: each MODIFY is UNIMPLEMENTED on its own; the batch\'s other updates apply (or roll back with it)', async () => {
  const { t, c } = await quirky('no-modify');
  await c.writeOk([['INSERT', exactEntry(1, 1, 1)]]);
  const before = t.state.snapshot().tables['ingress.t_exact'];
  const r = await c.write([['MODIFY', exactEntry(1, 1, 2)], ['INSERT', exactEntry(2, 2)]]);
  assert.equal(r.code, Code.UNKNOWN);
  assert.deepEqual(r.errors.map((e) => e.canonical_code), [Code.UNIMPLEMENTED, Code.OK]);
  assert.match(r.errors[0]!.message, /MODIFY is not supported by this target/);
  assert.equal(count(t), 2);
  assert.ok(t.state.snapshot().tables['ingress.t_exact']!.includes(before![0]!), 'the first entry still has its old action');

  const rb = await c.write([['INSERT', exactEntry(3, 3)], ['MODIFY', exactEntry(1, 1, 2)]], { atomicity: 'ROLLBACK_ON_ERROR' });
  assert.deepEqual(rb.errors.map((e) => e.canonical_code), [Code.ABORTED, Code.UNIMPLEMENTED]);
  assert.equal(count(t), 2, 'rolled back');
  // The fallback a client uses: DELETE then INSERT.
  await c.writeOk([['DELETE', exactEntry(1, 1, 1)], ['INSERT', exactEntry(1, 1, 2)]]);
  assert.notDeepEqual(t.state.snapshot().tables['ingress.t_exact'], before);
});

test('api-1.3: Capabilities says 1.3.0 and role names are ignored, as a 1.3 server skips the unknown field', async () => {
  const { t, c } = await quirky('api-1.3');
  assert.equal(await capabilities(t.address), '1.3.0');
  // A client asking for role 'flowops' lands in the default role: it competes with the default role's primary (election id 1)…
  const roleClient = new TestClient(t.address, 1, 5);
  closers.push(() => roleClient.close());
  const s = roleClient.arbitrate(5, { role: 'flowops' });
  assert.equal(await s.latestCode(1), Code.OK, 'higher election id: primary of the default role');
  closers.push(() => s.cancel());
  assert.equal(s.updates[0].role, undefined, 'the answer names no role');
  assert.equal(t.state.arbitration.primary('')?.electionId, 5n);
  assert.equal(t.state.arbitration.primary('flowops'), undefined);
  // …took over from the old primary, and its role-named writes reach any table.
  assert.equal((await c.write([['INSERT', exactEntry(1, 1)]])).code, Code.PERMISSION_DENIED);
  assert.equal((await roleClient.write([['INSERT', exactEntry(1, 1)]], { role: 'flowops' })).code, 0);
  assert.equal(count(t), 1);
});

test('single-read-message: a Read comes back as one ReadResponse however large; normally it is cut at 1 MiB', async () => {
  const entries = (n: number): Array<['INSERT', object]> =>
    Array.from({ length: n }, (_, i) => ['INSERT', tableEntry(T_BIG, [exact(1, b(i >> 16 & 255, i >> 8 & 255, i & 255))], action(A_SET, b(1)))]);
  const normal = await quirky();
  const bmv2 = await quirky('single-read-message');
  for (const { c } of [normal, bmv2]) await c.writeOk(entries(60_000));
  const read = (c: TestClient) => c.readRaw([{ table_entry: { table_id: T_BIG } }]);
  const cut = await read(normal.c);
  const one = await read(bmv2.c);
  assert.ok(cut.length >= 2, `${cut.length} messages`);
  assert.ok(cut.every((m) => m.length <= 1024 * 1024));
  assert.equal(one.length, 1);
  assert.equal(one[0]!.length, cut.reduce((s, m) => s + m.length, 0), 'the same entities, in one message');
});

test('unknown quirks are refused by name', async () => {
  await assert.rejects(startTarget({ quirks: ['no-delete'] }), /unknown quirk 'no-delete'/);
});

test('flowops target --quirk … --tls-cert --tls-key --tls-client-ca runs a mutual-TLS target with the quirks', async () => {
  const certs = makeTestCerts();
  closers.push(() => certs.cleanup());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'target', '--listen', '127.0.0.1:0',
    '--p4info', 'p4/flowops_v1model.p4info.txtpb', '--quirk', 'no-atomic', '--quirk', 'api-1.3',
    '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-client-ca', certs.caCert], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  closers.push(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 20_000;
  while (!/listening on (\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`target did not start: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(out, /mutual TLS, P4Runtime 1\.3\.0, quirk no-atomic, quirk api-1\.3/);
  const address = /listening on (\S+)/.exec(out)![1]!;
  const p = new P4RuntimeClient({ address, deviceId: 1n, electionId: 1n, credentials: channelCredentials({ caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey }) });
  closers.push(() => p.close());
  assert.equal((await p.connect()).primary, true);
  assert.equal(await p.capabilities(), '1.3.0');
  await p.close();
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  assert.match(out, /stopped/);
});
