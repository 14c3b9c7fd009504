// The shape of every flowops spec document, as zod schemas. Each kind is one
// YAML document `{ apiVersion, kind, metadata, spec }`; every object is strict
// so a typo is an error at its line rather than a silently ignored key.
// Per-field rules that need one value only live here (ranges, formats);
// rules that relate documents live in checks.ts. The JSON Schemas in
// `schemas/` are generated from these (scripts/gen-schemas.ts).
import { z } from 'zod';
import { parseIp, parseCidr } from './ip.ts';
import { parsePortItem } from './ports.ts';

export const API_VERSION = 'flowops.dev/v1';

const apiVersion = z.literal(API_VERSION);

/** The envelope every spec document shares: `{ apiVersion, kind, metadata, spec }`, strict. */
function specDocument<K extends string, M extends z.ZodType, S extends z.ZodType>(kind: K, metadata: M, spec: S) {
  return z.strictObject({ apiVersion, kind: z.literal(kind), metadata, spec });
}

/** What a Name must match (and be at most 63 long); also used by fast-flow.ts. */
export const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-label-like name: stable in URLs, file names, and `tenant/name` keys. */
export const Name = z
  .string()
  .regex(NAME_RE, { error: 'must be lowercase letters, digits and "-", not starting or ending with "-"' })
  .max(63)
  .meta({ description: 'lowercase letters, digits and "-" (at most 63)' });

const Labels = z.record(z.string(), z.string()).meta({ description: 'free-form labels, not interpreted by flowops' });

export const Mac = z
  .string()
  .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, { error: 'must be a MAC address like 02:00:00:00:00:01' })
  .meta({ description: 'Ethernet address, aa:bb:cc:dd:ee:ff' });

/** A switch port: P4 `ingress_port` / `port` fields are bit<9>. */
export const SwitchPort = z.int().min(0, { error: (i) => `switch port ${String(i.input)} out of range 0-511` }).max(511, { error: (i) => `switch port ${String(i.input)} out of range 0-511` });

/** An IPv4 or IPv6 prefix with zero host bits, e.g. 10.1.0.0/16 or 2001:db8:1::/48. */
export const Cidr = z
  .string()
  .check((ctx) => {
    const r = parseCidr(ctx.value);
    if (typeof r === 'string') ctx.issues.push({ code: 'custom', input: ctx.value, message: r });
  })
  .meta({ description: 'IPv4 or IPv6 prefix in CIDR notation with zero host bits, e.g. 10.1.0.0/16' });

/** A host address (taken as /32 or /128) or a CIDR prefix. */
export const AddressOrCidr = z
  .string()
  .check((ctx) => {
    const r = ctx.value.includes('/') ? parseCidr(ctx.value) : parseIp(ctx.value);
    if (typeof r === 'string') ctx.issues.push({ code: 'custom', input: ctx.value, message: r });
  })
  .meta({ description: 'IPv4/IPv6 address or CIDR prefix' });

/** base64 of a 32-byte ed25519 public key. */
export const PublicKey = z
  .string()
  .check((ctx) => {
    const ok = /^[A-Za-z0-9+/]{43}=$/.test(ctx.value) && Buffer.from(ctx.value, 'base64').length === 32;
    if (!ok) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'must be a base64 ed25519 public key (32 bytes)' });
  })
  .meta({ description: 'base64 ed25519 public key (32 bytes), as printed by `flowops keygen`' });

// ---------------------------------------------------------------- Tenant

export const FunctionInstance = z.strictObject({
  name: Name,
  port: SwitchPort,
  mac: Mac,
  /** Relative share of the flows steered through this function (action-selector member weight). */
  weight: z.int().min(1).max(100).default(1),
});
export type FunctionInstance = z.infer<typeof FunctionInstance>;

export const NetworkFunction = z.strictObject({
  instances: z.array(FunctionInstance).min(1),
});
export type NetworkFunction = z.infer<typeof NetworkFunction>;

export const FUNCTION_KINDS = ['router', 'firewall', 'ipsec'] as const;
export const FunctionKind = z.enum(FUNCTION_KINDS);
export type FunctionKind = z.infer<typeof FunctionKind>;

export const Route = z.strictObject({
  prefix: Cidr,
  port: SwitchPort,
  mac: Mac,
});
export type Route = z.infer<typeof Route>;

