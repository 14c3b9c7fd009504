// Specs → the entries one switch must hold. Pure: a SpecSet and the P4Info
// index in, canonical entity bytes out, each entry remembering the spec line
// that asked for it. All table/action names come from tables.ts.
//
// What is compiled, per target, for the tenants it lists:
//   tenant_classify      (port, vlan) → set_tenant        one per listed port
//   tenant_classify_vni  (underlay port, vni) → set_tenant   per underlay port, when the tenant has a vni
//   tenant_rate          tenant → police [+ meter]        when the tenant has a rateLimit
//   src/dst_service_v4|6 (tenant, address) → service class   per service address
//   flow_classify        (tenant, src class, dst class, proto, port) → set_flow   single ports
//   flow_classify_range  same, port ternary → set_flow    prefix cover of each port range
//   flow_policy          flow id → allow(qid) [+ meter]   per flow
//   nf_steer             flow id → group (tenant, function)   per steered flow
//   nf_selector members  per function instance: to_nf(port, mac)
//   nf_selector groups   per (tenant, function), members weighted
//   tenant_route_v4|6    (tenant, prefix) → forward(port, mac)
// Flows whose `expires` is at or before `now` are left out.
import { SpecError, SpecErrors, FlowopsError, formatPos, type SourcePos } from '../shared/errors.ts';
import { specKey, type SpecSet, type Located, type FieldPath } from '../specs/spec-set.ts';
import type { Flow, Service, Tenant, Target, FunctionKind, RateLimit } from '../specs/schema.ts';
import { FUNCTION_KINDS } from '../specs/schema.ts';
import { toPrefix, prefixBytes, prefixKey, type Prefix } from '../specs/ip.ts';
import { assignFlowIds, type FlowIds } from '../specs/flow-id.ts';
import { Codes } from '../specs/codes.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import type { DesiredEntry, DesiredState, Origin } from './types.ts';
import { DesiredEntries, EntriesBuilder } from './entries.ts';
import { TABLES, PROFILES, MANAGED_TABLE_NAMES, MANAGED_PROFILE_NAMES } from './tables.ts';
import { assignHashedIds } from './ids.ts';
import { rateBytesPerSecond, sizeBytes, qosQueue, protocolNumber } from '../specs/units.ts';
import { isExpired } from '../specs/expiry.ts';
import { createEmitter, lpmMatch, type Emitted, type MeterConfig } from './emit.ts';
import { flowPorts, prefixCover } from './port-cover.ts';
import { exactEmitter } from './exact-emit.ts';
import { KeyIndex } from './key-index.ts';
import type { MatchInput } from '../p4info/entity.ts';

export interface CompileOptions {
  /** The instant flow expiry is judged against. */
  now: Date;
  /**
   * What each flow compiled to last time, reused when the flow's document is
   * the very same object (specs/load.ts's SpecCache shares the documents of
   * unchanged files) and the numbers it was compiled with are unchanged.
   */
  cache?: CompileCache;
}

/**
 * Entries of each flow document from the previous compile of a target, with
 * the numbers they were made from (tenant id, flow id, service class ids,
 * steering group). Keep one per reconciler; it holds only references to
 * entries that the DesiredState holds anyway.
 */
export class CompileCache {
  private readonly targets = new Map<string, { index: P4InfoIndex; flows: CachedFlows }>();
  hits = 0;
  misses = 0;

  /** @internal The flows of `target` compiled against `index` (forgotten when the index changes). */
  flowsOf(target: string, index: P4InfoIndex): CachedFlows | undefined {
    const t = this.targets.get(target);
    return t && t.index === index ? t.flows : undefined;
  }

  /** @internal */
  replace(target: string, index: P4InfoIndex, flows: CachedFlows): void {
    this.targets.set(target, { index, flows });
  }

  private readonly keys = new Map<string, KeyIndex>();

  /** @internal compile's duplicate-key check over `index.entries` found none: its index, for a later patch (desired/patch.ts). */
  keepKeys(target: string, index: KeyIndex): void {
    this.keys.set(target, index);
  }

  /** The identity-key index of `entries` if the last compile of `target` made them (and handed it over once). */
  takeKeys(target: string, entries: DesiredEntries): KeyIndex | undefined {
    const k = this.keys.get(target);
    this.keys.delete(target);
    return k && k.entries === entries ? k : undefined;
  }
}

/**
 * What each flow document of one compile was made into: the numbers its
 * entries were made from (tenant id, flow id, destination class, steering
 * group, source classes), its origin, and its emission positions [from, to)
 * in `src`. As columns: 10^5 objects of eight fields and an array each were
 * ~24 MB of heap held between commits; these are ~8.
 */
