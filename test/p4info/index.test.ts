// The P4Info index: lookups by name, alias and id; unknown names are typed errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { P4InfoError } from '../../src/shared/errors.ts';
import { protoType } from '../../src/proto/load.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { parseTextProto } from '../../src/p4info/txtpb.ts';
import { P4INFO_TEXT } from './fixture.ts';

const P4Info = protoType('p4.config.v1.P4Info');
const index = P4InfoIndex.fromP4Info(P4Info.fromObject(parseTextProto(P4INFO_TEXT, P4Info)));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-index-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('tables by full name, alias and id are the same object with the P4Info facts', () => {
  const t = index.table('ingress.flow_policy');
  assert.equal(index.table('flow_policy'), t);
  assert.equal(index.table(0x02000401), t);
  assert.equal(t.id, 0x02000401);
  assert.equal(t.size, 65536);
  assert.equal(t.directCounterId, 0x13000401);
  assert.equal(t.directMeterId, 0x15000401);
  assert.equal(t.needsPriority, false);
  assert.equal(t.implementationId, 0);
  assert.deepEqual([...t.actionIds], [0x01000401, 0x01000001]);
  assert.deepEqual(t.fields, [{ id: 1, name: 'flow_id', bitwidth: 32, matchType: 'exact' }]);

  const nf = index.table('nf_steer');
  assert.equal(nf.implementationId, 0x11000501);
  assert.equal(nf.withSelector, true);
  assert.deepEqual([...nf.defaultOnlyActionIds], [21257015]);
  const acl = index.table('ingress.acl');
  assert.equal(acl.needsPriority, true);
  assert.deepEqual(
    acl.fields.map((f) => f.matchType),
    ['ternary', 'range', 'optional'],
  );
  assert.equal(index.tableField('ingress.src_service_v4', 'src_addr').matchType, 'lpm');
  assert.equal(index.tableField(0x02000201, 2).name, 'src_addr');
});

test('actions, params, profiles and direct resources', () => {
  const a = index.action('ingress.to_nf');
  assert.equal(index.action('to_nf'), a);
  assert.equal(index.action(0x01000501), a);
  assert.deepEqual(a.params, [
    { id: 1, name: 'port', bitwidth: 9 },
    { id: 2, name: 'dmac', bitwidth: 48 },
  ]);
  assert.equal(index.actionParam('to_nf', 'dmac').id, 2);
  assert.equal(index.actionParam(a, 1).name, 'port');
  const p = index.actionProfile('nf_selector');
  assert.deepEqual(p, { id: 0x11000501, name: 'ingress.nf_selector', alias: 'nf_selector', tableIds: [0x02000501], withSelector: true, size: 1024, maxGroupSize: 16 });
  assert.equal(index.tables.length, 5);
  assert.equal(index.actions.length, 8);
  assert.equal(index.actionProfiles.length, 1);
  assert.deepEqual(index.directCounters, [{ id: 0x13000401, name: 'ingress.flow_counter', alias: 'flow_counter', directTableId: 0x02000401, unit: 'BOTH' }]);
  assert.deepEqual(index.directMeters.map((m) => [m.id, m.unit]), [[0x15000401, 'BYTES']]);
});

test('unknown names and ids throw P4InfoError naming what and where, never id 0', () => {
  const expect = (fn: () => unknown, code: string, ...words: string[]) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof P4InfoError, String(e));
      assert.equal(e.code, code);
      for (const w of words) assert.ok(e.message.includes(w), `${e.message} should mention ${w}`);
      return true;
    });
  expect(() => index.table('ingress.flow_clasify'), 'UNKNOWN_TABLE', 'ingress.flow_clasify');
  expect(() => index.table(0), 'UNKNOWN_TABLE', 'id 0');
  expect(() => index.tableField('flow_classify', 'tenant'), 'UNKNOWN_FIELD', 'ingress.flow_classify', 'tenant', 'tenant_id');
  expect(() => index.tableField('flow_classify', 9), 'UNKNOWN_FIELD', 'id 9');
  expect(() => index.action('ingress.permit'), 'UNKNOWN_ACTION', 'ingress.permit');
  expect(() => index.actionParam('ingress.forward', 'mac'), 'UNKNOWN_PARAM', 'ingress.forward', 'mac', 'dmac');
  expect(() => index.actionProfile('ingress.lb'), 'UNKNOWN_ACTION_PROFILE', 'ingress.lb');
  expect(() => index.tableField('nope', 'x'), 'UNKNOWN_TABLE', 'nope');
});

test('fromFile reads the text P4Info', () => {
  const f = path.join(tmp, 'x.p4info.txtpb');
  fs.writeFileSync(f, P4INFO_TEXT);
  const i2 = P4InfoIndex.fromFile(f);
  assert.deepEqual(
    i2.tables.map((t) => [t.id, t.name]),
    index.tables.map((t) => [t.id, t.name]),
  );
});

test('the real pipeline P4Info, when present, matches the contract in p4/README.md', (t) => {
  const file = path.join(import.meta.dirname, '../../p4/flowops_v1model.p4info.txtpb');
  if (!fs.existsSync(file)) return t.skip('p4/flowops_v1model.p4info.txtpb not written yet');
  const real = P4InfoIndex.fromFile(file);
  assert.equal(real.table('ingress.flow_classify').id, 0x02000301);
  assert.deepEqual(
    real.table('ingress.flow_classify').fields.map((f) => [f.id, f.name, f.bitwidth, f.matchType]),
    [
      [1, 'tenant_id', 16, 'exact'],
      [2, 'src_service', 16, 'exact'],
      [3, 'dst_service', 16, 'exact'],
      [4, 'ip_proto', 8, 'exact'],
      [5, 'l4_dst_port', 16, 'exact'],
    ],
  );
  assert.equal(real.actionParam('ingress.allow', 'qid').bitwidth, 5);
  assert.equal(real.table('ingress.nf_steer').implementationId, 0x11757225);
  assert.equal(real.table('ingress.flow_policy').directMeterId, 0x1578fc0a);
});
