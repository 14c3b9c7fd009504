// What verify checks entries against: per tenant, the numbers the specs give
// it on one switch (id, VLAN, VNI, prefixes, ports). Entries are judged by
// these, never by other entries, so a wrong entry cannot vouch for itself.
import type { SpecSet } from '../specs/spec-set.ts';
import { toPrefix, type Prefix } from '../specs/ip.ts';

export interface TenantFacts {
  name: string;
  id: number;
  vlan: number;
  vni?: number;
  prefixes: Prefix[];
  /** Switch ports the Target lists for the tenant. */
  ports: number[];
}

export interface Facts {
  target: string;
  byName: Map<string, TenantFacts>;
  byId: Map<number, TenantFacts>;
  /** The Target's VXLAN underlay ports (tenant_classify_vni may only key on these). */
  underlay: number[];
}

export function factsFor(specs: Pick<SpecSet, 'tenants' | 'targets'>, target: string): Facts {
  const t = specs.targets.find((x) => x.metadata.name === target);
  const ports = new Map<string, number[]>();
  for (const tt of t?.spec.tenants ?? []) ports.set(tt.tenant, [...(ports.get(tt.tenant) ?? []), ...tt.ports]);
  const byName = new Map<string, TenantFacts>();
  const byId = new Map<number, TenantFacts>();
  for (const x of specs.tenants) {
    const f: TenantFacts = {
      name: x.metadata.name,
      id: x.spec.id,
      vlan: x.spec.vlan,
      vni: x.spec.vni,
      prefixes: x.spec.prefixes.map(toPrefix),
      ports: ports.get(x.metadata.name) ?? [],
    };
    byName.set(f.name, f);
    byId.set(f.id, f);
  }
  return { target, byName, byId, underlay: [...((t?.spec as { underlay?: { ports: number[] } } | undefined)?.underlay?.ports ?? [])] };
}

/** The tenant an entry's origin belongs to: `acme` of `acme`, `acme/web`, `acme/db-access:a->b`. */
export function originTenant(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(0, slash);
}