export class CachedFlows {
  private readonly at = new Map<object, number>();
  /** Per flow: tid, flowId, dstId, steer (or NONE), from, to, first source id, source count. */
  private cols = new Uint32Array(8 * 1024);
  private srcIds = new Uint32Array(1024);
  private nSrc = 0;
  private readonly origins: Origin[] = [];
  /** The entries every flow's [from, to) is in (set when they are sealed). */
  src?: DesiredEntries;

  get size(): number {
    return this.origins.length;
  }

  /** Whether `doc` was made from these numbers last time: then its [from, to) and origin. */
  match(doc: object, r: { tid: number; flowId: number; dstId: number; steerGroup: number | undefined; srcs: readonly { id: number }[] }): { from: number; to: number; origin: Origin } | undefined {
    const k = this.at.get(doc);
    if (k === undefined) return undefined;
    const c = this.cols;
    const o = 8 * k;
    if (c[o] !== r.tid || c[o + 1] !== r.flowId || c[o + 2] !== r.dstId || c[o + 3] !== (r.steerGroup ?? NONE) || c[o + 7] !== r.srcs.length) return undefined;
    for (let i = 0; i < r.srcs.length; i++) if (this.srcIds[c[o + 6] + i] !== r.srcs[i]!.id) return undefined;
    return { from: c[o + 4], to: c[o + 5], origin: this.origins[k]! };
  }

  /** Remembers `doc`'s numbers and positions; numbers that are not 32-bit unsigned integers are not cached (never matched). */
  add(doc: object, r: { tid: number; flowId: number; dstId: number; steerGroup: number | undefined; srcs: readonly { id: number }[] }, origin: Origin, from: number, to: number): void {
    if (!u32(r.tid) || !u32(r.flowId) || !u32(r.dstId) || !u32(r.steerGroup ?? 0) || !r.srcs.every((x) => u32(x.id))) return;
    const k = this.origins.length;
    if (8 * k + 8 > this.cols.length) {
      const next = new Uint32Array(this.cols.length * 2);
      next.set(this.cols);
      this.cols = next;
    }
    if (this.nSrc + r.srcs.length > this.srcIds.length) {
      const next = new Uint32Array(Math.max(this.srcIds.length * 2, this.nSrc + r.srcs.length));
      next.set(this.srcIds);
      this.srcIds = next;
    }
    const c = this.cols;
    const o = 8 * k;
    c[o] = r.tid;
    c[o + 1] = r.flowId;
    c[o + 2] = r.dstId;
    c[o + 3] = r.steerGroup ?? NONE;
    c[o + 4] = from;
    c[o + 5] = to;
    c[o + 6] = this.nSrc;
    c[o + 7] = r.srcs.length;
    for (const x of r.srcs) this.srcIds[this.nSrc++] = x.id;
    this.origins.push(origin);
    this.at.set(doc, k);
  }

  /**
   * Moves the flows onto `to`, a patch of `src` (patchFlows): `spans` are the
   * stretches [from, to) of `src` it kept, in order, with where each starts in
   * `to`. A flow not wholly in one (removed) is forgotten. So the entries of
   * the compile that made the cache are not held once a patch has moved on.
   */
  rebase(to: DesiredEntries, spans: readonly (readonly [number, number, number])[]): void {
    const c = this.cols;
    let s = 0;
    for (let k = 0; k < this.origins.length; k++) {
      const o = 8 * k;
      while (s < spans.length && spans[s]![1] <= c[o + 4] && spans[s]![1] < c[o + 5]) s++;
      const span = spans[s];
      if (span && span[0] <= c[o + 4] && c[o + 5] <= span[1]) {
        c[o + 4] += span[2] - span[0];
        c[o + 5] += span[2] - span[0];
      } else c[o] = NONE; // no tid is NONE: never matched again
    }
    this.src = to;
  }
}

/** No steering group (and the bound of what is cached). */
const NONE = 0xffffffff;
const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v < NONE;

/** Two specs ask for the same switch key (the error names both places). */
export const KEY_CLASH = 'COMPILE_KEY_CLASH';

/** Scope strings of the hashed ids (see ids.ts); changing one renumbers everything in it. */
export const ID_SCOPES = {
  serviceClass: (tenant: string) => `service-class:${tenant}`,
  member: `${PROFILES.nfSelector.name}:member`,
  group: `${PROFILES.nfSelector.name}:group`,
} as const;

/** The member of an NF instance: `tenant/function/instance`. */
export function memberName(tenant: string, fn: FunctionKind, instance: string): string {
  return `${tenant}/${fn}/${instance}`;
}
/** The group of a tenant's function: `tenant/function`. */
export function groupName(tenant: string, fn: FunctionKind): string {
  return `${tenant}/${fn}`;
}

