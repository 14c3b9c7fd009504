// What a PR changes about a flow or tenant, said in words a reviewer reads
// without knowing P4: "new: allows tcp 9000 from service storefront to service
// catalog", "qos silver → gold; ports 443, 8080 → 443". Pure: spec sets in,
// one sentence per changed object out (keyed like Origin: `flow:acme/web`).
import type { Flow, Tenant } from '../../specs/schema.ts';
import type { SpecSet } from '../../specs/spec-set.ts';
import { specKey } from '../../specs/spec-set.ts';

type Specs = Pick<SpecSet, 'flows' | 'tenants'> | undefined;

function endpoint(e: Flow['spec']['from'] | Flow['spec']['to']): string {
  return 'service' in e ? `service ${e.service}` : `role ${e.role}`;
}

function describeFlow(f: Flow): string {
  const s = f.spec;
  const ports = s.ports?.length ? ` ${s.ports.join(', ')}` : '';
  const extras = [
    s.qos ? `qos ${s.qos}` : '',
    s.rateLimit ? `limited to ${s.rateLimit.rate} (burst ${s.rateLimit.burst})` : '',
    s.steer ? `through the ${s.steer}` : '',
    s.expires ? `until ${s.expires}` : '',
  ].filter(Boolean);
  return `allows ${s.protocol}${ports} from ${endpoint(s.from)} to ${endpoint(s.to)}${extras.length ? ', ' + extras.join(', ') : ''}`;
}

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

export function changeNotes(base: Specs, head: Specs): Map<string, string> {
  const notes = new Map<string, string>();
  const pairs = <T extends Flow | Tenant>(kind: string, b: readonly T[], h: readonly T[], describe: (x: T) => string) => {
    const before = new Map(b.map((x) => [specKey(x), x]));
    const after = new Map(h.map((x) => [specKey(x), x]));
    for (const [k, x] of after) {
      const old = before.get(k);
      if (!old) notes.set(`${kind}:${k}`, `new: ${describe(x)}`);
      else {
        const changes = fieldChanges(old.spec as Record<string, unknown>, x.spec as Record<string, unknown>);
        if (changes.length) notes.set(`${kind}:${k}`, changes.join('; '));
      }
    }
    for (const [k, x] of before) if (!after.has(k)) notes.set(`${kind}:${k}`, `removed (${describe(x)})`);
  };
  pairs('flow', base?.flows ?? [], head?.flows ?? [], describeFlow);
  pairs('tenant', base?.tenants ?? [], head?.tenants ?? [], (t) => `tenant id ${t.spec.id}`);
  return notes;
}
