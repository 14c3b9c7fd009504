// What a PR changes about a flow or tenant, said in words a reviewer reads
// without knowing P4. Flows are described with the same vocabulary as
// `flowops plan` (report/plan-words.ts); an edited spec lists only the fields
// that changed ("qos silver → gold; ports 443, 8080 → 443"), which reads better
// in a review than two full descriptions. Pure: spec sets in, one sentence per
// object out, keyed like an entry's Origin (`flow:acme/web`).
import type { Flow, Tenant } from '../../specs/schema.ts';
import type { SpecSet } from '../../specs/spec-set.ts';
import { findByKey, pairChanged } from './pr-changes.ts';
import { flowInWords } from '../plan-words.ts';

type Specs = Pick<SpecSet, 'flows' | 'tenants'> | undefined;

function show(v: unknown): string {
  if (v === undefined) return 'unset';
  if (Array.isArray(v)) return v.map(show).join(', ');
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${show(x)}`).join(' ');
  return String(v);
}

/** `field a → b` for every top-level spec field that differs. */
function fieldChanges(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k} ${show(a[k])} → ${show(b[k])}`);
  }
  return out;
}

/**
 * A note for every flow and tenant added, removed or edited, and for each of
 * `also` (`kind:name` keys: the objects a plan changes entries of) even when
 * its spec did not change ("spec unchanged: …"): its entries can move when a
 * service it names gains an address. Objects both versions share unchanged
 * are not visited (report/github/pr-changes.ts pairChanged): a one-file change
 * costs its file, not every flow.
 */
export function changeNotes(base: Specs, head: Specs, also: Iterable<string> = []): Map<string, string> {
  const notes = new Map<string, string>();
  const note = <T extends Flow | Tenant>(kind: string, k: string, old: T | undefined, x: T | undefined, describe: (x: T) => string) => {
    if (!x) {
      if (old) notes.set(`${kind}:${k}`, `removed (was ${describe(old)})`);
      return;
    }
    if (!old) {
      notes.set(`${kind}:${k}`, `new: ${describe(x)}`);
      return;
    }
    const changes = old === x ? [] : fieldChanges(old.spec as Record<string, unknown>, x.spec as Record<string, unknown>);
    notes.set(`${kind}:${k}`, changes.length ? changes.join('; ') : `spec unchanged (${describe(x)})`);
  };
  const tenantWords = (t: Tenant) => `tenant id ${t.spec.id}`;
  pairChanged(base?.flows ?? [], head?.flows ?? [], (k, o, x) => note('flow', k, o, x, flowInWords));
  pairChanged(base?.tenants ?? [], head?.tenants ?? [], (k, o, x) => note('tenant', k, o, x, tenantWords));
  for (const key of also) {
    if (notes.has(key)) continue;
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const k = key.slice(colon + 1);
    if (kind === 'flow') note('flow', k, findByKey(base?.flows ?? [], k), findByKey(head?.flows ?? [], k), flowInWords);
    else if (kind === 'tenant') note('tenant', k, findByKey(base?.tenants ?? [], k), findByKey(head?.tenants ?? [], k), tenantWords);
  }
  return notes;
}