/** Service class ids of every tenant's services: tenant → service name → id (1..65535). */
export function serviceClassIds(services: readonly Service[]): Map<string, Map<string, number>> {
  const byTenant = new Map<string, string[]>();
  for (const s of services) {
    const list = byTenant.get(s.metadata.tenant) ?? [];
    list.push(s.metadata.name);
    byTenant.set(s.metadata.tenant, list);
  }
  const out = new Map<string, Map<string, number>>();
  for (const [tenant, names] of byTenant) out.set(tenant, assignHashedIds(ID_SCOPES.serviceClass(tenant), names, 16));
  return out;
}

/** The desired state of a switch that should hold nothing flowops manages (a target removed from Git). */
export function emptyState(target: string, index: P4InfoIndex): DesiredState {
  return {
    target,
    entries: DesiredEntries.empty(),
    managedTableIds: MANAGED_TABLE_NAMES.map((n) => index.table(n).id),
    managedProfileIds: MANAGED_PROFILE_NAMES.map((n) => index.actionProfile(n).id),
  };
}

/** Compiles the desired state of every target in the spec set. */
export function compileAll(specs: SpecSet, index: P4InfoIndex, opts: CompileOptions): DesiredState[] {
  return specs.targets.map((t) => compile(specs, index, t.metadata.name, opts));
}

/** Who claims keys, and where: one per spec element, shared by all its keys; the position is worked out only for an error. */
interface Claimant {
  owner: string;
  pos: () => SourcePos;
  field: string;
}

/**
 * Where each key was first claimed, so a second claim can name both places.
 * A flow claims ~10 keys and 10^5 flows a million: the map holds a shared
 * Claimant per key, and messages and positions are built only on a clash.
 */
class Claims {
  private readonly seen = new Map<string, Claimant>();
  constructor(private readonly errors: SpecError[]) {}

  /**
   * Claims `key` for `by`. Returns false when it was already taken: by the
   * same owner (harmless duplicate, e.g. overlapping port ranges of one flow)
   * silently, by another owner with a KEY_CLASH error naming both.
   */
  claim(key: string, by: Claimant, what: () => string): boolean {
    const prev = this.seen.get(key);
    if (!prev) {
      this.seen.set(key, by);
      return true;
    }
    if (prev.owner !== by.owner) {
      const pos = by.pos();
      const prevPos = prev.pos();
      this.errors.push(
        new SpecError(KEY_CLASH, pos, by.field, `${what()} is also claimed by ${prev.owner} at ${formatPos(prevPos)}; ${by.owner} at ${formatPos(pos)} cannot have it too`, {
          other: prev.owner,
          otherPos: prevPos,
          owner: by.owner,
        }),
      );
    }
    return false;
  }
}

const claimant = (owner: string, field: string, pos: () => SourcePos): Claimant => ({ owner, field, pos });

/** A desired entry from emitted bytes (no spread: this runs a million times). */
const entry = (e: Emitted, origin: Origin): DesiredEntry => ({ kind: e.kind, table: e.table, key: e.key, bytes: e.bytes, origin });

export function compile(specs: SpecSet, index: P4InfoIndex, targetName: string, opts: CompileOptions): DesiredState {
  // flow_classify holds ~90% of the entries. Claiming each of its keys in a map
  // costs a second at 10^6 entries, and checkSpecs already refuses flows that
  // overlap; so the keys are first checked only afterwards, hashed in place in the
  // entries' key arena. Only if two are equal is the target compiled again with
  // every key claimed, which names both places exactly as before.
  let quick: DesiredState;
  try {
    quick = compileTarget(specs, index, targetName, opts, false);
  } catch (err) {
    // Errors of other kinds: the full pass reports them together with any key clash.
    if (err instanceof SpecErrors) return compileTarget(specs, index, targetName, opts, true);
    throw err;
  }
  const keys = KeyIndex.of(quick.entries);
  if (!keys) return compileTarget(specs, index, targetName, opts, true);
  quick.entries.markUniqueKeys();
  opts.cache?.keepKeys(targetName, keys);
  return quick;
}

function targetOf(specs: SpecSet, targetName: string): Located<Target> {
  const target = specs.targets.find((t) => t.metadata.name === targetName);
  if (!target) {
    throw new FlowopsError('TARGET_NOT_FOUND', `no Target named '${targetName}' in the specs`, {
      target: targetName,
      known: specs.targets.map((t) => t.metadata.name),
    });
  }
  return target;
}

