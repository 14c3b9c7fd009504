// Proof before merge, over the COMPILED entries of one switch (not the YAML):
// what the switch would hold is what is judged. Pure: entries, the P4Info
// index and the spec facts in, findings out, each naming the spec line its
// entry came from (the entry's Origin).
//
// Checks (see docs/verify.md):
//   cross-tenant  every classify/service/flow/policy/steer/route entry's tenant
//                 (by its origin) is the tenant of the ids, ports, VLAN/VNI,
//                 service classes, flows and NF groups it names
//   duplicate-key two entries with one switch key (the switch keeps one)
//   shadowed      an entry no packet can hit (a higher-priority entry covers
//                 it, or longer prefixes of the same key cover all of it)
//   capacity      entries per table/profile against the P4Info size, with
//                 headroom (per-tenant quotas are not checked here: desired/
//                 refuses a commit over a quota before verify runs,
//                 compile/count.ts owns them)
//   unreachable   a flow that no packet can take end to end, an NF group
//                 naming a member that does not exist
import type { P4InfoIndex } from '../p4info/index.ts';
import type { Origin } from '../compile/types.ts';
import { TABLES, PROFILES } from '../compile/tables.ts';
import { decodeRows, describeRow, type EntryInput, type FieldMatch, type Row } from '../model/entries.ts';
import { DesiredEntries } from '../compile/entries.ts';
import { rowsOf } from './rows.ts';
import { originTenant, type Facts, type TenantFacts } from './facts.ts';

export type Check = 'cross-tenant' | 'duplicate-key' | 'shadowed' | 'capacity' | 'unreachable';

export interface Finding {
  check: Check;
  severity: 'error' | 'warning';
  target: string;
  /** Table or action profile. */
  table: string;
  message: string;
  /** The spec line the entry came from (absent for a table-wide finding). */
  origin?: Origin;
  /** The entry, decoded for people. */
  entry?: string;
}

export interface VerifyOptions {
  /** Warn when a table is fuller than this fraction of its size (default 0.9). */
  headroom?: number;
}

export interface TableUse {
  table: string;
  entries: number;
  size: number;
  /** size − entries. */
  headroom: number;
}

export interface VerifyResult {
  target: string;
  findings: Finding[];
  usage: TableUse[];
}

const T = TABLES;

/**
 * `entries`: a compiled DesiredEntries (rows decoded once per distinct entry
 * across calls, verify/rows.ts) or a list of entries (decoded each time).
 */
