// `flowops target` as a separate process: the flowops P4Info preloaded, a
// P4Runtime client writing to it, the admin endpoint driving its hooks, a
// clean exit on SIGTERM and the state file reloaded by a second process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '../../src/proto/load.ts';
import { TestClient, action, b, encodeEntity, exact, tableEntry } from './fixture.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-target-cli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const TENANT_CLASSIFY = 0x02000101;
const SET_TENANT = 0x01000101;
const FLOW_POLICY = 0x02000401;
const ALLOW = 0x01000401;

async function launch(args: string[]): Promise<{ child: ChildProcess; address: string; admin: string; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'target', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 20_000;
  while (!/admin on (\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`target did not start: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, address: /listening on (\S+)/.exec(out)![1]!, admin: /admin on (\S+)/.exec(out)![1]!, out: () => out };
}

async function admin(base: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(base + route, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const json: any = await res.json();
  if (!res.ok) throw Object.assign(new Error(json.error), json);
  return json;
}

test('flowops target --help describes the options', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'target', '--help'], { cwd: root });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  for (const opt of ['--listen', '--device-id', '--p4info', '--state', '--admin-port']) assert.match(out, new RegExp(opt));
});

test('a separate target process serves P4Runtime and the admin hooks, and stops on SIGTERM', async () => {
  const state = path.join(dir, 'switch.state');
  const args = ['--listen', '127.0.0.1:0', '--device-id', '3', '--p4info', 'p4/flowops_v1model.p4info.txtpb', '--state', state, '--admin-port', '0'];
  const t = await launch(args);
  assert.match(t.out(), /device 3, pipeline loaded/);
  const c = new TestClient(t.address, 3, 1);
  const s = c.arbitrate();
  assert.equal(await s.latestCode(1), Code.OK);
  const classify = (port: number, vlan: number, tenant: number) => tableEntry(TENANT_CLASSIFY, [exact(1, b(0, port)), exact(2, b(0, vlan))], action(SET_TENANT, b(0, tenant)));
  await c.writeOk([['INSERT', classify(1, 100, 7)]]);
  const policy = tableEntry(FLOW_POLICY, [exact(1, b(0, 0, 0, 5))], action(ALLOW, b(2)));
  await c.writeOk([['INSERT', policy]]);
  // 9-bit port given 512: the real switch would refuse it, so does this one.
  const tooWide = tableEntry(TENANT_CLASSIFY, [exact(1, b(2, 0)), exact(2, b(1))], action(SET_TENANT, b(1)));
  assert.equal((await c.write([['INSERT', tooWide]])).errors[0]?.canonical_code, Code.OUT_OF_RANGE);

  const snap = await admin(t.admin, '/snapshot');
  assert.deepEqual(snap.tables['ingress.tenant_classify'], [encodeEntity(tableEntry(TENANT_CLASSIFY, [exact(1, b(1)), exact(2, b(100))], action(SET_TENANT, b(7)))).toString('hex')]);

  // Another client changes the switch behind the primary's back.
  const tampered = await admin(t.admin, '/tamper', { updates: [{ type: 'INSERT', entity: encodeEntity(classify(2, 200, 8)).toString('hex') }] });
  assert.equal(tampered.results[0].code, 0);
  assert.equal((await c.read([{ table_entry: { table_id: TENANT_CLASSIFY } }])).length, 2);

  assert.deepEqual(await admin(t.admin, '/simulateTraffic', { table: 'ingress.flow_policy', packets: 10, bytes: 1500 }), { entries: 1 });
  const [counted] = await c.read([{ direct_counter_entry: { table_entry: { table_id: FLOW_POLICY } } }]);
  assert.ok(counted, 'direct counter entry read');

  await admin(t.admin, '/failUpdate', { nth: 1, code: 'UNAVAILABLE', message: 'switch busy' });
  const failed = await c.write([['DELETE', classify(2, 200, 8)]]);
  assert.deepEqual(failed.errors.map((e) => [e.canonical_code, e.message]), [[Code.UNAVAILABLE, 'switch busy']]);
  await assert.rejects(admin(t.admin, '/failUpdate', { nth: 0, code: 'UNAVAILABLE' }), /nth/);
  const missing = await fetch(t.admin + '/nope');
  assert.equal(missing.status, 404);

  s.end();
  c.close();
  t.child.kill('SIGTERM');
  const code = await new Promise((r) => t.child.on('exit', r));
  assert.equal(code, 0);
  assert.match(t.out(), /stopped/);

  // The state file brings the tables back in a new process; reset empties them.
  const again = await launch(args);
  const snap2 = await admin(again.admin, '/snapshot');
  assert.equal(snap2.tables['ingress.tenant_classify'].length, 2);
  await admin(again.admin, '/reset', {});
  assert.deepEqual((await admin(again.admin, '/snapshot')).tables['ingress.tenant_classify'], []);
  again.child.kill('SIGTERM');
  assert.equal(await new Promise((r) => again.child.on('exit', r)), 0);
});
