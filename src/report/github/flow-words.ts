// What a PR changes about a flow or tenant, said in words a reviewer reads
// without knowing P4. Flows are described with the same vocabulary as
// `flowops plan` (report/plan-words.ts); an edited spec lists only the fields
// that changed ("qos silver → gold; ports 443, 8080 → 443"), which reads better
// in a review than two full descriptions. Pure: spec sets in, one sentence per
// object out, keyed like an entry's Origin (`flow:acme/web`).
import type { Flow, Tenant } from '../../specs/schema.ts';
import type { SpecSet } from '../../specs/spec-set.ts';
import { specKey } from '../../specs/spec-set.ts';
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
 * A note for every flow and tenant in either version. Objects whose spec did
 * not change still get one ("entries change, spec unchanged: …"): their
 * entries can move when a service they name gains an address.
 */
export function changeNotes(base: Specs, head: Specs): Map<string, string> {
  const notes = new Map<string, string>();
  const pairs = <T extends Flow | Tenant>(kind: string, b: readonly T[], h: readonly T[], describe: (x: T) => string) => {
    const before = new Map(b.map((x) => [specKey(x), x]));
    const after = new Map(h.map((x) => [specKey(x), x]));
    for (const [k, x] of after) {
      const old = before.get(k);
      if (!old) {
        notes.set(`${kind}:${k}`, `new: ${describe(x)}`);
        continue;
      }
      const changes = old === x ? [] : fieldChanges(old.spec as Record<string, unknown>, x.spec as Record<string, unknown>);
      notes.set(`${kind}:${k}`, changes.length ? changes.join('; ') : `spec unchanged (${describe(x)})`);
    }
    for (const [k, x] of before) if (!after.has(k)) notes.set(`${kind}:${k}`, `removed (was ${describe(x)})`);
  };
  pairs('flow', base?.flows ?? [], head?.flows ?? [], flowInWords);
  pairs('tenant', base?.tenants ?? [], head?.tenants ?? [], (t) => `tenant id ${t.spec.id}`);
  return notes;
}
