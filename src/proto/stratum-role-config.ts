// Stratum's role config, stratum.P4RoleConfig (proto/stratum/p4_role_config.proto):
// the format stratum-bfrt accepts in MasterArbitrationUpdate.role.config, where
// flowops.v1.RoleConfig (role-config.ts) would be refused as an unknown type.
// Unlike ours it names entities by P4Info id only, and splits them into ids the
// role owns alone (exclusive) and ids it shares with other roles.
//
// flowops puts every table and action profile it manages in exclusive_p4_ids:
// it prunes whatever Git does not name, so an entry another controller wrote
// in one of those tables would be deleted on the next sync. Claiming them
// exclusively makes Stratum refuse, at arbitration, any other role that claims
// the same ids, instead of the two controllers silently fighting.
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_DIR, protoType } from './load.ts';

/** The type URL stratum-bfrt unpacks (Any.UnpackTo matches the part after the last '/'). */
export const STRATUM_ROLE_CONFIG_TYPE_URL = 'type.googleapis.com/stratum.P4RoleConfig';
export const STRATUM_ROLE_CONFIG_TYPE = 'stratum.P4RoleConfig';

export interface StratumRoleConfig {
  /** P4Info ids only this role may write. */
  exclusiveIds: number[];
  /** P4Info ids this role may write, shared with other roles. */
  sharedIds: number[];
  /** PacketIns reach the role only when they carry this metadata value; absent = no filter. */
  packetInFilter?: { metadataId: number; value: Buffer };
  receivesPacketIns: boolean;
  canPushPipeline: boolean;
}

let type: protobuf.Type | undefined;
function stratumRoleConfigType(): protobuf.Type {
  if (type) return type;
  const r = new protobuf.Root();
  r.loadSync(path.join(PROTO_DIR, 'stratum/p4_role_config.proto'), { keepCase: true });
  type = r.lookupType(STRATUM_ROLE_CONFIG_TYPE);
  return type;
}

/** P4RoleConfig bytes (the Any's value). */
export function encodeStratumRoleConfig(cfg: Partial<StratumRoleConfig>): Buffer {
  const t = stratumRoleConfigType();
  const msg = t.fromObject({
    exclusive_p4_ids: cfg.exclusiveIds ?? [],
    shared_p4_ids: cfg.sharedIds ?? [],
    ...(cfg.packetInFilter ? { packet_in_filter: { metadata_id: cfg.packetInFilter.metadataId, value: cfg.packetInFilter.value } } : {}),
    receives_packet_ins: !!cfg.receivesPacketIns,
    can_push_pipeline: !!cfg.canPushPipeline,
  });
  return Buffer.from(t.encode(msg).finish());
}

/** The encoded google.protobuf.Any wrapping a P4RoleConfig: what P4RuntimeClient's `roleConfig` option takes. */
export function encodeStratumRoleConfigAny(cfg: Partial<StratumRoleConfig>): Buffer {
  const Any = protoType('google.protobuf.Any');
  return Buffer.from(Any.encode(Any.fromObject({ type_url: STRATUM_ROLE_CONFIG_TYPE_URL, value: encodeStratumRoleConfig(cfg) })).finish());
}

/** Decodes a P4RoleConfig from an Any's value bytes; throws protobufjs' error on malformed bytes. */
export function decodeStratumRoleConfig(value: Uint8Array): StratumRoleConfig {
  const m: any = stratumRoleConfigType().decode(value);
  const f = m.packet_in_filter;
  return {
    exclusiveIds: (m.exclusive_p4_ids ?? []).map(Number),
    sharedIds: (m.shared_p4_ids ?? []).map(Number),
    ...(f ? { packetInFilter: { metadataId: Number(f.metadata_id ?? 0), value: Buffer.from(f.value ?? []) } } : {}),
    receivesPacketIns: !!m.receives_packet_ins,
    canPushPipeline: !!m.can_push_pipeline,
  };
}

/** Whether an Any's type URL names stratum.P4RoleConfig (any host prefix, as protobuf's Any matching does). */
export function isStratumRoleConfigUrl(typeUrl: string | undefined): boolean {
  return !!typeUrl && typeUrl.slice(typeUrl.lastIndexOf('/') + 1) === STRATUM_ROLE_CONFIG_TYPE;
}
