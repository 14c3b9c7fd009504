// The one order in which flowops writes entities to a switch, and the
// canonical order of desired state. Everything that orders entries (compile's
// output by rank, apply's batches, plan rendering) uses these.
import type { ChangeKind, EntityKind } from './types.ts';
import { TABLES } from './tables.ts';

/**
 * Rank of a table or profile in the *make* direction (insert/modify). Lower is
 * written first. An entry may only be written once everything it points at or
 * relies on exists:
 *
 *   0  action profile members   (groups and nf_steer refer to them)
 *   1  action profile groups    (nf_steer refers to them)
 *   2  tenant_classify, tenant_classify_vni, tenant_rate   (nothing downstream matches without a tenant)
 *   3  src/dst_service_v4/v6    (flow_classify keys on service classes)
 *   4  tenant_route_v4/v6
 *   5  flow_policy, nf_steer    (a flow's policy and steering...)
 *   6  flow_classify, flow_classify_range   (...before the entries that classify packets into it)
 *   7  anything else (tables flowops does not know: last, so they never block ours)
 *
 * Rule 5-before-6 is make-before-break: a packet is never classified to a
 * flow id whose policy is missing (which would drop it).
 */
export function writeRank(entity: EntityKind, table: string): number {
  if (entity === 'action_profile_member') return 0;
  if (entity === 'action_profile_group') return 1;
  return TABLE_RANK.get(table) ?? 7;
}

const TABLE_RANK = new Map<string, number>([
  [TABLES.tenantClassify.name, 2],
  [TABLES.tenantClassifyVni.name, 2],
  [TABLES.tenantRate.name, 2],
  [TABLES.srcServiceV4.name, 3],
  [TABLES.dstServiceV4.name, 3],
  [TABLES.srcServiceV6.name, 3],
  [TABLES.dstServiceV6.name, 3],
  [TABLES.tenantRouteV4.name, 4],
  [TABLES.tenantRouteV6.name, 4],
  [TABLES.flowPolicy.name, 5],
  [TABLES.nfSteer.name, 5],
  [TABLES.flowClassify.name, 6],
  [TABLES.flowClassifyRange.name, 6],
]);

export interface Orderable {
  kind: ChangeKind;
  entity: EntityKind;
  table: string;
  key: string;
}

/**
 * Write order for a plan's changes. Precedence, first difference wins:
 *
 *   1. phase: inserts and modifies (make) before deletes (break). Modifies
 *      re-point references (nf_steer to a new group, a group to new members)
 *      before what they pointed at is deleted; a delete+insert of one key is
 *      already a modify, so no key is ever deleted and re-added.
 *   2. rank (see `writeRank`): ascending for make, descending for break, so
 *      deletes run flow_classify → flow_policy/nf_steer → routes → services →
 *      tenants → groups → members: nothing is deleted while still referenced.
 *   3. kind within make: modify before insert (an in-place change frees what an
 *      insert may need, e.g. a group's members).
 *   4. key (canonical bytes as latin1), so the order is deterministic; keys
 *      embed the table/profile id, so this already separates tables;
 *   5. table name and entity kind, to stay total for callers whose keys do not.
 */
export function compareWrites(a: Orderable, b: Orderable): number {
  const pa = a.kind === 'delete' ? 1 : 0;
  const pb = b.kind === 'delete' ? 1 : 0;
  if (pa !== pb) return pa - pb;
  const ra = writeRank(a.entity, a.table);
  const rb = writeRank(b.entity, b.table);
  if (ra !== rb) return pa === 0 ? ra - rb : rb - ra;
  if (a.kind !== b.kind) return a.kind === 'modify' ? -1 : b.kind === 'modify' ? 1 : 0;
  return compareKeys(a.key, b.key) || compareKeys(a.table, b.table) || compareKeys(a.entity, b.entity);
}

/** Make order (rank), then key, for lists of entries. A compiled state keeps rank, then spec order (entries.ts). */
export function compareDesired(
  a: { kind: EntityKind; table: string; key: string },
  b: { kind: EntityKind; table: string; key: string },
): number {
  const ra = writeRank(a.kind, a.table);
  const rb = writeRank(b.kind, b.table);
  if (ra !== rb) return ra - rb;
  return compareKeys(a.key, b.key) || compareKeys(a.table, b.table) || compareKeys(a.kind, b.kind);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
