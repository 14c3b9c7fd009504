// Hashed ids: unique, never 0, independent of list order, and stable when
// names are added — collisions resolved in rounds by name order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignHashedIds, hashCandidate } from '../../src/compile/ids.ts';

const names = Array.from({ length: 200 }, (_, i) => `svc-${i}`);

test('ids are unique, within 1..2^bits-1, and do not depend on input order', () => {
  const a = assignHashedIds('scope', names, 16);
  const b = assignHashedIds('scope', [...names].reverse(), 16);
  assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
  const ids = [...a.values()];
  assert.equal(new Set(ids).size, names.length);
  for (const id of ids) assert.ok(id >= 1 && id <= 0xffff, String(id));
});

test('a full 3-bit space: every name gets a distinct id 1..7 even though most collide', () => {
  const seven = names.slice(0, 7);
  const ids = assignHashedIds('tiny', seven, 3);
  assert.deepEqual([...ids.values()].sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.throws(() => assignHashedIds('tiny', names.slice(0, 8), 3), /do not fit/);
});

test('collision rule: among names proposing one candidate, the smallest name keeps it; the other moves', () => {
  // Find two names whose round-0 candidates collide in a 6-bit space.
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (const n of names) {
    const c = hashCandidate('s', n, 0, 6);
    const prev = seen.get(c);
    if (prev) {
      pair = [prev, n].sort() as [string, string];
      break;
    }
    seen.set(c, n);
  }
  assert.ok(pair, 'fixture: no collision among 200 names in 63 slots');
  const [small, big] = pair;
  const ids = assignHashedIds('s', [big, small], 6);
  assert.equal(ids.get(small), hashCandidate('s', small, 0, 6));
  assert.notEqual(ids.get(big), ids.get(small));
  assert.equal(ids.get(big), hashCandidate('s', big, 1, 6) === ids.get(small) ? hashCandidate('s', big, 2, 6) : hashCandidate('s', big, 1, 6));
});

test('adding names keeps every id that was not in a collision', () => {
  const before = assignHashedIds('scope', names.slice(0, 100), 16);
  const after = assignHashedIds('scope', names, 16);
  let kept = 0;
  for (const [n, id] of before) {
    // Only a name whose round-0 slot a newcomer with a smaller name also wants may move.
    const contested = names.slice(100).some((m) => m < n && hashCandidate('scope', m, 0, 16) === id);
    if (!contested) {
      assert.equal(after.get(n), id, n);
      kept++;
    }
  }
  assert.ok(kept >= 95, `only ${kept} of 100 kept`);
});
