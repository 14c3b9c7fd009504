// How many entries a target's compile would emit, per tenant and table,
// counted from the specs without making one entry: a commit asking for 2M
// classify keys is refused in milliseconds, before compile spends seconds and
// gigabytes on it. Counts follow compile.ts step by step (single ports exact in
// flow_classify, ranges as their TCAM prefix covers in flow_classify_range,
// both from compile/port-cover.ts); a test holds them equal.
//
// Capacity: the sum over tenants must fit each table's P4Info `size`; each
// tenant must stay within its quota on the Target (`quota`, per tenant entry or
// as the Target-wide default): entries in total and, optionally, per table.
import { SpecError } from '../shared/errors.ts';
import type { Located, SpecSet } from '../specs/spec-set.ts';
import { FUNCTION_KINDS, type Flow, type Target } from '../specs/schema.ts';
import { toPrefix } from '../specs/ip.ts';
import { isExpired } from '../specs/expiry.ts';
import { Codes } from '../specs/codes.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { TABLES, PROFILES } from './tables.ts';
import { flowPorts, prefixCover } from './port-cover.ts';

/** tenant → table name (P4Info full name) → entries. */
export type EntryCounts = Map<string, Map<string, number>>;

export function countEntries(specs: SpecSet, targetName: string, now: Date): EntryCounts {
  const out: EntryCounts = new Map();
  const target = specs.targets.find((t) => t.metadata.name === targetName);
  if (!target) return out;
  const tenants = new Map(specs.tenants.map((t) => [t.metadata.name, t]));
  const served = new Set<string>();
  for (const tt of target.spec.tenants) {
    const t = tenants.get(tt.tenant);
    if (!t) continue;
    served.add(tt.tenant);
    add(out, tt.tenant, TABLES.tenantClassify.name, new Set(tt.ports).size);
    if (t.spec.vni !== undefined) add(out, tt.tenant, TABLES.tenantClassifyVni.name, new Set(target.spec.underlay?.ports ?? []).size);
    if (t.spec.rateLimit) add(out, tt.tenant, TABLES.tenantRate.name, 1);
    for (const r of t.spec.routes ?? []) add(out, tt.tenant, (toPrefix(r.prefix).family === 4 ? TABLES.tenantRouteV4 : TABLES.tenantRouteV6).name, 1);
    for (const fn of FUNCTION_KINDS) if (t.spec.functions?.[fn]) add(out, tt.tenant, PROFILES.nfSelector.name, t.spec.functions[fn]!.instances.length + 1);
  }
  for (const s of specs.services) {
    const tn = s.metadata.tenant;
    if (!served.has(tn)) continue;
    for (const a of s.spec.addresses) {
      const v4 = toPrefix(a).family === 4;
      add(out, tn, (v4 ? TABLES.srcServiceV4 : TABLES.srcServiceV6).name, 1);
      add(out, tn, (v4 ? TABLES.dstServiceV4 : TABLES.dstServiceV6).name, 1);
    }
  }
  const flows = new FlowCounter(specs, targetName, now);
  for (const f of specs.flows) flows.count(out, f, 1);
  return out;
}

function add(out: EntryCounts, tenant: string, table: string, n: number): void {
  if (!n) return;
  const m = out.get(tenant) ?? out.set(tenant, new Map()).get(tenant)!;
  m.set(table, (m.get(table) ?? 0) + n);
}

/**
 * What one flow adds to a target's counts. Its count depends on the flow and
 * on the tenants and services (which are served, names, roles, functions), so
 * a commit that changes only flows is counted by difference: the old counts,
 * minus the removed flows, plus the added ones (desired/patch.ts).
 */
export class FlowCounter {
  private readonly served = new Set<string>();
  private readonly roles = new Map<string, string[][]>();
  /** Served tenant → its services' names. */
  private readonly names = new Map<string, Set<string>>();
  private readonly tenants: Map<string, SpecSet['tenants'][number]>;

  constructor(specs: SpecSet, targetName: string, private readonly now: Date) {
    this.tenants = new Map(specs.tenants.map((t) => [t.metadata.name, t]));
    const target = specs.targets.find((t) => t.metadata.name === targetName);
    for (const tt of target?.spec.tenants ?? []) if (this.tenants.has(tt.tenant)) this.served.add(tt.tenant);
    for (const s of specs.services) {
      const tn = s.metadata.tenant;
      if (!this.served.has(tn)) continue;
      (this.roles.get(tn) ?? this.roles.set(tn, []).get(tn)!).push(s.spec.roles ?? []);
      (this.names.get(tn) ?? this.names.set(tn, new Set()).get(tn)!).add(s.metadata.name);
    }
  }

