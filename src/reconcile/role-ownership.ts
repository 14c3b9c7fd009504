// The role config flowops arbitrates with when a Target names a `role`: the
// tables and action profiles it manages on that switch (every one
// src/compile/tables.ts writes), said in the format the switch understands
// (TargetSpec.roleConfig.format). The switch then refuses flowops any write
// outside them, and flowops' prune can never reach another role's entries.
import type { TargetSpec } from '../specs/schema.ts';
import { encodeRoleConfigAny } from '../proto/role-config.ts';
import { encodeStratumRoleConfigAny } from '../proto/stratum-role-config.ts';
import type { DesiredSet } from '../desired/types.ts';
import type { RoleOwnership } from './switch.ts';

/** What flowops' role owns on `target`, from its compiled desired state; undefined without a role or before compiling. */
export function roleOwnershipOf(d: DesiredSet, target: string, spec: TargetSpec): RoleOwnership | undefined {
  if (!spec.role) return undefined;
  const desired = d.states.get(target);
  const pipe = d.pipelines.get(target);
  if (!desired || !pipe) return undefined;
  const rc = spec.roleConfig;
  return {
    format: rc?.format ?? 'flowops',
    tables: desired.managedTableIds.map((id) => pipe.index.table(id).name),
    actionProfiles: desired.managedProfileIds.map((id) => pipe.index.actionProfile(id).name),
    tableIds: [...desired.managedTableIds],
    profileIds: [...desired.managedProfileIds],
    ...(rc?.receivesPacketIns !== undefined ? { receivesPacketIns: rc.receivesPacketIns } : {}),
    ...(rc?.canPushPipeline !== undefined ? { canPushPipeline: rc.canPushPipeline } : {}),
  };
}

/**
 * The encoded google.protobuf.Any for MasterArbitrationUpdate.role.config.
 * flowops format: tables and profiles by name (readable in the switch's logs).
 * stratum format: their ids, all in exclusive_p4_ids — flowops prunes what Git
 * does not name, so sharing a table with another writer would delete that
 * writer's entries; claiming it exclusively makes Stratum refuse the overlap
 * at arbitration instead. Nothing goes in shared_p4_ids.
 */
export function encodeRoleOwnership(own: RoleOwnership): Buffer {
  if (own.format === 'stratum') {
    return encodeStratumRoleConfigAny({
      exclusiveIds: [...own.tableIds, ...own.profileIds],
      sharedIds: [],
      receivesPacketIns: !!own.receivesPacketIns,
      canPushPipeline: !!own.canPushPipeline,
    });
  }
  return encodeRoleConfigAny({ tables: own.tables, actionProfiles: own.actionProfiles, receivesPacketIns: !!own.receivesPacketIns });
}
