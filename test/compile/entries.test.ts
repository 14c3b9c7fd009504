// DesiredEntries: columns over one arena give back exactly the entries put
// in, in make order (rank, then the order they were added), and find
// duplicate identity keys without building strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredEntries, EntriesBuilder } from '../../src/compile/entries.ts';
import { TABLES, PROFILES } from '../../src/compile/tables.ts';
import type { DesiredEntry, Origin } from '../../src/compile/types.ts';

const o1: Origin = { kind: 'flow', name: 'a/f1', file: 'flows/a.yaml', line: 3 };
const o2: Origin = { kind: 'tenant', name: 'a', file: 'tenants/a.yaml', line: 1 };
const e = (table: string, key: string, bytes: number[], origin: Origin, kind: DesiredEntry['kind'] = 'table_entry'): DesiredEntry => ({ kind, table, key, bytes: Buffer.from(bytes), origin });

const list = [
  e(TABLES.flowClassify.name, 'k1', [1, 2, 3], o1),
  e(TABLES.flowPolicy.name, 'k2', [4], o1),
  e(PROFILES.nfSelector.name, 'k3', [5, 6], o2, 'action_profile_member'),
  e(TABLES.flowClassify.name, 'k\u00ff4', [7, 8, 9, 10], o1),
];

test('entries come back whole, in rank order, then the order they were added', () => {
  const d = DesiredEntries.from(list);
  assert.equal(d.length, 4);
  assert.deepEqual([...d].map((x) => x.key), ['k3', 'k2', 'k1', 'k\u00ff4']);
  const back = d.find((x) => x.key === 'k\u00ff4')!;
  assert.deepEqual(back, list[3]);
  assert.deepEqual(d.at(0), list[2]);
  assert.equal(d.hasDuplicateKeys(), false);
});

test('a cached range is copied with its bytes, keys and kinds, under the new origin', () => {
  const src = DesiredEntries.from(list);
  const b = new EntriesBuilder();
  b.push(list[1]);
  b.pushRange(src, 2, 4, o2); // emission positions 2..3: the member and the second flow_classify
  const d = b.seal();
  assert.deepEqual(d.map((x) => [x.kind, x.table, x.key, [...x.bytes], x.origin]), [
    ['action_profile_member', PROFILES.nfSelector.name, 'k3', [5, 6], o2],
    ['table_entry', TABLES.flowPolicy.name, 'k2', [4], o1],
    ['table_entry', TABLES.flowClassify.name, 'k\u00ff4', [7, 8, 9, 10], o2],
  ]);
});

test('two entries with one identity key are found', () => {
  const many = Array.from({ length: 5000 }, (_, i) => e(TABLES.flowClassify.name, `key-${i}`, [i & 0xff], o1));
  assert.equal(DesiredEntries.from(many).hasDuplicateKeys(), false);
  many.push(e(TABLES.flowClassify.name, 'key-4321', [0], o1));
  assert.equal(DesiredEntries.from(many).hasDuplicateKeys(), true);
});

test('duplicate keys are found wherever they sit; a key that is a prefix of another is not one', () => {
  const keys = (list: string[]) => DesiredEntries.from(list.map((k) => e(TABLES.flowClassify.name, k, [1], o1)));
  assert.equal(keys(['ab', 'abc', 'a', 'abcd', 'b']).hasDuplicateKeys(), false);
  const n = 200_000;
  const many = Array.from({ length: n }, (_, i) => `k${i}`);
  assert.equal(keys(many).hasDuplicateKeys(), false);
  assert.equal(keys([...many, 'k0']).hasDuplicateKeys(), true, 'first and last');
  assert.equal(keys(['z', ...many, 'z']).hasDuplicateKeys(), true);
  assert.equal(keys(['same', 'same', 'same']).hasDuplicateKeys(), true);
});

test('an over-estimated presize is not kept: a few entries sealed from arenas sized for 10^5 hold a fitted buffer', () => {
  const b = new EntriesBuilder(undefined, 100_000); // ~8 MB of bytes and ~5.6 MB of keys reserved
  for (let i = 0; i < 100; i++) b.push(e(TABLES.flowClassify.name, `key${i}`, [i, 1, 2, 3, 4, 5, 6, 7], o1), o1);
  const d = b.seal();
  assert.equal(d.length, 100);
  for (const [name, a] of [['arena', d.arena], ['keys', d.keyArena], ['offs', d.offs], ['owner', d.owner]] as const) {
    assert.ok(a.buffer.byteLength <= 2 * a.byteLength + (1 << 16), `${name}: ${a.byteLength} bytes used keep ${a.buffer.byteLength} alive`);
  }
  assert.deepEqual(d.at(99), e(TABLES.flowClassify.name, 'key99', [99, 1, 2, 3, 4, 5, 6, 7], o1));
});
