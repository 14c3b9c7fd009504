// The checks of verify.ts, cut along what they depend on so that a set that
// differs from a verified one in a few flows is judged again only where those
// flows reach (verify/state.ts):
//   - tables no flow owns (tenant classification, services, NF members and
//     groups, routes): their findings and the facts derived from them (which
//     tenants are classified, which service classes exist, routes, groups);
//   - per flow id: its flow_classify/flow_classify_range entries, its policy,
//     its steering entry and whether it is reachable — judged against the
//     flow's own entries and the facts above, never another flow's;
//   - shadowing per table, duplicate keys and capacity over whole tables.
// The order of findings is a sort over the findings themselves (findingOrder),
// so it does not depend on which path produced them.
import type { P4InfoIndex } from '../p4info/index.ts';
import type { Origin } from '../compile/types.ts';
import { TABLES, PROFILES } from '../compile/tables.ts';
import { describeRow, type FieldMatch, type Row } from '../model/entries.ts';
import { LightRow } from './light-row.ts';
import type { Columns } from './columns.ts';
import { originTenant, type Facts, type TenantFacts } from './facts.ts';
import type { Check, Finding, TableUse } from './verify.ts';

const T = TABLES;

/** Findings about one switch's entries, each pushed where its part of the checks keeps it. */
export class Judge {
  constructor(
    readonly target: string,
    readonly facts: Facts,
  ) {}

  add(out: Finding[], check: Check, r: Row | undefined, table: string, message: string, severity: Finding['severity'] = 'error'): void {
    out.push({ check, severity, target: this.target, table, message, origin: r?.origin, entry: r ? describeRow(r) : undefined });
  }

  private lastOrigin?: Origin;
  private lastTenant?: TenantFacts;

  tenantOfRow(r: Row): TenantFacts | undefined {
    return this.tenantOf(r.origin);
  }

  tenantOf(o: Origin | undefined): TenantFacts | undefined {
    if (!o) return undefined;
    // A flow's entries come one after another with one origin.
    // A flow's entries come one after another with one origin, a tenant's flows one after another.
    if (o === this.lastOrigin) return this.lastTenant;
    let t = this.lastTenant;
    const name = o.name;
    const slash = name.indexOf('/');
    if (!t || (slash < 0 ? name.length : slash) !== t.name.length || !name.startsWith(t.name)) t = this.facts.byName.get(originTenant(name));
    this.lastOrigin = o;
    this.lastTenant = t;
    return t;
  }

  /** Cross-tenant: the tenant an id names vs the tenant of the entry's origin. */
  sameTenant(out: Finding[], r: Row, namedId: number | undefined, what: string): void {
    const own = this.tenantOfRow(r);
    if (own && namedId !== undefined && namedId !== own.id) this.namesOther(out, r, own, namedId, what);
  }

  /** The cross-tenant finding of an entry of tenant `own` naming id `namedId` of another. */
  namesOther(out: Finding[], r: Row, own: TenantFacts, namedId: number, what: string): void {
    const other = this.facts.byId.get(namedId);
    this.add(out, 'cross-tenant', r, r.table, `entry of tenant ${own.name} names ${what} ${namedId}${other ? ` (tenant ${other.name})` : ' (no such tenant)'}`);
  }
}

const num = (v: bigint | undefined) => (v === undefined ? undefined : Number(v));
export const exact = (r: Row, f: string) => {
  if (r instanceof LightRow) return r.exactOf(f);
  const m = r.match.get(f);
  return m && (m.kind === 'exact' || m.kind === 'optional') ? Number(m.value) : undefined;
};
export const param = (r: Row, p: string) => (r instanceof LightRow ? r.paramOf(p) : num(r.action?.params.get(p)));

/** What the checks derive from the tables no flow owns. */
export interface Context {
  /** Tenant ids some tenant_classify(_vni) entry classifies into. */
  classified: Set<number>;
  /** classKey(tenant id, class id) of the source / destination service classes. */
  srcClasses: Set<number>;
  dstClasses: Set<number>;
  dstPrefixes: Map<number, Row[]>;
  members: Map<number, Row>;
  groups: Map<number, Row>;
  routes: Map<number, Row[]>;
  /** Whether a route of the tenant covers a destination class (filled on demand; a function of the above). */
  routedClass: Map<number, boolean>;
}

