// SetForwardingPipelineConfig / GetForwardingPipelineConfig: actions,
// cookies, response types, and what a commit does to the tables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { Code, protoType } from '../../src/proto/load.ts';
import { P4INFO_TEXT, T_EXACT, TestClient, exactEntry, p4infoBytes, type Stream } from './fixture.ts';

let target: RunningTarget;
let c: TestClient;
let stream: Stream;

before(async () => {
  target = await startTarget();
  c = new TestClient(target.address, 1, 1);
  stream = c.arbitrate();
  await stream.latestCode(1);
});
after(async () => {
  stream.end();
  c.close();
  await target.stop();
});

const rows = () => target.state.snapshot().tables['ingress.t_exact'] ?? [];
// The same program with one more action: a different P4Info.
const otherP4Info = p4infoBytes(P4INFO_TEXT + 'actions { preamble { id: 0x01000077 name: "ingress.extra" } }\n');

test('before a pipeline is set, Write and Read are FAILED_PRECONDITION and Get returns an empty config', async () => {
  assert.equal((await c.write([['INSERT', exactEntry(1, 1)]])).code, Code.FAILED_PRECONDITION);
  await assert.rejects(c.read([{ table_entry: { table_id: 0 } }]), { code: Code.FAILED_PRECONDITION });
  assert.deepEqual((await c.getPipeline()).config ?? {}, {});
  await assert.rejects(c.setPipeline('COMMIT'), { code: Code.FAILED_PRECONDITION }, 'COMMIT with nothing saved');
  await assert.rejects(c.setPipeline('VERIFY_AND_COMMIT'), { code: Code.INVALID_ARGUMENT }, 'no P4Info');
});

test('an inconsistent P4Info is INVALID_ARGUMENT', async () => {
  const bad = p4infoBytes(P4INFO_TEXT.replace('action_refs { id: 0x01000003 }', 'action_refs { id: 0x01000099 }'));
  await assert.rejects(c.setPipeline('VERIFY', { p4info: bad }), { code: Code.INVALID_ARGUMENT });
  const dupId = p4infoBytes(P4INFO_TEXT + 'actions { preamble { id: 0x01000001 name: "again" } }\n');
  await assert.rejects(c.setPipeline('VERIFY_AND_COMMIT', { p4info: dupId }), { code: Code.INVALID_ARGUMENT });
  assert.equal(target.state.pipeline, undefined);
});

test('VERIFY changes nothing; VERIFY_AND_SAVE then COMMIT installs; Get honours response_type', async () => {
  await c.setPipeline('VERIFY', { p4info: p4infoBytes(), cookie: 1 });
  assert.equal(target.state.pipeline, undefined);
  await c.setPipeline('VERIFY_AND_SAVE', { p4info: p4infoBytes(), cookie: 7, deviceConfig: Buffer.from('bmv2-json') });
  assert.equal(target.state.pipeline, undefined, 'saved, not committed');
  await c.setPipeline('COMMIT');
  const all = (await c.getPipeline('ALL')).config;
  assert.equal(all.cookie.cookie, '7');
  assert.equal(Buffer.from(all.p4_device_config).toString(), 'bmv2-json');
  assert.deepEqual(Buffer.from(protoType('p4.config.v1.P4Info').encode(all.p4info).finish()), p4infoBytes());
  const cookieOnly = (await c.getPipeline('COOKIE_ONLY')).config;
  assert.deepEqual(Object.keys(cookieOnly), ['cookie']);
  assert.deepEqual(Object.keys((await c.getPipeline('P4INFO_AND_COOKIE')).config).sort(), ['cookie', 'p4info']);
  assert.deepEqual(Object.keys((await c.getPipeline('DEVICE_CONFIG_AND_COOKIE')).config).sort(), ['cookie', 'p4_device_config']);
});

test('VERIFY_AND_COMMIT clears the tables; RECONCILE_AND_COMMIT keeps them', async () => {
  await c.setPipeline('VERIFY_AND_COMMIT', { p4info: p4infoBytes(), cookie: 1 });
  await c.writeOk([['INSERT', exactEntry(1, 1)], ['INSERT', exactEntry(2, 2)]]);
  await c.setPipeline('RECONCILE_AND_COMMIT', { p4info: p4infoBytes(), cookie: 2 });
  assert.equal(rows().length, 2, 'same P4Info: state kept');
  await c.setPipeline('RECONCILE_AND_COMMIT', { p4info: otherP4Info, cookie: 3 });
  assert.equal(rows().length, 2, 'entries still valid under the new P4Info are kept');
  assert.equal((await c.getPipeline('COOKIE_ONLY')).config.cookie.cookie, '3');
  await c.setPipeline('VERIFY_AND_COMMIT', { p4info: p4infoBytes(), cookie: 4 });
  assert.deepEqual(rows(), []);
  assert.equal((await c.read([{ table_entry: { table_id: T_EXACT } }])).length, 0);
});

test('a non-primary cannot set the pipeline', async () => {
  const backup = new TestClient(target.address, 1, 0);
  const s = backup.arbitrate(0);
  assert.equal(await s.latestCode(1), Code.ALREADY_EXISTS);
  await assert.rejects(backup.setPipeline('VERIFY_AND_COMMIT', { p4info: p4infoBytes() }), { code: Code.PERMISSION_DENIED });
  s.end();
  backup.close();
});
