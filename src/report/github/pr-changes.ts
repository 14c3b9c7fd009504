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

/** `flow tenant/name` and `tenant name` for every flow and tenant added, removed or edited. */
export function touchedObjects(base: Pick<SpecSet, 'flows' | 'tenants'> | undefined, head: Pick<SpecSet, 'flows' | 'tenants'> | undefined): string[] {
  const out = new Set<string>();
  const index = (s: Pick<SpecSet, 'flows' | 'tenants'> | undefined) => {
    const m = new Map<string, Doc>();
    for (const f of s?.flows ?? []) m.set(`flow ${specKey(f)}`, f);
    for (const t of s?.tenants ?? []) m.set(`tenant ${specKey(t)}`, t);
    return m;
  };
  const b = index(base);
  const h = index(head);
  // The same document object (a file both trees share, loaded once through a
  // SpecCache) is unchanged without serializing it: 10^5 flows, one file edited.
  for (const [k, d] of h) {
    const o = b.get(k);
    if (o !== d && (!o || content(o) !== content(d))) out.add(k);
  }
  for (const k of b.keys()) if (!h.has(k)) out.add(k);
  return [...out].sort();
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