/** The checks of the tables no flow owns; their findings into `out`. */
export function judgeTables(j: Judge, of: (table: string) => Row[], out: Finding[]): Context {
  const { facts, target } = j;
  // ---------------------------------------------------------------- tenant classification
  const classified = new Set<number>();
  for (const r of of(T.tenantClassify.name)) {
    const tid = param(r, 'tenant_id');
    if (tid !== undefined) classified.add(tid);
    j.sameTenant(out, r, tid, 'tenant id');
    const owner = tid === undefined ? undefined : facts.byId.get(tid);
    const port = exact(r, 'ingress_port');
    const vlan = exact(r, 'vlan_id');
    if (owner && vlan !== owner.vlan) j.add(out, 'cross-tenant', r, r.table, `vlan ${vlan} is not the VLAN of tenant ${owner.name} (${owner.vlan}) it classifies into`);
    if (owner && port !== undefined && !owner.ports.includes(port)) j.add(out, 'cross-tenant', r, r.table, `port ${port} is not a port of tenant ${owner.name} on ${target} (${owner.ports.join(', ') || 'none'})`);
  }
  for (const r of of(T.tenantClassifyVni.name)) {
    const tid = param(r, 'tenant_id');
    if (tid !== undefined) classified.add(tid);
    j.sameTenant(out, r, tid, 'tenant id');
    const owner = tid === undefined ? undefined : facts.byId.get(tid);
    const vni = exact(r, 'vni');
    if (owner && vni !== owner.vni) j.add(out, 'cross-tenant', r, r.table, `vni ${vni} is not the VNI of tenant ${owner.name} (${owner.vni ?? 'none'})`);
    const port = exact(r, 'ingress_port');
    if (port !== undefined && !facts.underlay.includes(port)) j.add(out, 'cross-tenant', r, r.table, `port ${port} is not an underlay port of ${target}: VXLAN there would classify into tenant ${owner?.name ?? tid}`);
  }
  for (const r of of(T.tenantRate.name)) j.sameTenant(out, r, exact(r, 'tenant_id'), 'tenant id');

  // ---------------------------------------------------------------- services
  const srcClasses = new Set<number>();
  const dstClasses = new Set<number>();
  const dstPrefixes = new Map<number, Row[]>();
  for (const [name, set, param_] of [
    [T.srcServiceV4.name, srcClasses, 'service_id'],
    [T.srcServiceV6.name, srcClasses, 'service_id'],
    [T.dstServiceV4.name, dstClasses, 'service_id'],
    [T.dstServiceV6.name, dstClasses, 'service_id'],
  ] as const) {
    for (const r of of(name)) {
      const tid = exact(r, 'tenant_id');
      j.sameTenant(out, r, tid, 'tenant id');
      const own = tid === undefined ? undefined : facts.byId.get(tid);
      const addr = r.match.get(name.includes('src') ? 'src_addr' : 'dst_addr');
      if (own && addr?.kind === 'lpm') {
        const family = addr.bits === 32 ? 4 : 6;
        const inside = own.prefixes.some((p) => p.family === family && addr.prefixLen >= p.len && addr.value >> BigInt(addr.bits - p.len) === p.value >> BigInt(addr.bits - p.len));
        if (!inside) j.add(out, 'cross-tenant', r, name, `address is outside the prefixes of tenant ${own.name}`);
      }
      const cls = param(r, param_);
      if (tid !== undefined && cls !== undefined) {
        const key = classKey(tid, cls);
        set.add(key);
        if (set === dstClasses) (dstPrefixes.get(key) ?? dstPrefixes.set(key, []).get(key)!).push(r);
      }
    }
  }

  // ---------------------------------------------------------------- NF members and groups
  const members = new Map<number, Row>();
  for (const r of of(PROFILES.nfSelector.name)) if (r.kind === 'action_profile_member') members.set(r.memberId!, r);
  const groups = new Map<number, Row>();
  for (const r of of(PROFILES.nfSelector.name)) if (r.kind === 'action_profile_group') groups.set(r.groupId!, r);
  for (const g of groups.values()) {
    const own = j.tenantOfRow(g);
    for (const m of g.members ?? []) {
      const mem = members.get(m.id);
      if (!mem) {
        j.add(out, 'unreachable', g, g.table, `NF group ${g.groupId} names member ${m.id}, which does not exist`);
        continue;
      }
      const mOwner = j.tenantOfRow(mem);
      if (own && mOwner && own !== mOwner) j.add(out, 'cross-tenant', g, g.table, `NF group of tenant ${own.name} holds instance member ${m.id} of tenant ${mOwner.name}`);
    }
  }

  // ---------------------------------------------------------------- routes
  const routes = new Map<number, Row[]>();
  for (const name of [T.tenantRouteV4.name, T.tenantRouteV6.name]) {
    for (const r of of(name)) {
      const tid = exact(r, 'tenant_id');
      j.sameTenant(out, r, tid, 'tenant id');
      if (tid !== undefined && r.action?.name === T.tenantRouteV4.actions.forward.name) (routes.get(tid) ?? routes.set(tid, []).get(tid)!).push(r);
    }
  }
  return { classified, srcClasses, dstClasses, dstPrefixes, members, groups, routes, routedClass: new Map() };
}

