// insertOrder (diff/write-order.ts) against compile/order.ts's compareWrites,
// the one comparator it stands in for: random keys with long shared
// prefixes, prefixes of each other, equal keys, bytes above 0x7f, across
// tables of several ranks and tables sharing a rank, in runs large and small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntriesBuilder } from '../../src/compile/entries.ts';
import { compareWrites } from '../../src/compile/order.ts';
import { insertOrder } from '../../src/diff/write-order.ts';
import type { EntityKind } from '../../src/compile/types.ts';

const origin = { kind: 'flow' as const, name: 'f', file: 'f.yaml', line: 1 };
const owners: [EntityKind, string][] = [
  ['table_entry', 'ingress.flow_classify'],
  ['table_entry', 'ingress.flow_policy'],
  ['action_profile_member', 'ingress.nf_selector'],
  ['table_entry', 'ingress.tenant_classify'],
  ['table_entry', 'some.unknown_table'],
  // Same ranks as others above: equal keys across tables are ordered by table name, as compareWrites does.
  ['table_entry', 'ingress.nf_steer'],
  ['table_entry', 'another.unknown_table'],
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

for (const [n, seed] of [[7, 1], [60, 2], [3000, 3], [20000, 4]] as const) {
  test(`${n} inserts: the order compareWrites gives`, () => {
    const r = rng(seed);
    const b = new EntriesBuilder();
    const prefix = '\x0a\x22\x08\x99\x88\x77\x12';
    for (let i = 0; i < n; i++) {
      const [kind, table] = owners[Math.floor(r() * owners.length)];
      // Short alphabets and lengths make shared prefixes, prefix keys and equal keys common.
      const len = Math.floor(r() * 6);
      let key = prefix;
      for (let k = 0; k < len; k++) key += String.fromCharCode([0, 1, 0x7f, 0x80, 0xff][Math.floor(r() * 5)]);
      b.push({ kind, table, key, bytes: Buffer.from([i & 0xff, i >> 8]) }, origin);
    }
    const entries = b.seal();
    const pos = Uint32Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.8);
    const got = [...insertOrder(entries, pos)];
    const change = (i: number) => ({ kind: 'insert' as const, entity: entries.kindOf(i), table: entries.tableOf(i), key: entries.keyOf(i), i });
    const want = [...pos].map(change).sort(compareWrites).map((c) => c.i); // Array#sort is stable: equal keys keep emission order
    assert.deepEqual(got, want);
  });
}