/**
 * What compiling a flow needs besides the flow, made once per target: the
 * emitters, the builder written into, and the numbers flows refer to (tenant
 * ids, service class ids, steering groups, flow ids). Used by a full compile
 * and by a patch (patchFlows), so both compile a flow the same way.
 */
interface FlowContext {
  emit: ReturnType<typeof createEmitter>;
  flowClassify: ReturnType<typeof exactEmitter>;
  flowPolicy: ReturnType<typeof exactEmitter>;
  entries: EntriesBuilder;
  errors: SpecError[];
  claims: Claims;
  claimFlowKeys: boolean;
  now: Date;
  tenantsByName: Map<string, Located<Tenant>>;
  served: { tenant: Located<Tenant>; ports: number[]; i: number }[];
  servedNames: Set<string>;
  /** Services of the served tenants (spec order). */
  services: Located<Service>[];
  classIds: Map<string, Map<string, number>>;
  servicesByTenant: Map<string, Located<Service>[]>;
  memberIds: Map<string, number>;
  groupIds: Map<string, number>;
  flowIds: FlowIds;
}

function flowContext(specs: SpecSet, index: P4InfoIndex, target: Located<Target>, entries: EntriesBuilder, errors: SpecError[], claimFlowKeys: boolean, now: Date, flowIds: FlowIds): FlowContext {
  const emit = createEmitter(index);
  const tenantsByName = new Map(specs.tenants.map((t) => [t.metadata.name, t]));
  const { memberIds, groupIds } = once(nfIdsOf, specs.tenants, nfIds);
  const served: FlowContext['served'] = [];
  target.spec.tenants.forEach((tt, i) => {
    const tenant = tenantsByName.get(tt.tenant);
    if (!tenant) {
      errors.push(new SpecError(Codes.unknownTenant, target.source.at(['spec', 'tenants', i, 'tenant']), `spec.tenants[${i}].tenant`, `no Tenant named '${tt.tenant}'`));
      return;
    }
    served.push({ tenant, ports: tt.ports, i });
  });
  const servedNames = new Set(served.map((s) => s.tenant.metadata.name));
  const services = specs.services.filter((s) => servedNames.has(s.metadata.tenant));
  const servicesByTenant = new Map<string, Located<Service>[]>();
  for (const s of services) (servicesByTenant.get(s.metadata.tenant) ?? servicesByTenant.set(s.metadata.tenant, []).get(s.metadata.tenant)!).push(s);
  return {
    emit,
    flowClassify: exactEmitter(index, emit, TABLES.flowClassify, TABLES.flowClassify.actions.setFlow),
    flowPolicy: exactEmitter(index, emit, TABLES.flowPolicy, TABLES.flowPolicy.actions.allow),
    entries, errors, claims: new Claims(errors), claimFlowKeys, now,
    tenantsByName, served, servedNames, services, classIds: servedClassIds(specs.services, servedNames), servicesByTenant, memberIds, groupIds, flowIds,
  };
}

// Hashed ids by the very list they are made from: a patch (patchFlows) shares
// the tenant and service lists of the compile before it, so the ~2,000 hashes
// of a large repository are made once, not for every commit. The lists are
// never changed in place once loaded.
const nfIdsOf = new WeakMap<readonly Tenant[], ReturnType<typeof nfIds>>();
const classIdsOf = new WeakMap<readonly Service[], Map<string, Map<string, number>>>();

function once<K extends object, V>(memo: WeakMap<K, V>, key: K, make: (key: K) => V): V {
  let v = memo.get(key);
  if (v === undefined) memo.set(key, (v = make(key)));
  return v;
}

/** Service class ids of the served tenants (each tenant's ids depend on its own services only). */
function servedClassIds(all: readonly Service[], served: ReadonlySet<string>): Map<string, Map<string, number>> {
  const ids = once(classIdsOf, all, serviceClassIds);
  const out = new Map<string, Map<string, number>>();
  for (const t of served) {
    const m = ids.get(t);
    if (m) out.set(t, m);
  }
  return out;
}