export const NO_FLOW = -1;

/** What an entry of a flow table — one whose entries belong to one flow id each, keyed by it or setting it — is to its flow (0: not a flow table). */
export const CLASSIFY = 1;
export const POLICY = 2;
export const STEER = 3;
const ROLES: ReadonlyMap<string, number> = new Map([
  [T.flowClassify.name, CLASSIFY],
  [T.flowClassifyRange.name, CLASSIFY],
  [T.flowPolicy.name, POLICY],
  [T.nfSteer.name, STEER],
]);
export const roleOf = (table: string): number => ROLES.get(table) ?? 0;

/** The roles of the entries of the flow being judged (scratch: no array per flow). */
let roles = new Uint8Array(64);

/** The flow id of a flow table's entry (NO_FLOW when it names none). */
export function flowAt(cols: Columns, s: number, role: number): number {
  const id = role === CLASSIFY ? cols.param(s, 'flow_id') : cols.exact(s, 'flow_id');
  return id ?? NO_FLOW;
}

/**
 * Everything found about one flow id — its classify and steering entries,
 * and whether it is reachable — from its entries `slots[from, to)` of `cols`
 * (canonical order; a policy without a flow id is in no flow: nothing refers
 * to it). The last policy and the last steering entry count, as a switch
 * keeping one entry per key would (two are a duplicate key).
 */