export function verifyEntries(target: string, entries: DesiredEntries | readonly (EntryInput & { origin?: Origin; key?: string })[], index: P4InfoIndex, facts: Facts, opts: VerifyOptions = {}): VerifyResult {
  const rows = entries instanceof DesiredEntries ? rowsOf(entries, index) : decodeRows(entries, index);
  const findings: Finding[] = [];
  const add = (check: Check, r: Row | undefined, table: string, message: string, severity: Finding['severity'] = 'error') =>
    findings.push({ check, severity, target, table, message, origin: r?.origin, entry: r ? describeRow(r) : undefined });

  const byTable = new Map<string, Row[]>();
  for (const r of rows) (byTable.get(r.table) ?? byTable.set(r.table, []).get(r.table)!).push(r);
  const of = (name: string) => byTable.get(name) ?? [];
  // One origin (a spec line) stands for many entries (a flow's): its tenant is looked up once.
  const tenantOfOrigin = new Map<Origin, TenantFacts | undefined>();
  const tenantOfRow = (r: Row): TenantFacts | undefined => {
    const o = r.origin;
    if (!o) return undefined;
    let t = tenantOfOrigin.get(o);
    if (t === undefined && !tenantOfOrigin.has(o)) tenantOfOrigin.set(o, (t = facts.byName.get(originTenant(o.name))));
    return t;
  };
  const num = (v: bigint | undefined) => (v === undefined ? undefined : Number(v));
  const exact = (r: Row, f: string) => {
    const m = r.match.get(f);
    return m && (m.kind === 'exact' || m.kind === 'optional') ? Number(m.value) : undefined;
  };
  const param = (r: Row, p: string) => num(r.action?.params.get(p));

  /** Cross-tenant: the tenant an id names vs the tenant of the entry's origin. */
  const sameTenant = (r: Row, namedId: number | undefined, what: string) => {
    const own = tenantOfRow(r);
    if (!own || namedId === undefined) return;
    if (namedId !== own.id) {
      const other = facts.byId.get(namedId);
      add('cross-tenant', r, r.table, `entry of tenant ${own.name} names ${what} ${namedId}${other ? ` (tenant ${other.name})` : ' (no such tenant)'}`);
    }
  };

  // ---------------------------------------------------------------- tenant classification
  const classified = new Set<number>();
  for (const r of of(T.tenantClassify.name)) {
    const tid = param(r, 'tenant_id');
    if (tid !== undefined) classified.add(tid);
    sameTenant(r, tid, 'tenant id');
    const owner = tid === undefined ? undefined : facts.byId.get(tid);
    const port = exact(r, 'ingress_port');
    const vlan = exact(r, 'vlan_id');
    if (owner && vlan !== owner.vlan) add('cross-tenant', r, r.table, `vlan ${vlan} is not the VLAN of tenant ${owner.name} (${owner.vlan}) it classifies into`);
    if (owner && port !== undefined && !owner.ports.includes(port)) add('cross-tenant', r, r.table, `port ${port} is not a port of tenant ${owner.name} on ${target} (${owner.ports.join(', ') || 'none'})`);
  }
  for (const r of of(T.tenantClassifyVni.name)) {
    const tid = param(r, 'tenant_id');
    if (tid !== undefined) classified.add(tid);
    sameTenant(r, tid, 'tenant id');
    const owner = tid === undefined ? undefined : facts.byId.get(tid);
    const vni = exact(r, 'vni');
    if (owner && vni !== owner.vni) add('cross-tenant', r, r.table, `vni ${vni} is not the VNI of tenant ${owner.name} (${owner.vni ?? 'none'})`);
    const port = exact(r, 'ingress_port');
    if (port !== undefined && !facts.underlay.includes(port)) add('cross-tenant', r, r.table, `port ${port} is not an underlay port of ${target}: VXLAN there would classify into tenant ${owner?.name ?? tid}`);
  }
  for (const r of of(T.tenantRate.name)) sameTenant(r, exact(r, 'tenant_id'), 'tenant id');

  // ---------------------------------------------------------------- services
  // (tenant id, class id) pairs that exist as source / destination classes.
  // Keyed by classKey(tenant id, class id): numbers, not a string per entry.
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
      sameTenant(r, tid, 'tenant id');
      const own = tid === undefined ? undefined : facts.byId.get(tid);
      const addr = r.match.get(name.includes('src') ? 'src_addr' : 'dst_addr');
      if (own && addr?.kind === 'lpm') {
        const family = addr.bits === 32 ? 4 : 6;
        const inside = own.prefixes.some((p) => p.family === family && addr.prefixLen >= p.len && addr.value >> BigInt(addr.bits - p.len) === p.value >> BigInt(addr.bits - p.len));
        if (!inside) add('cross-tenant', r, name, `address is outside the prefixes of tenant ${own.name}`);
      }
      const cls = param(r, param_);
      if (tid !== undefined && cls !== undefined) {
        const key = classKey(tid, cls);
        set.add(key);
        if (set === dstClasses) (dstPrefixes.get(key) ?? dstPrefixes.set(key, []).get(key)!).push(r);
      }
    }
  }

  // ---------------------------------------------------------------- flows
  const policyByFlow = new Map<number, Row>();
  for (const r of of(T.flowPolicy.name)) {
    const id = exact(r, 'flow_id');
    if (id !== undefined) policyByFlow.set(id, r);
  }
  /** A classify entry's key numbers, read once (the reachability pass reads them again per flow). */
  interface Classify { r: Row; tid?: number; src?: number; dst?: number }
  const classifyByFlow = new Map<number, Classify[]>();
  // Exact ports in flow_classify; ranges as ternary cover in flow_classify_range (same keys, same checks).
  for (const r of [...of(T.flowClassify.name), ...of(T.flowClassifyRange.name)]) {
    const tid = exact(r, 'tenant_id');
    sameTenant(r, tid, 'tenant id');
    const src = exact(r, 'src_service');
    const dst = exact(r, 'dst_service');
    if (tid !== undefined && src !== undefined && !srcClasses.has(classKey(tid, src))) add('cross-tenant', r, r.table, `src_service ${src} is not a service class of tenant ${facts.byId.get(tid)?.name ?? tid}`);
    if (tid !== undefined && dst !== undefined && !dstClasses.has(classKey(tid, dst))) add('cross-tenant', r, r.table, `dst_service ${dst} is not a service class of tenant ${facts.byId.get(tid)?.name ?? tid}`);
    const flow = param(r, 'flow_id');
    if (flow === undefined) continue;
    (classifyByFlow.get(flow) ?? classifyByFlow.set(flow, []).get(flow)!).push({ r, tid, src, dst });
    const pol = policyByFlow.get(flow);
    const own = tenantOfRow(r);
    const polOwner = pol && tenantOfRow(pol);
    if (own && polOwner && own !== polOwner) add('cross-tenant', r, r.table, `sets flow ${hex(flow)} whose policy belongs to tenant ${polOwner.name}`);
  }

  // ---------------------------------------------------------------- NF steering
  const members = new Map<number, Row>();
  for (const r of of(PROFILES.nfSelector.name)) if (r.kind === 'action_profile_member') members.set(r.memberId!, r);
  const groups = new Map<number, Row>();
  for (const r of of(PROFILES.nfSelector.name)) if (r.kind === 'action_profile_group') groups.set(r.groupId!, r);
  const steerByFlow = new Map<number, Row>();
  for (const r of of(T.nfSteer.name)) {
    const flow = exact(r, 'flow_id');
    if (flow !== undefined) steerByFlow.set(flow, r);
    const own = tenantOfRow(r);
    const pol = flow === undefined ? undefined : policyByFlow.get(flow);
    const polOwner = pol && tenantOfRow(pol);
    if (own && polOwner && own !== polOwner) add('cross-tenant', r, r.table, `steers flow ${hex(flow!)} of tenant ${polOwner.name}`);
    const g = r.groupId === undefined ? undefined : groups.get(r.groupId);
    const gOwner = g && tenantOfRow(g);
    if (own && gOwner && own !== gOwner) add('cross-tenant', r, r.table, `steers into the NF group ${r.groupId} of tenant ${gOwner.name}`);
    if (r.groupId !== undefined && !g) add('unreachable', r, r.table, `NF group ${r.groupId} does not exist`);
  }
  for (const g of groups.values()) {
    const own = tenantOfRow(g);
    for (const m of g.members ?? []) {
      const mem = members.get(m.id);
      if (!mem) {
        add('unreachable', g, g.table, `NF group ${g.groupId} names member ${m.id}, which does not exist`);
        continue;
      }
      const mOwner = tenantOfRow(mem);
      if (own && mOwner && own !== mOwner) add('cross-tenant', g, g.table, `NF group of tenant ${own.name} holds instance member ${m.id} of tenant ${mOwner.name}`);
    }
  }

  // ---------------------------------------------------------------- routes
  const routes = new Map<number, Row[]>();
  for (const name of [T.tenantRouteV4.name, T.tenantRouteV6.name]) {
    for (const r of of(name)) {
      const tid = exact(r, 'tenant_id');
      sameTenant(r, tid, 'tenant id');
      if (tid !== undefined && r.action?.name === T.tenantRouteV4.actions.forward.name) (routes.get(tid) ?? routes.set(tid, []).get(tid)!).push(r);
    }
  }

  // ---------------------------------------------------------------- reachability, one flow at a time
  // Whether a route of the tenant covers a destination class: per class, not per classify entry.
  const routedClass = new Map<number, boolean>();
  for (const [flow, pol] of policyByFlow) {
    const own = tenantOfRow(pol);
    const why: string[] = [];
    if (pol.action?.name !== T.flowPolicy.actions.allow.name) why.push(`its policy is ${pol.action?.name ?? 'no action'}`);
    const cls = classifyByFlow.get(flow) ?? [];
    if (!cls.length) why.push('no flow_classify or flow_classify_range entry sets it');
    if (own && !classified.has(own.id)) why.push(`tenant ${own.name} is classified on no port or VNI of ${target}`);
    const paths = cls.filter((c) => srcClasses.has(classKey(c.tid, c.src)) && dstClasses.has(classKey(c.tid, c.dst)));
    if (cls.length && !paths.length) why.push('its source or destination service has no address entry');
    if (!why.length && !steerByFlow.has(flow)) {
      // Not steered: the destination's addresses must have a route of the tenant.
      const routed = paths.some((c) => {
        const key = classKey(c.tid, c.dst);
        let yes = routedClass.get(key);
        if (yes === undefined) {
          const dsts = dstPrefixes.get(key) ?? [];
          routedClass.set(key, (yes = dsts.some((d) => (routes.get(c.tid!) ?? []).some((rt) => covers(rt, d)))));
        }
        return yes;
      });
      if (!routed) why.push('no route of the tenant covers its destination addresses, and it is not steered to an NF');
    }
    if (steerByFlow.has(flow)) {
      const g = groups.get(steerByFlow.get(flow)!.groupId ?? -1);
      if (!g || !(g.members ?? []).some((m) => members.has(m.id))) why.push('it is steered to an NF group with no live instance');
    }
    if (why.length) add('unreachable', pol, pol.table, `flow ${hex(flow)} is unreachable: ${why.join('; ')}`);
  }

  // ---------------------------------------------------------------- shadowing and duplicate keys
  for (const [table, list] of byTable) {
    if (list[0]!.kind !== 'table_entry') continue;
    shadowing(table, list, add);
  }
  duplicates(entries, rows, add);

  // ---------------------------------------------------------------- capacity
  const usage: TableUse[] = [];
  const limit = opts.headroom ?? 0.9;
  const capacity = (table: string, n: number, size: number, r?: Row) => {
    usage.push({ table, entries: n, size, headroom: size - n });
    if (!size) return;
    if (n > size) add('capacity', r, table, `${n} entries exceed the table size ${size} by ${n - size}`);
    else if (n > size * limit) add('capacity', r, table, `${n} of ${size} entries used (headroom ${size - n}, below ${Math.round((1 - limit) * 100)}%)`, 'warning');
  };
  for (const [table, list] of byTable) {
    if (list[0]!.kind === 'table_entry') capacity(table, list.length, index.table(table).size);
  }
  for (const prof of index.actionProfiles) {
    const list = byTable.get(prof.name) ?? [];
    capacity(`${prof.name} members`, list.filter((r) => r.kind === 'action_profile_member').length, prof.size);
  }
  usage.sort((a, b) => (a.table < b.table ? -1 : 1));
  return { target, findings, usage };
}

