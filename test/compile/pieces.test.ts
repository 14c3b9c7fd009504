// A patch's entries in pieces (compile/entries.ts Pieces): stretches of the
// source are not copied but listed as pieces of its arenas, the added entries'
// bytes written alone. Every way of reading them — by entry, as ranges, as a
// window, as keys, as one flattened arena — gives what a copy would, and the
// delta and insert order over them are those over a flat copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredEntries, EntriesBuilder } from '../../src/compile/entries.ts';
import { TABLES } from '../../src/compile/tables.ts';
import type { DesiredEntry, DesiredState, Origin } from '../../src/compile/types.ts';
import { planDelta } from '../../src/diff/delta.ts';
import { insertOrder } from '../../src/diff/write-order.ts';

const origin = (name: string): Origin => ({ kind: 'flow', name, file: `${name}.yaml`, line: 1 });
const entry = (i: number, o: Origin, table: string = TABLES.flowClassify.name): DesiredEntry => ({
  kind: 'table_entry',
  table,
  key: `key-${i}-${'k'.repeat(i % 7)}`,
  bytes: Buffer.from(`bytes-${i}-${'b'.repeat(i % 11)}`),
  origin: o,
});
const flat = (e: DesiredEntries) => DesiredEntries.from([...Array(e.length).keys()].map((i) => e.entryOf(i)));
const emitted = (e: DesiredEntries) => [...Array(e.length).keys()].map((i) => e.entryOf(i));
const state = (entries: DesiredEntries): DesiredState => ({ target: 't', entries, managedTableIds: [1], managedProfileIds: [] });

/** 0..n-1 with origins a0..; then [keep stretches of it] with new entries between, as a patch makes them. */
function source(n: number): DesiredEntries {
  const b = new EntriesBuilder();
  for (let i = 0; i < n; i++) b.push(entry(i, origin(`a${i >> 3}`)));
  return b.seal();
}
function patch(src: DesiredEntries, spans: [number, number][], added: number[][]): DesiredEntries {
  const b = EntriesBuilder.patching(src);
  spans.forEach(([from, to], k) => {
    b.pushSpan(from, to);
    for (const i of added[k] ?? []) b.push(entry(i, origin(`new${i}`)));
  });
  return b.seal();
}

test('a patch lists its source stretches as pieces; entries, keys, ranges, windows and the flattened arena are what a copy holds', () => {
  const src = source(500);
  const p = patch(src, [[0, 100], [130, 300], [300, 480]], [[1000, 1001], [], [1002]]);
  assert.ok(p.pieces >= 4, `${p.pieces} pieces`);
  assert.equal(p.bytesOf(5).buffer, src.bytesOf(5).buffer, 'a kept entry is a view of the source arena');
  const copy = flat(p);
  assert.deepEqual(emitted(p), emitted(copy));
  for (let i = 0; i < p.length; i++) assert.equal(p.keyBytesOf(i).toString('latin1'), copy.keyOf(i));
  // Ranges compared across piece boundaries, against a flat arena and against pieces.
  const n = p.length;
  assert.equal(p.sameBytes(p.offs[90], p.offs[n - 3], copy, copy.offs[90]), true);
  assert.equal(copy.sameBytes(copy.offs[0], copy.offs[n], p, p.offs[0]), true);
  assert.equal(p.sameBytes(p.offs[100], p.offs[103], copy, copy.offs[101]), false);
  const w = p.bytesWindow(95, 110);
  for (let i = 95; i < 110; i++) assert.deepEqual(w.arena.subarray(w.offs[i - 95], w.offs[i - 95 + 1]), copy.bytesOf(i));
  const k = p.keysOf([3, 101, 102, 250]);
  assert.deepEqual([0, 1, 2, 3].map((j) => k.keys.toString('latin1', k.offs[j], k.offs[j + 1])), [3, 101, 102, 250].map((i) => copy.keyOf(i)));
  // Flattened once on demand: the same bytes, and one buffer from then on.
  assert.deepEqual(p.arena, copy.arena);
  assert.deepEqual(p.keyArena, copy.keyArena);
  assert.equal(p.pieces, 1);
  assert.deepEqual(emitted(p), emitted(copy));
});

test('a patch of a patch takes pieces of pieces; a patch with nothing added is its source arena', () => {
  const src = source(400);
  const p1 = patch(src, [[0, 50], [60, 400]], [[900]]);
  const p2 = patch(p1, [[0, 20], [25, 200], [201, p1.length]], [[901, 902], [903]]);
  assert.ok(p2.pieces > p1.pieces);
  const want = flat(p2);
  assert.deepEqual(emitted(p2), emitted(want));
  const same = patch(src, [[0, 400]], []);
  assert.equal(same.pieces, 1);
  assert.equal(same.arena.buffer, src.arena.buffer);
  assert.deepEqual(emitted(same), emitted(src));
});

test('past a few thousand pieces the arenas are copied into one buffer', () => {
  const src = source(20_000);
  const spans: [number, number][] = [];
  for (let i = 0; i < 20_000; i += 4) spans.push([i, i + 3]); // every fourth entry dropped: 5,000 stretches
  const p = patch(src, spans, []);
  assert.equal(p.pieces, 1);
  assert.notEqual(p.arena.buffer, src.arena.buffer);
  assert.deepEqual(emitted(p), emitted(flat(p)));
});

test('the delta to a patched state, and the insert order of its entries, are those of a flat copy', () => {
  const src = source(3000);
  const p = patch(src, [[0, 1000], [1010, 2000], [2000, 3000]], [[5000, 5001, 5002], [5003], [5004]]);
  assert.ok(p.pieces > 1);
  const copy = flat(p);
  const shape = (d: ReturnType<typeof planDelta>) => ({
    inserts: d.inserts.map((c) => [c.key, c.bytes.toString('hex'), c.origin?.name]),
    modifies: d.modifies.map((c) => [c.key, c.bytes.toString('hex'), c.previous?.toString('hex')]),
    deletes: d.deletes.map((c) => [c.key, c.bytes.toString('hex')]),
    unchanged: d.unchanged,
  });
  const delta = planDelta(state(src), state(p));
  assert.equal(delta.inserts.length, 5);
  assert.equal(delta.deletes.length, 10);
  assert.deepEqual(shape(delta), shape(planDelta(state(src), state(copy))));
  assert.deepEqual(shape(planDelta(state(p), state(src))), shape(planDelta(state(copy), state(src))));
  assert.equal(p.pieces > 1, true, 'the delta read the pieces without flattening them');
  const pos = Uint32Array.from([2994, 1000, 5, 1003, 1001, 2500, 1990]);
  assert.deepEqual([...insertOrder(p, pos)], [...insertOrder(copy, pos)]);
});
