// Port ranges for TCAM: a flow's destination ports are merged into disjoint
// ranges; a single port is one exact (SRAM) entry, a range its prefix cover —
// the fewest value/mask pairs whose union is exactly the range. For a 16-bit
// field that is at most 2·16 − 2 = 30 pairs (e.g. 1-65534), and 6 for
// 1024-65535.

import type { Flow } from '../specs/schema.ts';
import { portRanges } from '../specs/units.ts';

export interface Ternary {
  value: number;
  mask: number;
  /** Number of fixed (masked) bits, the prefix length. */
  len: number;
}

// Comparators at module level: this runs once per flow (10^5 times in a cold
// compile), and closures made per call cost more than the work (tsx also
// names each one with a defineProperty).
const byRange = (a: readonly [number, number], b: readonly [number, number]) => a[0] - b[0] || a[1] - b[1];
const ascending = (x: number, y: number) => x - y;

/** Merges overlapping and adjacent inclusive ranges; sorted, disjoint. */
export function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort(byRange);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** The prefix cover of [lo, hi] in a `bits`-wide field, lowest values first. */
export function prefixCover(lo: number, hi: number, bits = 16): Ternary[] {
  const full = 2 ** bits - 1;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi <= full && lo <= hi)) throw new RangeError(`bad range ${lo}-${hi} for ${bits} bits`);
  const out: Ternary[] = [];
  let x = lo;
  while (x <= hi) {
    // The largest aligned block starting at x that stays within hi.
    let size = x === 0 ? 2 ** bits : x & -x;
    while (x + size - 1 > hi) size /= 2;
    const free = Math.log2(size);
    out.push({ value: x, mask: full - (size - 1), len: bits - free });
    x += size;
  }
  return out;
}

/**
 * A flow's ports split for the two tables: single ports as written stay
 * exact (SRAM), even when adjacent; ranges are merged and go to TCAM; a single
 * port inside a range is left to the range.
 */
export function splitPorts(items: readonly (readonly [number, number])[]): { singles: number[]; ranges: [number, number][] } {
  const wide: (readonly [number, number])[] = [];
  for (const it of items) if (it[0] < it[1]) wide.push(it);
  const ranges = wide.length ? mergeRanges(wide) : [];
  const singles: number[] = [];
  for (const [p, hi] of items) {
    if (p !== hi) continue;
    let inRange = false;
    for (const r of ranges) if (p >= r[0] && p <= r[1]) inRange = true;
    if (!inRange) singles.push(p);
  }
  if (singles.length < 2) return { singles, ranges };
  singles.sort(ascending);
  // Sorted: duplicates are adjacent.
  let n = 1;
  for (let i = 1; i < singles.length; i++) if (singles[i] !== singles[n - 1]) singles[n++] = singles[i]!;
  singles.length = n;
  return { singles, ranges };
}

const NO_RANGES: readonly [number, number][] = Object.freeze([]) as readonly [number, number][];
const NO_PORTS: readonly number[] = Object.freeze([0]);

/**
 * splitPorts of a flow's ports (`spec.ports`; none is port 0). Ports written
 * as numbers in ascending order, as nearly every flow has them, are their own
 * singles and make no ranges: then nothing is made (10^5 flows, ~10 ports
 * each), else splitPorts decides.
 */
export function flowPorts(flow: Flow): { singles: readonly number[]; ranges: readonly (readonly [number, number])[] } {
  const ports = flow.spec.ports;
  if (!ports) return { singles: NO_PORTS, ranges: NO_RANGES };
  let prev = 0;
  for (const p of ports) {
    if (typeof p !== 'number' || !(p > prev) || p > 65535 || !Number.isInteger(p)) return splitPorts(portRanges(flow));
    prev = p;
  }
  return { singles: ports as readonly number[], ranges: NO_RANGES };
}