/**
 * One number for a (tenant id, service class id) pair; NaN (in no set: only
 * pairs of numbers are added) when either is absent. Exact while tenant ids
 * are below 2^21 and class ids below 2^32: the program's fields are 16 bits each.
 */
function classKey(tid: number | undefined, cls: number | undefined): number {
  return tid === undefined || cls === undefined ? NaN : tid * 0x100000000 + cls;
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

function shadowing(table: string, list: Row[], add: (c: Check, r: Row, t: string, m: string) => void): void {
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
      for (let j = 0; j < i; j++) {
        const h = sorted[j]!;
        if (h.priority <= r.priority) break;
        const allKeys = new Set([...r.match.keys(), ...h.match.keys()]);
        if ([...allKeys].every((f) => fieldCovers(h.match.get(f), r.match.get(f)))) {
          add('shadowed', r, table, `never hit: the priority ${h.priority} entry from ${h.origin ? `${h.origin.file}:${h.origin.line}` : 'outside Git'} matches every packet it does`);
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
      if (covered(p.value, p.prefixLen, true)) add('shadowed', r, table, `never hit: longer prefixes of the same key cover all of ${p.prefixLen === 0 ? 'its addresses' : `its /${p.prefixLen}`}`);
    });
  }
}

function duplicates(entries: DesiredEntries | readonly { key?: string }[], rows: Row[], add: (c: Check, r: Row, t: string, m: string) => void): void {
  // Compiled entries: their keys hashed in place first; strings only when two are equal.
  if (entries instanceof DesiredEntries && !entries.hasDuplicateKeys()) return;
  const keyAt = entries instanceof DesiredEntries ? (k: number) => entries.keyOf(entries.order[k]!) : (k: number) => entries[k]!.key;
  const seen = new Map<string, Row>();
  for (const r of rows) {
    const key = keyAt(r.at);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, r);
      continue;
    }
    const who = (x: Row) => (x.origin ? `${x.origin.kind} ${x.origin.name} (${x.origin.file}:${x.origin.line})` : 'an entry outside Git');
    add('duplicate-key', r, r.table, `${who(r)} claims the same key as ${who(first)}; the switch keeps only one`);
  }
}
