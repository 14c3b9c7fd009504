// The hand-rolled wire codec against protobufjs, the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protoType } from '../../src/proto/load.ts';
import { fields, joinRepeated, splitRepeated, varintSize, WireError, WireReader, WireWriter } from '../../src/p4info/wire.ts';

const ReadResponse = protoType('p4.v1.ReadResponse');
const Entity = protoType('p4.v1.Entity');

test('varints and 64-bit values match protobufjs', () => {
  const Uint128 = protoType('p4.v1.Uint128');
  // (0 is left out: protobufjs writes an explicitly set default, proto3 canonical form omits it)
  for (const v of [1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1]) {
    const w = new WireWriter(4);
    w.uintField(2, v);
    const ref = Buffer.from(Uint128.encode(Uint128.fromObject({ low: String(v) })).finish());
    assert.deepEqual(w.finish(), ref, String(v));
    assert.equal(varintSize(v), ref.length - 1);
    const r = new WireReader(ref);
    assert.ok(r.next());
    assert.equal(r.fieldNo, 2);
    assert.equal(r.varint(), v);
  }
  assert.equal(new WireWriter().uintField(2, 0).pos, 0);
  const w = new WireWriter();
  w.int64Field(1, 2n ** 64n - 1n).int64Field(2, -1);
  const r = new WireReader(w.finish());
  r.next();
  assert.equal(r.varint64(), 2n ** 64n - 1n);
  r.next();
  assert.equal(r.int32(), -1);
});

test('nested messages longer than 127 and 16383 bytes get their length fixed up in place', () => {
  for (const n of [10, 200, 20000]) {
    const w = new WireWriter(8);
    const outer = w.begin(1);
    const inner = w.begin(2);
    w.bytesField(1, Buffer.alloc(n, 0xab));
    w.end(inner);
    w.end(outer);
    w.uintField(3, 9);
    const buf = w.finish();
    const top = [...fields(buf)];
    assert.deepEqual(top.map((f) => f.fieldNo), [1, 3]);
    const mid = [...fields(top[0].bytes!)];
    const leaf = [...fields(mid[0].bytes!)];
    assert.equal(leaf[0].bytes!.length, n);
    assert.ok(leaf[0].bytes!.every((x) => x === 0xab));
  }
});

test('splitRepeated cuts a ReadResponse into entity views without copying', () => {
  const entities = [1, 2, 3].map((i) => ({ table_entry: { table_id: i, priority: i * 1000 } }));
  const buf = Buffer.from(ReadResponse.encode(ReadResponse.fromObject({ entities })).finish());
  const parts = splitRepeated(buf, 1);
  assert.equal(parts.length, 3);
  parts.forEach((p, i) => {
    assert.equal(p.buffer, buf.buffer); // a view, not a copy
    assert.equal((Entity.decode(p) as any).table_entry.priority, (i + 1) * 1000);
  });
  const joined = joinRepeated(1, parts);
  assert.deepEqual(Buffer.from(joined), buf);
  assert.deepEqual(splitRepeated(Buffer.alloc(0), 1), []);
});

test('truncated or malformed input throws WireError instead of reading garbage', () => {
  assert.throws(() => splitRepeated(Buffer.from([0x0a, 0x05, 0x01]), 1), WireError);
  assert.throws(() => splitRepeated(Buffer.from([0x08, 0xff]), 1), WireError);
  assert.throws(() => splitRepeated(Buffer.from([0x0b]), 1), WireError); // wire type 3 (groups) unsupported
  assert.throws(() => [...fields(Buffer.from([0x00]))], WireError);
});
