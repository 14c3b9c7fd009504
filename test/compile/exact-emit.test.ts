// The fast lane for all-exact tables writes the same canonical bytes and
// identity keys as the general encoder, for every value width (0, byte
// boundaries, the maximum), and leaves out-of-range values to the general
// lane, which names the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactEmitter } from '../../src/compile/exact-emit.ts';
import { createEmitter } from '../../src/compile/emit.ts';
import { TABLES } from '../../src/compile/tables.ts';
import { buildTableEntry, encodeTableEntry, entityKey } from '../../src/p4info/entity.ts';
import { EncodeError } from '../../src/shared/errors.ts';
import { v1model } from './fixture.ts';
import { EntriesBuilder } from '../../src/compile/entries.ts';

const index = v1model();
const fc = TABLES.flowClassify;
const edges = (bits: number) => [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffff, 0x1000000, 2 ** bits - 1].filter((v) => v < 2 ** bits);

test('flow_classify: identical bytes and keys to the general encoder across value widths', () => {
  const emit = exactEmitter(index, createEmitter(index), fc, fc.actions.setFlow);
  let n = 0;
  let seed = 12345;
  const rnd = (bits: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return bits >= 32 ? seed : seed % 2 ** bits;
  };
  const cases: number[][] = [];
  for (const port of edges(16)) for (const flow of edges(32)) cases.push([1, 2, 3, 6, port, flow]);
  for (const t of edges(16)) for (const p of edges(8)) cases.push([t, 0xffff, 0, p, 80, 1]);
  for (let i = 0; i < 500; i++) cases.push([rnd(16), rnd(16), rnd(16), rnd(8), rnd(16), rnd(32)]);
  for (const [tenant, src, dst, proto, port, flow] of cases) {
    const got = emit([tenant!, src!, dst!, proto!, port!], [flow!]);
    const want = encodeTableEntry(
      buildTableEntry(index, {
        table: fc.name,
        match: { tenant_id: tenant!, src_service: src!, dst_service: dst!, ip_proto: proto!, l4_dst_port: port! },
        action: { name: fc.actions.setFlow.name, params: { flow_id: flow! } },
      }),
    );
    assert.ok(got.bytes.equals(want), `bytes of ${[tenant, src, dst, proto, port, flow]}`);
    assert.equal(got.key, entityKey(want));
    assert.equal(got.table, fc.name);
    n++;
  }
  assert.ok(n > 600);
});

test('flow_policy: same bytes; out-of-range values take the general lane and its error', () => {
  const fp = TABLES.flowPolicy;
  const emit = exactEmitter(index, createEmitter(index), fp, fp.actions.allow);
  for (const flow of edges(32)) {
    for (const qid of [0, 1, 3]) {
      const want = encodeTableEntry(buildTableEntry(index, { table: fp.name, match: { flow_id: flow }, action: { name: fp.actions.allow.name, params: { qid } } }));
      assert.ok(emit([flow], [qid]).bytes.equals(want));
    }
  }
  assert.throws(() => emit([2 ** 32], [0]), (e: unknown) => e instanceof EncodeError && /flow_id/.test(e.message));
  assert.throws(() => emit([1], [1.5]), (e: unknown) => e instanceof EncodeError && /qid/.test(e.message));
});

test('into a builder: the same keys and bytes as the returned entries, in place, with the given origin', () => {
  const emit = exactEmitter(index, createEmitter(index), fc, fc.actions.setFlow);
  const origin = { kind: 'flow' as const, name: 'a/b', file: 'flows/a.yaml', line: 3 };
  const b = new EntriesBuilder();
  const cases = [[1, 2, 3, 6, 80, 7], [0, 0, 0, 0, 0, 0], [0xffff, 0x100, 0xff, 17, 0xffff, 2 ** 32 - 1], [5, 6, 7, 6, 443, 0x10000]];
  for (const port of edges(16)) for (const flow of edges(32)) cases.push([port, flow & 0xffff, 3, 6, port, flow]);
  for (const [t, s, d, p, port, flow] of cases) emit.into(b, [t!, s!, d!, p!, port!], [flow!], origin);
  const got = b.seal(false);
  assert.equal(got.length, cases.length);
  cases.forEach(([t, s, d, p, port, flow], i) => {
    const want = emit([t!, s!, d!, p!, port!], [flow!]);
    assert.ok(got.bytesOf(i).equals(want.bytes), `bytes of case ${i}`);
    assert.equal(got.keyOf(i), want.key);
    assert.equal(got.tableOf(i), fc.name);
    assert.equal(got.originOf(i), origin);
  });
  // Out of range through `into` takes the general lane and its error too.
  assert.throws(() => emit.into(b, [1, 2, 3, 6, 2 ** 16], [1], origin), (e: unknown) => e instanceof EncodeError && /l4_dst_port/.test(e.message));
});