export const RATE_RE = /^(\d+(?:\.\d+)?)\s*(bps|Kbps|Mbps|Gbps|Tbps)$/;
export const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/;

/** A token-bucket rate: bytes/s and bytes (cir = pir, cburst = pburst on the switch). */
export const RateLimit = z.strictObject({
  rate: z.string().regex(RATE_RE, { error: 'must be a rate like "100Mbps" (bps, Kbps, Mbps, Gbps, Tbps)' }),
  burst: z.string().regex(SIZE_RE, { error: 'must be a size like "1MB" (B, KB, MB, GB, KiB, MiB, GiB)' }),
});
export type RateLimit = z.infer<typeof RateLimit>;

export const TenantSpec = z.strictObject({
  /** P4 `tenant_id` (bit<16>); 0 is reserved for "unclassified". */
  id: z.int().min(1).max(65535),
  publicKey: PublicKey,
  vlan: z.int().min(1).max(4094),
  /** VXLAN network identifier: packets with it arriving on a Target's underlay ports belong to this tenant. */
  vni: z.int().min(1).max(16777215).optional(),
  prefixes: z.array(Cidr).min(1),
  routes: z.array(Route).optional(),
  /** The tenant's aggregate rate across all its flows, metered per switch (egress tenant_rate). */
  rateLimit: RateLimit.optional(),
  functions: z
    .strictObject({
      router: NetworkFunction.optional(),
      firewall: NetworkFunction.optional(),
      ipsec: NetworkFunction.optional(),
    })
    .optional(),
});
export type TenantSpec = z.infer<typeof TenantSpec>;

export const TenantMetadata = z.strictObject({ name: Name, labels: Labels.optional() });

export const Tenant = specDocument('Tenant', TenantMetadata, TenantSpec);
export type Tenant = z.infer<typeof Tenant>;

/** metadata of documents that belong to a tenant (Service, Flow). */
export const ScopedMetadata = z.strictObject({ name: Name, tenant: Name, labels: Labels.optional() });

// ---------------------------------------------------------------- Service

/** A service taking a role in one of its tenant's contracts. */
export const ContractBinding = z.strictObject({
  contract: Name,
  role: Name,
});
export type ContractBinding = z.infer<typeof ContractBinding>;

