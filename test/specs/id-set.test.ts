// IdSet (flow-id.ts) behaves as a Set of non-zero 32-bit ids under adds and
// deletes, including ids that share a slot and runs that wrap the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdSet } from '../../src/specs/flow-id.ts';

test('IdSet agrees with a Set over random adds and deletes', () => {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (const range of [40, 1000, 2 ** 32 - 1]) {
    const ids = new IdSet(4);
    const ref = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      const id = 1 + (next() % range);
      // Same low bits, other high bits: one slot, a probe run.
      const twin = ((id & 0xff) | ((next() & 0xff) << 24)) >>> 0 || 1;
      for (const x of [id, twin]) {
        if (next() % 3 === 0) assert.equal(ids.delete(x), ref.delete(x));
        else assert.equal(ids.add(x), !ref.has(x) && !!ref.add(x));
      }
      assert.equal(ids.size, ref.size);
    }
    for (let x = 1; x <= Math.min(range, 2000); x++) assert.equal(ids.has(x), ref.has(x), `${x}`);
    for (const x of ref) assert.ok(ids.has(x));
  }
});