export function judgeFlow(j: Judge, c: Context, flow: number, cols: Columns, slots: ArrayLike<number>, from: number, to: number): Finding[] {
  const out: Finding[] = [];
  const { facts, target } = j;
  let pol = -1;
  let steer = -1;
  let classifies = 0;
  if (roles.length < to - from) roles = new Uint8Array(Math.max(2 * roles.length, to - from));
  for (let x = from; x < to; x++) {
    const s = slots[x]!;
    const role = (roles[x - from] = roleOf(cols.table(s)));
    if (role === POLICY) pol = s;
    else if (role === STEER) steer = s;
    else classifies++;
  }
  const polOwner = pol >= 0 ? j.tenantOf(cols.origin(pol)) : undefined;
  // Whether some classify entry's source and destination classes both have address entries.
  let anyPath = false;
  for (let x = from; x < to; x++) {
    const s = slots[x]!;
    if (roles[x - from] !== CLASSIFY) continue;
    const tid = cols.exact(s, 'tenant_id');
    const src = cols.exact(s, 'src_service');
    const dst = cols.exact(s, 'dst_service');
    const srcOk = c.srcClasses.has(classKey(tid, src));
    const dstOk = c.dstClasses.has(classKey(tid, dst));
    if (!anyPath && srcOk && dstOk) anyPath = true;
    const own = j.tenantOf(cols.origin(s));
    if (own && tid !== undefined && tid !== own.id) j.namesOther(out, cols.row(s), own, tid, 'tenant id');
    if (tid !== undefined && src !== undefined && !srcOk) j.add(out, 'cross-tenant', cols.row(s), cols.table(s), `src_service ${src} is not a service class of tenant ${facts.byId.get(tid)?.name ?? tid}`);
    if (tid !== undefined && dst !== undefined && !dstOk) j.add(out, 'cross-tenant', cols.row(s), cols.table(s), `dst_service ${dst} is not a service class of tenant ${facts.byId.get(tid)?.name ?? tid}`);
    if (flow === NO_FLOW) continue;
    if (own && polOwner && own !== polOwner) j.add(out, 'cross-tenant', cols.row(s), cols.table(s), `sets flow ${hex(flow)} whose policy belongs to tenant ${polOwner.name}`);
  }
  for (let x = from; x < to; x++) {
    const s = slots[x]!;
    if (roles[x - from] !== STEER) continue;
    const own = j.tenantOf(cols.origin(s));
    const groupId = cols.groupId(s);
    if (own && polOwner && own !== polOwner) j.add(out, 'cross-tenant', cols.row(s), cols.table(s), `steers flow ${hex(flow)} of tenant ${polOwner.name}`);
    const g = groupId === undefined ? undefined : c.groups.get(groupId);
    const gOwner = g && j.tenantOfRow(g);
    if (own && gOwner && own !== gOwner) j.add(out, 'cross-tenant', cols.row(s), cols.table(s), `steers into the NF group ${groupId} of tenant ${gOwner.name}`);
    if (groupId !== undefined && !g) j.add(out, 'unreachable', cols.row(s), cols.table(s), `NF group ${groupId} does not exist`);
  }
  if (pol < 0) return out;

  // ---------------------------------------------------------------- reachability
  const why: string[] = [];
  const polAction = cols.actionName(pol);
  if (polAction !== T.flowPolicy.actions.allow.name) why.push(`its policy is ${polAction ?? 'no action'}`);
  if (!classifies) why.push('no flow_classify or flow_classify_range entry sets it');
  if (polOwner && !c.classified.has(polOwner.id)) why.push(`tenant ${polOwner.name} is classified on no port or VNI of ${target}`);
  if (classifies && !anyPath) why.push('its source or destination service has no address entry');
  if (!why.length && steer < 0) {
    // Not steered: the destination's addresses must have a route of the tenant.
    let routed = false;
    for (let x = from; x < to && !routed; x++) {
      const s = slots[x]!;
      if (roles[x - from] !== CLASSIFY) continue;
      const tid = cols.exact(s, 'tenant_id');
      const key = classKey(tid, cols.exact(s, 'dst_service'));
      if (!c.srcClasses.has(classKey(tid, cols.exact(s, 'src_service'))) || !c.dstClasses.has(key)) continue;
      let yes = c.routedClass.get(key);
      if (yes === undefined) {
        const dsts = c.dstPrefixes.get(key) ?? [];
        c.routedClass.set(key, (yes = dsts.some((d) => (c.routes.get(tid!) ?? []).some((rt) => covers(rt, d)))));
      }
      routed = yes;
    }
    if (!routed) why.push('no route of the tenant covers its destination addresses, and it is not steered to an NF');
  }
  if (steer >= 0) {
    const g = c.groups.get(cols.groupId(steer) ?? -1);
    if (!g || !(g.members ?? []).some((m) => c.members.has(m.id))) why.push('it is steered to an NF group with no live instance');
  }
  if (why.length) j.add(out, 'unreachable', cols.row(pol), cols.table(pol), `flow ${hex(flow)} is unreachable: ${why.join('; ')}`);
  return out;
}

/**
 * One number for a (tenant id, service class id) pair; NaN (in no set: only
 * pairs of numbers are added) when either is absent. A small integer for the
 * program's 16-bit ids (no heap number per lookup), a distinct larger one
 * beyond: exact while tenant ids are below 2^20 and class ids below 2^32.
 */