export const ServiceSpec = z.strictObject({
  addresses: z.array(AddressOrCidr).min(1),
  /** Labels a Flow can select with `from: { role }`. */
  roles: z.array(Name).optional(),
  /** Contracts this service joins, each in one role; the compiler generates the flows (see Contract). */
  contracts: z.array(ContractBinding).optional(),
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

export const Service = specDocument('Service', ScopedMetadata, ServiceSpec);
export type Service = z.infer<typeof Service>;

// ---------------------------------------------------------------- Flow

const portMsg = (i: { input?: unknown }) => `port ${String(i.input)} out of range 1-65535`;
export const PortNumber = z.int().min(1, { error: portMsg }).max(65535, { error: portMsg });

/** "lo-hi", inclusive, 1 <= lo <= hi <= 65535. */
export const PortRange = z
  .string()
  .check((ctx) => {
    const r = parsePortItem(ctx.value);
    if (typeof r === 'string') ctx.issues.push({ code: 'custom', input: ctx.value, message: r });
  })
  .meta({ description: 'inclusive port range "lo-hi"', pattern: '^[0-9]+-[0-9]+$' });

export const PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmpv6', 'esp'] as const;
const PROTOCOL_MSG = 'must be tcp, udp, icmp, icmpv6, esp or an IP protocol number 0-255';
export const QOS_CLASSES = ['gold', 'silver', 'bronze', 'best-effort'] as const;
export const QosClass = z.enum(QOS_CLASSES);
export type QosClass = z.infer<typeof QosClass>;

export const FlowFrom = z.union([
  z.strictObject({ service: Name }),
  z.strictObject({ role: Name }),
], { error: 'must be { service: NAME } or { role: NAME }' });
export type FlowFrom = z.infer<typeof FlowFrom>;

export const FlowSpec = z.strictObject({
  from: FlowFrom,
  to: z.strictObject({ service: Name }),
  /** tcp | udp | icmp | icmpv6 | esp (IP protocol 50, also ESP in UDP 4500) | an IP protocol number. */
  protocol: z.union([z.enum(PROTOCOLS, { error: PROTOCOL_MSG }), z.int().min(0, { error: PROTOCOL_MSG }).max(255, { error: PROTOCOL_MSG })], {
    error: PROTOCOL_MSG,
  }),
  /** Destination ports; required for tcp/udp, forbidden otherwise. */
  ports: z
    .array(z.union([PortNumber, PortRange], { error: 'must be a port number 1-65535 or a "lo-hi" range' }))
    .min(1)
    .optional(),
  action: z.literal('allow'),
  rateLimit: RateLimit.optional(),
  qos: QosClass.optional(),
  steer: FunctionKind.optional(),
  /** After this instant the flow is an error in `validate` and dropped by the reconciler. */
  expires: z.iso.datetime({ offset: true }).optional(),
});
export type FlowSpec = z.infer<typeof FlowSpec>;

export const Flow = specDocument('Flow', ScopedMetadata, FlowSpec);
export type Flow = z.infer<typeof Flow>;

// ---------------------------------------------------------------- Contract

/**
 * One role of a contract. A role with `protocol` is one services accept
 * traffic on (a server, a responder); a role without it only originates.
 */
export const ContractRole = z.strictObject({
  name: Name,
  protocol: FlowSpec.shape.protocol.optional(),
  ports: FlowSpec.shape.ports,
});
export type ContractRole = z.infer<typeof ContractRole>;

export const ContractSpec = z
  .strictObject({
    /** Roles in order. Directed: flows open only from an earlier role to a later one. */
    roles: z.array(ContractRole).min(2).max(8),
    /** true (default): earlier role → later role only; false: every role → every other role that accepts. */
    directed: z.boolean().default(true),
    /** point-to-point: each role has at most one service; point-to-multipoint: `root` has at most one, the others any. */
    topology: z.enum(['point-to-point', 'point-to-multipoint']).default('point-to-point'),
    /** The single-service role of a point-to-multipoint contract. */
    root: Name.optional(),
    rateLimit: RateLimit.optional(),
    qos: QosClass.optional(),
    steer: FunctionKind.optional(),
  })
  .superRefine((v, ctx) => {
    const names = v.roles.map((r) => r.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['roles', i, 'name'], message: `duplicate role "${n}"` });
    });
    if (v.topology === 'point-to-multipoint' && (v.root === undefined || !names.includes(v.root))) {
      ctx.addIssue({ code: 'custom', path: ['root'], message: `a point-to-multipoint contract names its single-service role in root (one of ${names.join(', ')})` });
    }
    if (v.topology === 'point-to-point' && v.root !== undefined) ctx.addIssue({ code: 'custom', path: ['root'], message: 'root is only for point-to-multipoint' });
    if (!v.roles.some((r) => r.protocol !== undefined)) ctx.addIssue({ code: 'custom', path: ['roles'], message: 'no role accepts traffic: give at least one role a protocol' });
  });
export type ContractSpec = z.infer<typeof ContractSpec>;

export const Contract = specDocument('Contract', ScopedMetadata, ContractSpec);
export type Contract = z.infer<typeof Contract>;

// ---------------------------------------------------------------- Target

/** A tenant's share of a switch: entries in total and, optionally, per table (short or full P4 name). */
export const Quota = z.strictObject({
  entries: z.int().min(0).optional(),
  tables: z.record(z.string().min(1), z.int().min(0)).optional(),
});
export type Quota = z.infer<typeof Quota>;

export const TargetTenant = z.strictObject({
  tenant: Name,
  /** Switch ports where the tenant's VLAN arrives (tenant_classify keys). */
  ports: z.array(SwitchPort).min(1),
  /** This tenant's quota on this switch (overrides the Target's `quota`). */
  quota: Quota.optional(),
});
export type TargetTenant = z.infer<typeof TargetTenant>;

/** VTEP-facing ports: VXLAN arriving here is classified by (port, VNI); VXLAN on any other port is dropped. */
export const Underlay = z.strictObject({
  ports: z.array(SwitchPort).min(1),
});
export type Underlay = z.infer<typeof Underlay>;

