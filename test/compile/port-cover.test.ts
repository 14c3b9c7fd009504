// Port ranges for TCAM: the prefix cover is exact (every port in, none out),
// minimal in the known cases, at most 30 pairs for any 16-bit range; single
// ports stay exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeRanges, prefixCover, splitPorts } from '../../src/compile/port-cover.ts';

const covered = (cover: ReturnType<typeof prefixCover>, p: number) => cover.some((t) => (p & t.mask) === t.value);

test('the cover of a range matches exactly its ports', () => {
  for (const [lo, hi] of [[1024, 65535], [1, 65534], [8000, 8002], [0, 65535], [5, 5], [443, 8443], [32767, 32768]] as const) {
    const cover = prefixCover(lo, hi);
    for (let p = 0; p <= 65535; p++) assert.equal(covered(cover, p), p >= lo && p <= hi, `${lo}-${hi} port ${p}`);
    for (const t of cover) assert.equal(t.value & t.mask, t.value, 'value has no bits outside the mask');
  }
});

test('known sizes: 1024-65535 is 6, 1-65534 is the worst case 30, the whole space 1', () => {
  assert.equal(prefixCover(1024, 65535).length, 6);
  assert.equal(prefixCover(1, 65534).length, 30);
  assert.equal(prefixCover(0, 65535).length, 1);
  assert.deepEqual(prefixCover(8000, 8002).map((t) => [t.value, t.mask, t.len]), [[8000, 0xfffe, 15], [8002, 0xffff, 16]]);
});

test('no 16-bit range needs more than 30 pairs (sampled over every low end with far and near high ends)', () => {
  let worst = 0;
  for (let lo = 0; lo <= 65535; lo += 97) for (const hi of [65535 - (lo % 3), Math.min(65535, lo + 1000), lo]) if (hi >= lo) worst = Math.max(worst, prefixCover(lo, hi).length);
  assert.ok(worst <= 30, `worst ${worst}`);
});

test('single ports stay exact even when adjacent; ranges merge; a port inside a range is left to it', () => {
  assert.deepEqual(splitPorts([[9001, 9001], [9000, 9000]]), { singles: [9000, 9001], ranges: [] });
  assert.deepEqual(splitPorts([[1000, 2000], [1500, 2500], [2501, 3000], [80, 80], [1200, 1200]]), { singles: [80], ranges: [[1000, 3000]] });
  assert.deepEqual(mergeRanges([[5, 6], [1, 2], [3, 4]]), [[1, 6]]);
  assert.throws(() => prefixCover(10, 9), /bad range/);
});