function compileTarget(specs: SpecSet, index: P4InfoIndex, targetName: string, opts: CompileOptions, claimFlowKeys: boolean): DesiredState {
  const target = targetOf(specs, targetName);
  const errors: SpecError[] = [];
  // A recompile starts with arenas the size of the last result of this target;
  // a cold one with arenas for ~10 entries per flow of the tenants it serves.
  const servedTenants = new Set(target.spec.tenants.map((t) => t.tenant));
  let servedFlows = 0;
  for (const f of specs.flows) if (servedTenants.has(f.metadata.tenant)) servedFlows++;
  const entries = new EntriesBuilder(claimFlowKeys ? undefined : opts.cache?.flowsOf(targetName, index)?.src, servedFlows * 10);
  const cx = flowContext(specs, index, target, entries, errors, claimFlowKeys, opts.now, assignFlowIds(specs));
  const { emit, claims, tenantsByName, served, memberIds, groupIds, classIds } = cx;
  const origins = new Map<object, Origin>();
  const originOf = (doc: Located<Tenant | Service | Flow | Target>, kind: Origin['kind'], name: string): Origin => {
    let o = origins.get(doc);
    if (!o) {
      o = { kind, name, file: doc.source.file, line: doc.source.line };
      origins.set(doc, o);
    }
    return o;
  };
  const at = (doc: Located<unknown>, path: FieldPath | string): SourcePos => doc.source.at(path);

  // ---------------------------------------------------------------- tenants served here
  for (const { tenant, ports, i } of served) {
    const tname = tenant.metadata.name;
    const tid = tenant.spec.id;
    const torigin = originOf(tenant, 'tenant', tname);
    // Ports come from the target's tenants[i] entry: point there, named by tenant.
    const portsOrigin: Origin = { kind: 'tenant', name: tname, file: target.source.file, line: at(target, ['spec', 'tenants', i]).line };
    ports.forEach((port, j) => {
      const by = claimant(`tenant ${tname}`, `spec.tenants[${i}].ports[${j}]`, () => at(target, ['spec', 'tenants', i, 'ports', j]));
      if (!claims.claim(`tc:${port}:${tenant.spec.vlan}`, by, () => `tenant_classify key (port ${port}, vlan ${tenant.spec.vlan})`)) return;
      entries.push(entry(emit.table(TABLES.tenantClassify, { ingress_port: port, vlan_id: tenant.spec.vlan }, { action: TABLES.tenantClassify.actions.setTenant, params: { tenant_id: tid } }), portsOrigin));
    });
    if (tenant.spec.vni !== undefined) {
      const vni = tenant.spec.vni;
      // One entry per underlay port: VXLAN with this VNI on any other port misses and drops.
      if (claims.claim(`vni:${vni}`, claimant(`tenant ${tname}`, 'spec.vni', () => at(tenant, ['spec', 'vni'])), () => `tenant_classify_vni key (vni ${vni})`)) {
        for (const port of target.spec.underlay?.ports ?? []) {
          entries.push(entry(emit.table(TABLES.tenantClassifyVni, { ingress_port: port, vni }, { action: TABLES.tenantClassifyVni.actions.setTenant, params: { tenant_id: tid } }), torigin));
        }
      }
    }
    if (tenant.spec.rateLimit) {
      entries.push(entry(emit.table(TABLES.tenantRate, { tenant_id: tid }, { action: TABLES.tenantRate.actions.police, params: {} }, meterOf(tenant.spec.rateLimit)), torigin));
    }
    // ---------------------------------------------------------------- routes
    (tenant.spec.routes ?? []).forEach((r, j) => {
      const p = toPrefix(r.prefix);
      const table = p.family === 4 ? TABLES.tenantRouteV4 : TABLES.tenantRouteV6;
      const field = `spec.routes[${j}].prefix`;
      const by = claimant(`tenant ${tname} route ${j}`, field, () => at(tenant, ['spec', 'routes', j, 'prefix']));
      if (!claims.claim(`route:${tid}:${prefixKey(p)}`, by, () => `${table.name} key (tenant ${tname}, ${r.prefix})`)) return;
      entries.push(entry(emit.table(table, { tenant_id: tid, dst_addr: lpm(p) }, { action: table.actions.forward, params: { port: r.port, dmac: r.mac } }), torigin));
    });
    // ---------------------------------------------------------------- NF members and groups
    for (const fn of FUNCTION_KINDS) {
      const nf = tenant.spec.functions?.[fn];
      if (!nf) continue;
      const members: { id: number; weight: number }[] = [];
      for (const inst of nf.instances) {
        const id = memberIds.get(memberName(tname, fn, inst.name))!;
        members.push({ id, weight: inst.weight });
        entries.push(entry(emit.member(PROFILES.nfSelector, id, { action: PROFILES.nfSelector.memberAction, params: { port: inst.port, dmac: inst.mac } }), torigin));
      }
      entries.push(entry(emit.group(PROFILES.nfSelector, groupIds.get(groupName(tname, fn))!, members), torigin));
    }
  }

  // ---------------------------------------------------------------- services
  for (const s of cx.services) {
    const tname = s.metadata.tenant;
    const tid = tenantsByName.get(tname)!.spec.id;
    const classId = classIds.get(tname)!.get(s.metadata.name)!;
    const sorigin = originOf(s, 'service', `${tname}/${s.metadata.name}`);
    s.spec.addresses.forEach((addr, j) => {
      const p = toPrefix(addr);
      const by = claimant(`service ${tname}/${s.metadata.name}`, `spec.addresses[${j}]`, () => at(s, ['spec', 'addresses', j]));
      if (!claims.claim(`svc:${tid}:${prefixKey(p)}`, by, () => `service address ${addr} of tenant ${tname}`)) return;
      const [srcT, dstT] = p.family === 4 ? [TABLES.srcServiceV4, TABLES.dstServiceV4] : [TABLES.srcServiceV6, TABLES.dstServiceV6];
      entries.push(entry(emit.table(srcT, { tenant_id: tid, src_addr: lpm(p) }, { action: srcT.actions.setSrcService, params: { service_id: classId } }), sorigin));
      entries.push(entry(emit.table(dstT, { tenant_id: tid, dst_addr: lpm(p) }, { action: dstT.actions.setDstService, params: { service_id: classId } }), sorigin));
    });
  }

  // ---------------------------------------------------------------- flows
  // Never in the claiming pass: a cached flow would claim nothing.
  const cache = claimFlowKeys ? undefined : opts.cache;
  const cached = cache?.flowsOf(targetName, index);
  const nextCached = cache && new CachedFlows();
  for (const f of specs.flows) {
    if (!cx.servedNames.has(f.metadata.tenant) || isExpired(f, opts.now)) continue;
    const r = resolveFlow(cx, f);
    if (!r) continue;
    const hit = errors.length === 0 ? cached?.match(f, r) : undefined;
    // Each flow document is visited once: its origin needs no lookup, and a cached flow's is the same.
    const forigin: Origin = hit?.origin ?? { kind: 'flow', name: r.fkey, file: f.source.file, line: f.source.line };
    if (hit) {
      const from = entries.length;
      entries.pushRange(cached!.src!, hit.from, hit.to, forigin);
      nextCached!.add(f, r, forigin, from, entries.length);
      cache!.hits++;
      continue;
    }
    const firstEntry = entries.length;
    const errorsBefore = errors.length;
    emitFlow(cx, f, r, forigin);
    if (nextCached && errors.length === errorsBefore) {
      nextCached.add(f, r, forigin, firstEntry, entries.length);
      cache!.misses++;
    }
  }

  if (errors.length) throw new SpecErrors(errors);
  const sealed = entries.seal();
  if (nextCached) {
    nextCached.src = sealed;
    cache!.replace(targetName, index, nextCached);
  }
  return { ...emptyState(targetName, index), entries: sealed };
}