export const Pipeline = z.strictObject({
  /** push: flowops installs the pipeline; verify: flowops only checks the switch runs it. */
  mode: z.enum(['push', 'verify']),
  arch: z.enum(['v1model', 'tna']),
  /** Spec-root-relative path (docs/specs.md) of the P4Info (text or binary); default the bundled one for `arch`. */
  p4info: z.string().min(1).optional(),
  /** Spec-root-relative path of the device config (bmv2 JSON, Tofino binary). */
  deviceConfig: z.string().min(1).optional(),
});
export type Pipeline = z.infer<typeof Pipeline>;

/** A TLS file: relative to the reconciler's TLS directory and confined to it (p4rt/credentials.ts checks again on the host). */
const TlsPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !/^[A-Za-z]:/.test(p) && !p.split('/').includes('..'), {
    error: 'must be a relative path inside the TLS directory (no leading /, no ..)',
  });

export const Tls = z.strictObject({
  ca: TlsPath.optional(),
  cert: TlsPath.optional(),
  key: TlsPath.optional(),
  serverName: z.string().min(1).optional(),
});
export type Tls = z.infer<typeof Tls>;

/**
 * How the role's config is written in MasterArbitrationUpdate.role.config; the
 * P4Runtime specification leaves the format to each switch.
 */
export const TargetRoleConfig = z
  .strictObject({
    /** flowops: flowops.v1.RoleConfig (the bundled target); stratum: stratum.P4RoleConfig (stratum-bfrt). */
    format: z.enum(['flowops', 'stratum']).default('flowops'),
    /** stratum only: the role may push the pipeline (P4RoleConfig.can_push_pipeline). */
    canPushPipeline: z.boolean().optional(),
    receivesPacketIns: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.canPushPipeline !== undefined && v.format !== 'stratum') {
      ctx.addIssue({ code: 'custom', path: ['canPushPipeline'], message: 'only with format: stratum (flowops.v1.RoleConfig has no such field; on the bundled target only the default role pushes)' });
    }
  });
export type TargetRoleConfig = z.infer<typeof TargetRoleConfig>;

export const TargetSpec = z.strictObject({
  address: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { error: 'must be host:port (IPv6 as [addr]:port)' }),
  deviceId: z.int().min(0),
  electionId: z.int().min(1).optional(),
  tenants: z.array(TargetTenant).min(1),
  /** Default quota of every tenant on this switch. */
  quota: Quota.optional(),
  /** VTEP-facing ports (VXLAN underlay); none means no VXLAN is accepted on this switch. */
  underlay: Underlay.optional(),
  pipeline: Pipeline.optional(),
  /** P4Runtime role name; absent = the default (full-pipeline) role. */
  role: z.string().min(1).optional(),
  /** The format of the role's config (with `role` only); default flowops. */
  roleConfig: TargetRoleConfig.optional(),
  insecure: z.boolean().optional(),
  tls: Tls.optional(),
}).superRefine((v, ctx) => {
  // The default role has the whole pipeline and takes no config (a switch refuses one).
  if (v.roleConfig && !v.role) ctx.addIssue({ code: 'custom', path: ['roleConfig'], message: 'needs a role: the default role takes no role config' });
  // A port is either a tenant's access port or an underlay port: VXLAN on an access port must drop.
  const access = new Map<number, string>();
  for (const t of v.tenants) for (const p of t.ports) access.set(p, t.tenant);
  v.underlay?.ports.forEach((p, i) => {
    const tenant = access.get(p);
    if (tenant !== undefined) ctx.addIssue({ code: 'custom', path: ['underlay', 'ports', i], message: `port ${p} is an access port of tenant ${tenant}; an underlay port carries only VXLAN` });
  });
});
export type TargetSpec = z.infer<typeof TargetSpec>;

export const Target = specDocument('Target', TenantMetadata, TargetSpec);
export type Target = z.infer<typeof Target>;

// ---------------------------------------------------------------- any document

export const KINDS = ['Tenant', 'Service', 'Flow', 'Contract', 'Target'] as const;
export type Kind = (typeof KINDS)[number];

export const schemaOfKind = { Tenant, Service, Flow, Contract, Target } as const;

/** Any spec document (for the JSON Schema an editor applies to a file of mixed kinds). */
export const Document = z.discriminatedUnion('kind', [Tenant, Service, Flow, Contract, Target]);
export type Document = z.infer<typeof Document>;