function classKey(tid: number | undefined, cls: number | undefined): number {
  if (tid === undefined || cls === undefined) return NaN;
  return tid < 0x4000 && cls < 0x10000 ? tid * 0x10000 + cls : (tid + 1) * 0x100000000 + cls;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Whether the LPM route `rt` covers the destination prefix of `d` (same width). */
function covers(rt: Row, d: Row): boolean {
  const a = rt.match.get('dst_addr');
  const b = d.match.get('dst_addr');
  if (b?.kind !== 'lpm') return false;
  // A /0 route has no dst_addr match at all (P4Runtime omits don't-care fields); same width = same family.
  if (a === undefined) return rt.table.endsWith(b.bits === 32 ? '_v4' : '_v6');
  if (a.kind !== 'lpm' || a.bits !== b.bits) return false;
  if (b.prefixLen < a.prefixLen) return false;
  const s = BigInt(a.bits - a.prefixLen);
  return a.value >> s === b.value >> s;
}

/** Whether every value `b` matches, `a` matches too. */
function fieldCovers(a: FieldMatch | undefined, b: FieldMatch | undefined): boolean {
  if (!a) return true; // wildcard
  if (!b) return false;
  const bits = BigInt(a.bits);
  const full = (1n << bits) - 1n;
  const asTernary = (m: FieldMatch): [bigint, bigint] | undefined => {
    if (m.kind === 'exact' || m.kind === 'optional') return [m.value, full];
    if (m.kind === 'lpm') {
      const mask = m.prefixLen === 0 ? 0n : (full >> BigInt(m.bits - m.prefixLen)) << BigInt(m.bits - m.prefixLen);
      return [m.value & mask, mask];
    }
    if (m.kind === 'ternary') return [m.value & m.mask, m.mask];
    return undefined;
  };
  if (a.kind === 'range' || b.kind === 'range') {
    const lo = (m: FieldMatch) => (m.kind === 'range' ? m.low : m.kind === 'exact' || m.kind === 'optional' ? m.value : undefined);
    const hi = (m: FieldMatch) => (m.kind === 'range' ? m.high : m.kind === 'exact' || m.kind === 'optional' ? m.value : undefined);
    const [al, ah, bl, bh] = [lo(a), hi(a), lo(b), hi(b)];
    return al !== undefined && ah !== undefined && bl !== undefined && bh !== undefined && al <= bl && bh <= ah;
  }
  const [av, am] = asTernary(a)!;
  const [bv, bm] = asTernary(b)!;
  // a's cared bits are a subset of b's, and agree on them.
  return (am & bm) === am && (bv & am) === av;
}

/**
 * Whether an entry of `table` can hide another: only with a priority (a
 * ternary, range or optional field) or an LPM field. A table of exact fields
 * alone (flow_classify, flow_policy, nf_steer: 90 % of the volume) cannot.
 */
export function canShadow(index: P4InfoIndex, table: string): boolean {
  return index.table(table).fields.some((f) => f.matchType !== 'exact');
}

/** Shadowed entries of one table (`list` in canonical order: ties in priority are broken by it). */
export function shadowing(j: Judge, table: string, list: Row[], out: Finding[]): void {
  const fields = [...list[0]!.match.keys()];
  const prioritized = list.some((r) => r.priority > 0);
  // The first field (in match order) that is an LPM in any entry: one pass over the entries, not one per field.
  const lpm = new Set<string>();
  if (!prioritized) for (const r of list) r.match.forEach((m, f) => m.kind === 'lpm' && lpm.add(f));
  const lpmField = fields.find((f) => lpm.has(f));
  if (prioritized) {
    // A higher-priority entry whose match covers this one hides it completely.
    const sorted = [...list].sort((a, b) => b.priority - a.priority);
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!;
      for (let k = 0; k < i; k++) {
        const h = sorted[k]!;
        if (h.priority <= r.priority) break;
        const allKeys = new Set([...r.match.keys(), ...h.match.keys()]);
        if ([...allKeys].every((f) => fieldCovers(h.match.get(f), r.match.get(f)))) {
          j.add(out, 'shadowed', r, table, `never hit: the priority ${h.priority} entry from ${h.origin ? `${h.origin.file}:${h.origin.line}` : 'outside Git'} matches every packet it does`);
          break;
        }
      }
    }
    return;
  }
  if (!lpmField) return;
  // LPM: an entry is shadowed when longer prefixes with the same other keys cover all of its addresses.
  const buckets = new Map<string, Row[]>();
  for (const r of list) {
    const k = fields.filter((f) => f !== lpmField).map((f) => String((r.match.get(f) as { value?: bigint })?.value)).join('|');
    (buckets.get(k) ?? buckets.set(k, []).get(k)!).push(r);
  }
  for (const rows of buckets.values()) {
    if (rows.length < 2) continue;
    // An absent LPM field is the /0 (P4Runtime leaves don't-care fields out).
    const width = (list.find((r) => r.match.get(lpmField))!.match.get(lpmField) as FieldMatch).bits;
    const prefixes = rows.map((r) => (r.match.get(lpmField) ?? { kind: 'lpm', value: 0n, prefixLen: 0, bits: width }) as Extract<FieldMatch, { kind: 'lpm' }>);
    const set = new Set(prefixes.map((p) => `${p.value}/${p.prefixLen}`));
    const maxLen = Math.max(...prefixes.map((p) => p.prefixLen));
    const bits = prefixes[0]!.bits;
    // Walks only down to the longest prefix present and stops at the first uncovered half,
    // so the cost is bounded by the prefixes of the bucket times the address width.
    const covered = (value: bigint, len: number, top: boolean): boolean => {
      if (!top && set.has(`${value}/${len}`)) return true;
      if (len >= maxLen) return false;
      const half = 1n << BigInt(bits - len - 1);
      return covered(value, len + 1, false) && covered(value | half, len + 1, false);
    };
    rows.forEach((r, i) => {
      const p = prefixes[i]!;
      if (covered(p.value, p.prefixLen, true)) j.add(out, 'shadowed', r, table, `never hit: longer prefixes of the same key cover all of ${p.prefixLen === 0 ? 'its addresses' : `its /${p.prefixLen}`}`);
    });
  }
}