  /** Adds `sign` times the flow's entries to `out` (nothing for a flow not served here or expired). */
  count(out: EntryCounts, f: Flow, sign: 1 | -1): void {
    const tn = f.metadata.tenant;
    if (!this.served.has(tn) || isExpired(f, this.now)) return;
    const m = out.get(tn) ?? out.set(tn, new Map()).get(tn)!;
    bump(m, TABLES.flowPolicy.name, sign);
    if (f.spec.steer && this.tenants.get(tn)?.spec.functions?.[f.spec.steer]) bump(m, TABLES.nfSteer.name, sign);
    const from = f.spec.from;
    const srcs = 'service' in from ? (this.names.get(tn)?.has(from.service) ? 1 : 0) : (this.roles.get(tn) ?? []).filter((roles) => roles.includes(from.role)).length;
    if (!srcs) return;
    const ports = portCounts(f);
    bump(m, TABLES.flowClassify.name, sign * srcs * ports.singles);
    bump(m, TABLES.flowClassifyRange.name, sign * srcs * ports.covers);
  }
}

/** add() into one tenant's counts. */
function bump(m: Map<string, number>, table: string, n: number): void {
  if (n) m.set(table, (m.get(table) ?? 0) + n);
}

/**
 * Per source service, how many exact and how many range (TCAM cover) entries
 * a flow's ports make. Kept by the ports' own text (what the counts are made
 * from), so 10^5 flows of a few port lists are split and covered once.
 */
function portCounts(f: Flow): { singles: number; covers: number } {
  const split = flowPorts(f);
  if (!split.ranges.length) return { singles: split.singles.length, covers: 0 };
  const key = JSON.stringify(f.spec.ports ?? null);
  let c = portCountsOf.get(key);
  if (!c) {
    c = { singles: split.singles.length, covers: split.ranges.reduce((n, [lo, hi]) => n + prefixCover(lo, hi).length, 0) };
    if (portCountsOf.size >= 1 << 16) portCountsOf.clear();
    portCountsOf.set(key, c);
  }
  return c;
}

const portCountsOf = new Map<string, { singles: number; covers: number }>();

const short = (table: string) => table.slice(table.lastIndexOf('.') + 1);

/** Every table overflow and quota breach of one target, at the Target's lines; empty when it fits. */
export function checkCapacity(specs: SpecSet, index: P4InfoIndex, targetName: string, now: Date): SpecError[] {
  const target = specs.targets.find((t) => t.metadata.name === targetName);
  if (!target) return [];
  return capacityErrors(countEntries(specs, targetName, now), target, index);
}

/** Every table overflow and quota breach of `counts` (one target's, see countEntries), at the Target's lines. */
export function capacityErrors(counts: EntryCounts, target: Located<Target>, index: P4InfoIndex): SpecError[] {
  const targetName = target.metadata.name;
  const errors: SpecError[] = [];
  const totals = new Map<string, number>();
  for (const m of counts.values()) for (const [table, n] of m) totals.set(table, (totals.get(table) ?? 0) + n);
  const sizes = new Map(index.tables.map((t) => [t.name, t.size]));
  for (const [table, n] of totals) {
    const size = sizes.get(table);
    if (!size || n <= size) continue;
    const by = [...counts].map(([tn, m]) => [tn, m.get(table) ?? 0] as const).filter(([, k]) => k > 0).sort((a, b) => b[1] - a[1]);
    errors.push(new SpecError(Codes.capacity, target.source.at(['spec', 'tenants']), 'spec.tenants',
      `table ${short(table)} of ${targetName} holds ${size} entries; this commit needs ${n} (${by.map(([tn, k]) => `tenant ${tn}: ${k}`).join(', ')})`,
      { target: targetName, table, size, needed: n }));
  }
  target.spec.tenants.forEach((tt, i) => {
    const quota = tt.quota ?? target.spec.quota;
    if (!quota) return;
    const field = tt.quota ? ['spec', 'tenants', i, 'quota'] : ['spec', 'quota'];
    const m = counts.get(tt.tenant) ?? new Map<string, number>();
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    if (quota.entries !== undefined && total > quota.entries) {
      errors.push(new SpecError(Codes.quota, target.source.at(field), field.join('.').replace(/\.(\d+)/g, '[$1]'), `tenant ${tt.tenant} needs ${total} entries on ${targetName}; its quota is ${quota.entries}`, { target: targetName, tenant: tt.tenant, needed: total, quota: quota.entries }));
    }
    for (const [table, limit] of Object.entries(quota.tables ?? {})) {
      const n = [...m].filter(([t]) => t === table || short(t) === table).reduce((a, [, k]) => a + k, 0);
      if (n > limit) errors.push(new SpecError(Codes.quota, target.source.at(field), field.join('.').replace(/\.(\d+)/g, '[$1]'), `tenant ${tt.tenant} needs ${n} entries in table ${short(table)} on ${targetName}; its quota there is ${limit}`, { target: targetName, tenant: tt.tenant, table, needed: n, quota: limit }));
    }
  });
  return errors;
}
