// Every trust-relevant change between two spec sets, in words: what a reviewer
// must see at the top of a plan even when no table entry changes (a key swap,
// a Target pointed at another address, a service widened). Pure.
import type { SpecSet } from './spec-set.ts';
import type { SerialRecord } from './trust.ts';

type Specs = Pick<SpecSet, 'tenants' | 'services' | 'targets'>;

const TENANT_FIELDS = ['publicKey', 'id', 'vlan', 'vni', 'prefixes', 'routes', 'functions'] as const;
const SERVICE_FIELDS = ['addresses', 'roles'] as const;
const TARGET_FIELDS = ['address', 'deviceId', 'electionId', 'insecure', 'tls', 'role', 'roleConfig', 'pipeline', 'tenants', 'quota'] as const;

const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
const shortKey = (k: unknown) => (typeof k === 'string' && k.length > 16 ? `${k.slice(0, 12)}…` : show(k));

function compare<T extends { metadata: { name: string; tenant?: string }; spec: object }>(
  kind: string, before: readonly T[], after: readonly T[], fields: readonly string[], out: string[],
): void {
  const id = (d: T) => (d.metadata.tenant ? `${d.metadata.tenant}/${d.metadata.name}` : d.metadata.name);
  const old = new Map(before.map((d) => [id(d), d]));
  const now = new Map(after.map((d) => [id(d), d]));
  for (const [name, d] of now) {
    const o = old.get(name);
    const spec = d.spec as Record<string, unknown>;
    if (!o) {
      out.push(`${kind} ${name} added (${fields.filter((f) => spec[f] !== undefined).map((f) => `${f} ${f === 'publicKey' ? shortKey(spec[f]) : show(spec[f])}`).join('; ')})`);
      continue;
    }
    const ospec = o.spec as Record<string, unknown>;
    for (const f of fields) {
      if (JSON.stringify(ospec[f]) === JSON.stringify(spec[f])) continue;
      if (f === 'publicKey') out.push(`KEY CHANGE: Tenant ${name} publicKey ${shortKey(ospec[f])} → ${shortKey(spec[f])} (every document of ${name} is now trusted under the new key)`);
      else out.push(`${kind} ${name} ${f}: ${show(ospec[f])} → ${show(spec[f])}`);
    }
  }
  for (const name of old.keys()) if (!now.has(name)) out.push(`${kind} ${name} removed`);
}

/** Lines describing every trust-relevant change from `base` to `head` (base undefined = everything is new). */
export function trustChanges(base: Specs | undefined, head: Specs, manifests?: { base?: SerialRecord; head?: SerialRecord }): string[] {
  const out: string[] = [];
  const b = base ?? { tenants: [], services: [], targets: [] };
  compare('Tenant', b.tenants, head.tenants, TENANT_FIELDS, out);
  compare('Target', b.targets, head.targets, TARGET_FIELDS, out);
  compare('Service', b.services, head.services, SERVICE_FIELDS, out);
  const mb = manifests?.base ?? {};
  const mh = manifests?.head ?? {};
  for (const signer of [...new Set([...Object.keys(mb), ...Object.keys(mh)])].sort()) {
    const x = mb[signer];
    const y = mh[signer];
    if (x && y && x.digest === y.digest) continue;
    out.push(`manifest of ${signer}: serial ${x ? x.serial : '(none)'} → ${y ? y.serial : '(removed)'}`);
  }
  return out;
}