/** Entries per table (table entries) and members per action profile: what capacity is judged on. */
export interface Counts {
  tables: Map<string, number>;
  members: Map<string, number>;
}

/** `by` more (or fewer) entries of `table` of one kind. */
export function count(c: Counts, table: string, kind: Row['kind'], by: number): void {
  const m = kind === 'table_entry' ? c.tables : kind === 'action_profile_member' ? c.members : undefined;
  if (!m || !by) return;
  const n = (m.get(table) ?? 0) + by;
  if (n) m.set(table, n);
  else m.delete(table);
}

/** Usage of every table with entries and every action profile, and the findings of those too full. */
export function capacity(j: Judge, c: Counts, index: P4InfoIndex, headroom = 0.9): { usage: TableUse[]; findings: Finding[] } {
  const usage: TableUse[] = [];
  const findings: Finding[] = [];
  const judge = (table: string, n: number, size: number) => {
    usage.push({ table, entries: n, size, headroom: size - n });
    if (!size) return;
    if (n > size) j.add(findings, 'capacity', undefined, table, `${n} entries exceed the table size ${size} by ${n - size}`);
    else if (n > size * headroom) j.add(findings, 'capacity', undefined, table, `${n} of ${size} entries used (headroom ${size - n}, below ${Math.round((1 - headroom) * 100)}%)`, 'warning');
  };
  for (const [table, n] of c.tables) judge(table, n, index.table(table).size);
  for (const prof of index.actionProfiles) judge(`${prof.name} members`, c.members.get(prof.name) ?? 0, prof.size);
  usage.sort((a, b) => (a.table < b.table ? -1 : 1));
  return { usage, findings };
}

const cmp = (a: string | number | undefined, b: string | number | undefined) => (a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : 1);

/**
 * The order of a result's findings: by spec file and line (findings without
 * one — capacity — last), then check, table and entry; findings about one
 * entry in the order its checks run. Only one judging of an entry yields
 * findings that tie, so any path that finds the same findings lists them the
 * same way (Array#sort is stable).
 */
export function findingOrder(a: Finding, b: Finding): number {
  return (
    cmp(a.origin?.file, b.origin?.file) || cmp(a.origin?.line, b.origin?.line) || cmp(a.check, b.check) || cmp(a.table, b.table) ||
    cmp(a.entry, b.entry) || cmp(a.origin?.kind, b.origin?.kind) || cmp(a.origin?.name, b.origin?.name)
  );
}
