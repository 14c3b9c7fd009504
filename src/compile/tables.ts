// The compiler's one mapping onto the P4 program (see p4/README.md). Every
// table, key field, action, param and action profile the compiler writes is
// named here and nowhere else; compile code says `TABLES.flowPolicy.name`, never
// a string literal. A test cross-checks this constant against both P4Info files,
// so a renamed field in the P4 program fails CI instead of miscompiling.

export type MatchKind = 'exact' | 'lpm' | 'ternary' | 'range' | 'optional';

export interface KeySpec {
  readonly name: string;
  readonly bits: number;
  readonly match: MatchKind;
}

export interface ParamSpec {
  readonly name: string;
  readonly bits: number;
}

export interface ActionSpec {
  readonly name: string;
  readonly params: readonly ParamSpec[];
}

export interface TableSpec {
  readonly name: string;
  readonly keys: readonly KeySpec[];
  readonly actions: Readonly<Record<string, ActionSpec>>;
  /** Action profile/selector implementing the table (entries then point at members/groups). */
  readonly profile?: string;
  /** Direct resources attached to the table (entries may carry their config). */
  readonly directMeter?: string;
  readonly directCounter?: string;
}

const drop = { name: 'ingress.drop', params: [] } as const;
const noMatch = { name: 'ingress.no_match', params: [] } as const;
const tenantId = { name: 'tenant_id', bits: 16, match: 'exact' } as const;
const setTenant = { name: 'ingress.set_tenant', params: [{ name: 'tenant_id', bits: 16 }] } as const;
const setSrcService = { name: 'ingress.set_src_service', params: [{ name: 'service_id', bits: 16 }] } as const;
const setDstService = { name: 'ingress.set_dst_service', params: [{ name: 'service_id', bits: 16 }] } as const;
/** port + MAC of the next hop: a network function instance or a route's gateway. */
const portMac = [
  { name: 'port', bits: 9 },
  { name: 'dmac', bits: 48 },
] as const;
const forward = { name: 'ingress.forward', params: portMac } as const;
const setFlow = { name: 'ingress.set_flow', params: [{ name: 'flow_id', bits: 32 }] } as const;
/** flow_classify and flow_classify_range share every key but the port's match kind. */
const flowKeyHead = [
  tenantId,
  { name: 'src_service', bits: 16, match: 'exact' },
  { name: 'dst_service', bits: 16, match: 'exact' },
  { name: 'ip_proto', bits: 8, match: 'exact' },
] as const;

export const TABLES = {
  tenantClassify: {
    name: 'ingress.tenant_classify',
    keys: [
      { name: 'ingress_port', bits: 9, match: 'exact' },
      { name: 'vlan_id', bits: 12, match: 'exact' },
    ],
    actions: { setTenant, drop },
  },
  /** VXLAN from an underlay port: the tenant is (port, VNI); a VNI on any other port misses and drops. */
  tenantClassifyVni: {
    name: 'ingress.tenant_classify_vni',
    keys: [
      { name: 'ingress_port', bits: 9, match: 'exact' },
      { name: 'vni', bits: 24, match: 'exact' },
    ],
    actions: { setTenant, drop },
  },
  srcServiceV4: {
    name: 'ingress.src_service_v4',
    keys: [tenantId, { name: 'src_addr', bits: 32, match: 'lpm' }],
    actions: { setSrcService, noMatch },
  },
  dstServiceV4: {
    name: 'ingress.dst_service_v4',
    keys: [tenantId, { name: 'dst_addr', bits: 32, match: 'lpm' }],
    actions: { setDstService, noMatch },
  },
  srcServiceV6: {
    name: 'ingress.src_service_v6',
    keys: [tenantId, { name: 'src_addr', bits: 128, match: 'lpm' }],
    actions: { setSrcService, noMatch },
  },
  dstServiceV6: {
    name: 'ingress.dst_service_v6',
    keys: [tenantId, { name: 'dst_addr', bits: 128, match: 'lpm' }],
    actions: { setDstService, noMatch },
  },
  flowClassify: {
    name: 'ingress.flow_classify',
    keys: [...flowKeyHead, { name: 'l4_dst_port', bits: 16, match: 'exact' }],
    actions: { setFlow },
  },
  /** Port ranges as a prefix cover (TCAM), looked up when flow_classify (single ports, SRAM) misses. */
  flowClassifyRange: {
    name: 'ingress.flow_classify_range',
    keys: [...flowKeyHead, { name: 'l4_dst_port', bits: 16, match: 'ternary' }],
    actions: { setFlow },
  },
  flowPolicy: {
    name: 'ingress.flow_policy',
    keys: [{ name: 'flow_id', bits: 32, match: 'exact' }],
    actions: { allow: { name: 'ingress.allow', params: [{ name: 'qid', bits: 5 }] } },
    directMeter: 'ingress.flow_meter',
    directCounter: 'ingress.flow_counter',
  },
  nfSteer: {
    name: 'ingress.nf_steer',
    keys: [{ name: 'flow_id', bits: 32, match: 'exact' }],
    actions: { toNf: { name: 'ingress.to_nf', params: portMac } },
    profile: 'ingress.nf_selector',
  },
  tenantRouteV4: {
    name: 'ingress.tenant_route_v4',
    keys: [tenantId, { name: 'dst_addr', bits: 32, match: 'lpm' }],
    actions: { forward },
  },
  tenantRouteV6: {
    name: 'ingress.tenant_route_v6',
    keys: [tenantId, { name: 'dst_addr', bits: 128, match: 'lpm' }],
    actions: { forward },
  },
  /** A tenant's aggregate rate: one direct-metered entry per tenant with `spec.rate` (egress). */
  tenantRate: {
    name: 'egress.tenant_rate',
    keys: [tenantId],
    actions: { police: { name: 'egress.police', params: [] } },
    directMeter: 'egress.tenant_meter',
  },
} as const satisfies Record<string, TableSpec>;

export type TableRef = keyof typeof TABLES;

export interface ProfileSpec {
  readonly name: string;
  readonly withSelector: boolean;
  readonly tables: readonly string[];
  /** The action every member of this profile runs. */
  readonly memberAction: ActionSpec;
}

export const PROFILES = {
  nfSelector: {
    name: 'ingress.nf_selector',
    withSelector: true,
    tables: ['ingress.nf_steer'],
    memberAction: TABLES.nfSteer.actions.toNf,
  },
} as const satisfies Record<string, ProfileSpec>;

export type ProfileRef = keyof typeof PROFILES;

/** Every P4Info table name the compiler writes, in pipeline order. */
export const MANAGED_TABLE_NAMES: readonly string[] = Object.values(TABLES).map((t) => t.name);
/** Every P4Info action profile name the compiler writes. */
export const MANAGED_PROFILE_NAMES: readonly string[] = Object.values(PROFILES).map((p) => p.name);

