// What a pull request changes, in the terms people review: which files, and
// which flows and tenants. Two open PRs touching the same flow or tenant
// conflict — whichever merges first changes what the other one would do.
// Pure: file maps and spec sets in, names out.
import type { SpecSet } from '../../specs/spec-set.ts';
import { specKey } from '../../specs/spec-set.ts';
import type { Conflict } from './types.ts';

type Doc = SpecSet['flows'][number] | SpecSet['tenants'][number];


function content(d: Doc): string {
  // `source` (positions) is not part of the document: moving a flow within its file changes nothing.
  const { source: _s, ...rest } = d as Doc & { source: unknown };
  return JSON.stringify(rest);
}

/**
 * Calls `visit` for every key whose document differs between `before` and
 * `after` (added, removed, or another object), never for one both lists hold
 * as the same object — a file both trees share, loaded once through a
 * SpecCache. Both lists are sorted by specKey (SpecSet's contract): one merge
 * walk, no key made for a document both share in place, so a one-file change
 * costs the documents of that file, not 10^5 keys and maps. Lists out of that
 * order are paired through maps instead.
 */
export function pairChanged<T extends Doc>(before: readonly T[], after: readonly T[], visit: (key: string, old: T | undefined, now: T | undefined) => void): void {
  let i = 0;
  let j = 0;
  let last = '';
  const pending: [string, T | undefined, T | undefined][] = [];
  while (i < before.length || j < after.length) {
    const x = before[i];
    const y = after[j];
    if (x !== undefined && x === y) {
      i++;
      j++;
      continue;
    }
    const kx = x === undefined ? undefined : specKey(x);
    const ky = y === undefined ? undefined : specKey(y);
    const k = ky === undefined || (kx !== undefined && kx < ky) ? kx! : ky;
    if (k < last) return pairByMaps(before, after, visit);
    last = k;
    if (kx === ky) {
      pending.push([k, x, y]);
      i++;
      j++;
    } else if (k === kx) {
      pending.push([k, x, undefined]);
      i++;
    } else {
      pending.push([k, undefined, y]);
      j++;
    }
  }
  for (const [k, x, y] of pending) visit(k, x, y);
}

function pairByMaps<T extends Doc>(before: readonly T[], after: readonly T[], visit: (key: string, old: T | undefined, now: T | undefined) => void): void {
  const b = new Map(before.map((d) => [specKey(d), d]));
  const a = new Map(after.map((d) => [specKey(d), d]));
  for (const [k, d] of a) if (b.get(k) !== d) visit(k, b.get(k), d);
  for (const [k, d] of b) if (!a.has(k)) visit(k, d, undefined);
}

/** The document of `key` in a list sorted by specKey (SpecSet's contract): a binary search. */
export function findByKey<T extends Doc>(list: readonly T[], key: string): T | undefined {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = specKey(list[mid]!);
    if (k === key) return list[mid];
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** `flow tenant/name` and `tenant name` for every flow and tenant added, removed or edited. */
export function touchedObjects(base: Pick<SpecSet, 'flows' | 'tenants'> | undefined, head: Pick<SpecSet, 'flows' | 'tenants'> | undefined): string[] {
  const out: string[] = [];
  const collect = (kind: string) => (k: string, o: Doc | undefined, d: Doc | undefined) => {
    if (!o || !d || content(o) !== content(d)) out.push(`${kind} ${k}`);
  };
  pairChanged(base?.flows ?? [], head?.flows ?? [], collect('flow'));
  pairChanged(base?.tenants ?? [], head?.tenants ?? [], collect('tenant'));
  return out.sort();
}

/** Other PRs sharing a touched object with `mine`, lowest PR number first. */
export function findConflicts(pr: number, mine: readonly string[], others: ReadonlyMap<number, readonly string[]>): Conflict[] {
  const set = new Set(mine);
  const out: Conflict[] = [];
  for (const [n, objs] of [...others].sort(([a], [b]) => a - b)) {
    if (n === pr) continue;
    const shared = objs.filter((o) => set.has(o));
    if (shared.length) out.push({ pr: n, objects: shared });
  }
  return out;
}
