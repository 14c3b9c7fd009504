// flowops.v1.RoleConfig (proto/flowops/role_config.proto): the role
// description carried in MasterArbitrationUpdate.role.config as a
// google.protobuf.Any. Shared by the client (which sends it) and the bundled
// target (which enforces it); loaded apart from the p4.v1 schema because it is
// ours, not the specification's.
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_DIR, protoType } from './load.ts';

export const ROLE_CONFIG_TYPE_URL = 'type.googleapis.com/flowops.v1.RoleConfig';

export interface RoleConfig {
  /** P4Info names or ids (decimal or 0x-hex) of the tables the role owns. */
  tables: string[];
  /** P4Info names or ids of the action profiles the role owns. */
  actionProfiles: string[];
  receivesPacketIns: boolean;
}

let type: protobuf.Type | undefined;
function roleConfigType(): protobuf.Type {
  if (type) return type;
  const r = new protobuf.Root();
  r.loadSync(path.join(PROTO_DIR, 'flowops/role_config.proto'), { keepCase: true });
  type = r.lookupType('flowops.v1.RoleConfig');
  return type;
}

/** RoleConfig bytes (the Any's value). */
export function encodeRoleConfig(cfg: Partial<RoleConfig>): Buffer {
  const t = roleConfigType();
  const msg = t.fromObject({ tables: cfg.tables ?? [], action_profiles: cfg.actionProfiles ?? [], receives_packet_ins: !!cfg.receivesPacketIns });
  return Buffer.from(t.encode(msg).finish());
}

/** The encoded google.protobuf.Any wrapping a RoleConfig: what P4RuntimeClient's `roleConfig` option takes. */
export function encodeRoleConfigAny(cfg: Partial<RoleConfig>): Buffer {
  const value = encodeRoleConfig(cfg);
  const Any = protoType('google.protobuf.Any');
  return Buffer.from(Any.encode(Any.fromObject({ type_url: ROLE_CONFIG_TYPE_URL, value })).finish());
}

/** Decodes a RoleConfig from an Any's value bytes; throws protobufjs' error on malformed bytes. */
export function decodeRoleConfig(value: Uint8Array): RoleConfig {
  const m: any = roleConfigType().decode(value);
  return {
    tables: (m.tables ?? []).map(String),
    actionProfiles: (m.action_profiles ?? []).map(String),
    receivesPacketIns: !!m.receives_packet_ins,
  };
}