/** Flows of a new spec set that were not in the one a state was compiled from, and the flows that were but are no more. */
export interface FlowChange {
  removed: readonly Located<Flow>[];
  /** Sorted by specKey. */
  added: readonly Located<Flow>[];
}

/**
 * The state a full compile of `specs` gives, made from `prev` — a compile of
 * the same target over specs that differ from `specs` only by `change`'s
 * flows, whose identity keys `keys` holds — by taking the removed flows'
 * entries out and compiling the added ones in, where a full compile emits
 * them: after every tenant and service entry, flows in specKey order. Same
 * bytes, same emission order, same origins. Undefined when that cannot be
 * shown here (an added flow with an error, a key taken twice): then compile in
 * full, which names the problem; `keys` is spoiled then.
 */
export function patchFlows(
  prev: DesiredState,
  specs: SpecSet,
  index: P4InfoIndex,
  targetName: string,
  change: FlowChange,
  flowIds: FlowIds,
  keys: KeyIndex,
  now: Date,
  cache?: CompileCache,
): DesiredState | undefined {
  const old = prev.entries;
  if (keys.entries !== old) return undefined;
  const errors: SpecError[] = [];
  const entries = EntriesBuilder.patching(old);
  const cx = flowContext(specs, index, targetOf(specs, targetName), entries, errors, false, now, flowIds);
  if (errors.length) return undefined;
  const served = (f: Located<Flow>) => cx.servedNames.has(f.metadata.tenant) && !isExpired(f, now);
  const n = old.length;
  // Emission positions [lo, hi) of each flow's entries, found by its origin name (flows come last, in name order).
  let first = n;
  for (let lo = 0, hi = n; lo < hi; ) {
    const mid = (lo + hi) >>> 1;
    if (old.originOf(mid).kind === 'flow') hi = first = mid;
    else lo = mid + 1;
  }
  const bound = (name: string, upper: boolean): number => {
    let lo = first;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = old.originOf(mid).name;
      if (m < name || (upper && m === name)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const cuts = change.removed
    .filter(served)
    .map((f) => {
      const name = specKey(f);
      return [bound(name, false), bound(name, true)] as const;
    })
    .sort((a, b) => a[0] - b[0]);
  const puts = change.added.filter(served).map((f) => ({ f, at: bound(specKey(f), false) }));
  // Added flows go in before a cut at the same place: they sort at or before the flow cut there.
  const addedRuns: [number, number][] = [];
  // The stretches of `old` kept, and where each starts in the result.
  const spans: [number, number, number][] = [];
  const span = (from: number, to: number) => {
    if (to <= from) return;
    spans.push([from, to, entries.length]);
    entries.pushSpan(from, to);
  };
  let cursor = 0;
  let c = 0;
  for (let p = 0; p <= puts.length; p++) {
    const at = p < puts.length ? puts[p]!.at : n;
    while (c < cuts.length && cuts[c]![0] < at) {
      span(cursor, cuts[c]![0]);
      cursor = Math.max(cursor, cuts[c]![1]);
      c++;
    }
    span(cursor, at);
    cursor = Math.max(cursor, at);
    if (p === puts.length) break;
    const f = puts[p]!.f;
    const r = resolveFlow(cx, f);
    if (!r || errors.length) return undefined;
    const from = entries.length;
    emitFlow(cx, f, r, { kind: 'flow', name: r.fkey, file: f.source.file, line: f.source.line });
    if (errors.length) return undefined;
    addedRuns.push([from, entries.length]);
  }
  const sealed = entries.seal();
  for (const [lo, hi] of cuts) for (let i = lo; i < hi; i++) if (!keys.remove(old.keyBytesOf(i))) return undefined;
  for (const [lo, hi] of addedRuns) for (let i = lo; i < hi; i++) if (!keys.add(sealed.keyBytesOf(i))) return undefined;
  keys.entries = sealed;
  // The key index holds every key once: verify need not look for duplicates again.
  sealed.markUniqueKeys();
  const cached = cache?.flowsOf(targetName, index);
  if (cached?.src === old) cached.rebase(sealed, spans);
  return { ...prev, entries: sealed };
}

/** The numbers a flow's entries are made from; undefined (with an error) when its destination is unknown. */
interface ResolvedFlow {
  tname: string;
  fkey: string;
  tenant: Located<Tenant>;
  tid: number;
  flowId: number;
  srcs: { name: string; id: number }[];
  dstId: number;
  steerGroup: number | undefined;
}

function resolveFlow(cx: FlowContext, f: Located<Flow>): ResolvedFlow | undefined {
  const tname = f.metadata.tenant;
  const fkey = `${tname}/${f.metadata.name}`;
  const tenant = cx.tenantsByName.get(tname)!;
  const flowId = cx.flowIds.idOfKey(fkey);
  const tenantServices = cx.servicesByTenant.get(tname) ?? [];
  const ids = cx.classIds.get(tname) ?? new Map<string, number>();
  const from = 'service' in f.spec.from ? [f.spec.from.service] : tenantServices.filter((s) => s.spec.roles?.includes((f.spec.from as { role: string }).role)).map((s) => s.metadata.name);
  const fromPath = 'service' in f.spec.from ? ['spec', 'from', 'service'] : ['spec', 'from', 'role'];
  const srcs: { name: string; id: number }[] = [];
  for (const name of from) {
    const id = ids.get(name);
    if (id === undefined) cx.errors.push(new SpecError(Codes.unknownService, f.source.at(fromPath), fromPath.join('.'), `no Service '${name}' in tenant ${tname}`));
    else srcs.push({ name, id });
  }
  const dstId = ids.get(f.spec.to.service);
  if (dstId === undefined) {
    cx.errors.push(new SpecError(Codes.unknownService, f.source.at(['spec', 'to', 'service']), 'spec.to.service', `no Service '${f.spec.to.service}' in tenant ${tname}`));
    return undefined;
  }
  const steerGroup = f.spec.steer && tenant.spec.functions?.[f.spec.steer] ? cx.groupIds.get(groupName(tname, f.spec.steer)) : undefined;
  return { tname, fkey, tenant, tid: tenant.spec.id, flowId, srcs, dstId, steerGroup };
}

const PORTS_PATH: FieldPath = ['spec', 'ports'];
const PROTOCOL_PATH: FieldPath = ['spec', 'protocol'];
const fcKey = [0, 0, 0, 0, 0];
const oneParam = [0];
const fpKey = [0];

/** A flow's entries, appended to the context's builder: its policy and steering, then its classification (see order.ts). */
function emitFlow(cx: FlowContext, f: Located<Flow>, r: ResolvedFlow, forigin: Origin): void {
  const { emit, entries, errors, claims, claimFlowKeys } = cx;
  const { tname, fkey, tenant, tid, flowId, srcs, dstId } = r;
  const proto = protocolNumber(f);
  const ports = flowPorts(f);

  // The flow's policy and steering (written before its classification, see order.ts).
  const meter = f.spec.rateLimit ? meterOf(f.spec.rateLimit) : undefined;
  const qid = qosQueue(f);
  oneParam[0] = qid;
  if (meter) entries.push(entry(emit.table(TABLES.flowPolicy, { flow_id: flowId }, { action: TABLES.flowPolicy.actions.allow, params: { qid } }, meter), forigin));
  else {
    fpKey[0] = flowId;
    cx.flowPolicy.into(entries, fpKey, oneParam, forigin);
  }
  if (f.spec.steer) {
    const fn = f.spec.steer;
    if (!tenant.spec.functions?.[fn]) {
      errors.push(new SpecError(Codes.noSuchFunction, f.source.at(['spec', 'steer']), 'spec.steer', `tenant ${tname} defines no '${fn}' function`));
    } else {
      entries.push(entry(emit.table(TABLES.nfSteer, { flow_id: flowId }, { groupId: cx.groupIds.get(groupName(tname, fn))! }), forigin));
    }
  }
  // The claimant only where keys are claimed (the full pass): 10^5 flows otherwise make it for nothing.
  const keyPath = f.spec.ports ? PORTS_PATH : PROTOCOL_PATH;
  const by = claimFlowKeys ? claimant(`flow ${fkey}`, keyPath.join('.'), () => f.source.at(keyPath)) : undefined;
  for (const src of srcs) {
    for (const port of ports.singles) {
      // Claimed by the entry's own switch key (already computed), not a second string per entry.
      // In TABLES.flowClassify.keys order: tenant_id, src_service, dst_service, ip_proto, l4_dst_port.
      fcKey[0] = tid;
      fcKey[1] = src.id;
      fcKey[2] = dstId;
      fcKey[3] = proto;
      fcKey[4] = port;
      oneParam[0] = flowId;
      if (!claimFlowKeys) {
        cx.flowClassify.into(entries, fcKey, oneParam, forigin);
        continue;
      }
      const e = cx.flowClassify(fcKey, oneParam);
      if (!claims.claim(e.key, by!, () => `flow_classify key (tenant ${tname}, ${src.name} → ${f.spec.to.service}, ip_proto ${proto}, port ${port})`)) continue;
      entries.push(entry(e, forigin));
    }
    for (const [lo, hi] of ports.ranges) {
      for (const t of prefixCover(lo, hi)) {
        const rt = TABLES.flowClassifyRange;
        const e = emit.table(
          rt,
          { tenant_id: tid, src_service: src.id, dst_service: dstId, ip_proto: proto, l4_dst_port: { ternary: [t.value, t.mask] } },
          { action: rt.actions.setFlow, params: { flow_id: flowId } },
          undefined,
          // Flows never overlap (specs/checks.ts), so priority only has to be valid and deterministic.
          t.len + 1,
        );
        if (claimFlowKeys && !claims.claim(e.key, by!, () => `flow_classify_range key (tenant ${tname}, ${src.name} → ${f.spec.to.service}, ip_proto ${proto}, ports ${lo}-${hi})`)) continue;
        entries.push(entry(e, forigin));
      }
    }
  }
}

/**
 * Member and group ids of every tenant's functions, hashed from
 * `tenant/function/instance` and `tenant/function` over the whole spec set
 * (not per target), so a member has the same id on every switch and adding
 * or removing an instance leaves the other members' ids alone.
 */
export function nfIds(tenants: readonly Tenant[]): { memberIds: Map<string, number>; groupIds: Map<string, number> } {
  const members: string[] = [];
  const groups: string[] = [];
  for (const t of tenants) {
    for (const fn of FUNCTION_KINDS) {
      const nf = t.spec.functions?.[fn];
      if (!nf) continue;
      groups.push(groupName(t.metadata.name, fn));
      for (const inst of nf.instances) members.push(memberName(t.metadata.name, fn, inst.name));
    }
  }
  return { memberIds: assignHashedIds(ID_SCOPES.member, members, 32), groupIds: assignHashedIds(ID_SCOPES.group, groups, 32) };
}

function lpm(p: Prefix): MatchInput {
  return lpmMatch(prefixBytes(p), p.len);
}

/** A token bucket as the switch's meter config: bytes/s and bytes, cir = pir. */
function meterOf(r: RateLimit): MeterConfig {
  const rate = rateBytesPerSecond(r.rate);
  const burst = sizeBytes(r.burst);
  return { cir: rate, cburst: burst, pir: rate, pburst: burst };
}
