// Entities for diff tests, written by name (as a person reads them) and
// encoded canonically, or the way a different switch might send them:
// values padded to full width, match fields in reverse order, counters attached.
import { protoType } from '../../src/proto/load.ts';
import type { P4InfoIndex } from '../../src/p4info/index.ts';
import {
  buildGroup,
  buildMember,
  buildTableEntry,
  encodeGroup,
  encodeMember,
  encodeTableEntry,
  parseEntity,
  padTo,
  type GroupSpec,
  type MemberSpec,
  type TableEntrySpec,
} from '../../src/p4info/entity.ts';

/** One entity in a golden file: a table entry, a member or a group by name, or raw hex. */
export type EntitySpec =
  | ({ kind?: 'table' } & TableEntrySpec)
  | ({ kind: 'member' } & MemberSpec)
  | ({ kind: 'group' } & GroupSpec)
  | { kind: 'raw'; hex: string };

export function encodeSpec(index: P4InfoIndex, s: EntitySpec): Buffer {
  switch (s.kind) {
    case 'member':
      return encodeMember(buildMember(index, s));
    case 'group':
      return encodeGroup(buildGroup(index, s));
    case 'raw':
      return Buffer.from(s.hex, 'hex');
    default:
      return encodeTableEntry(buildTableEntry(index, s));
  }
}

/**
 * The same entity as a switch with other encoding habits would return it:
 * every byte string at full field width, match fields and group members in
 * reverse order, table entries with counter data (read-only status).
 */
export function reencodePadded(index: P4InfoIndex, canonical: Buffer): Buffer {
  const p = parseEntity(canonical);
  const Entity = protoType('p4.v1.Entity');
  const params = (actionId: number, ps: { paramId: number; value: Buffer }[]) => {
    const a = index.action(actionId);
    return [...ps].reverse().map((pv) => ({ param_id: pv.paramId, value: padTo(pv.value, index.actionParam(a, pv.paramId).bitwidth) }));
  };
  if (p.kind === 'table_entry') {
    const v = p.entry;
    const t = index.table(v.tableId);
    const match = [...v.match].reverse().map((fm) => {
      const bw = index.tableField(t, fm.fieldId).bitwidth;
      const m = fm.m;
      if (m.kind === 'exact') return { field_id: fm.fieldId, exact: { value: padTo(m.value, bw) } };
      if (m.kind === 'lpm') return { field_id: fm.fieldId, lpm: { value: padTo(m.value, bw), prefix_len: m.prefixLen } };
      if (m.kind === 'ternary') return { field_id: fm.fieldId, ternary: { value: padTo(m.value, bw), mask: padTo(m.mask, bw) } };
      throw new Error(`fixture: ${m.kind} not used here`);
    });
    const a = v.action!;
    const action =
      a.kind === 'action'
        ? { action: { action_id: a.actionId, params: params(a.actionId, a.params) } }
        : a.kind === 'group'
          ? { action_profile_group_id: a.groupId }
          : { action_profile_member_id: a.memberId };
    const te: Record<string, unknown> = { table_id: v.tableId, match, action, counter_data: { byte_count: 1500, packet_count: 1 } };
    if (v.priority) te.priority = v.priority;
    if (v.meterConfig) te.meter_config = v.meterConfig;
    if (v.priority) te.priority = v.priority;
    return Buffer.from(Entity.encode(Entity.fromObject({ table_entry: te })).finish());
  }
  if (p.kind === 'action_profile_member') {
    const m = p.member;
    return Buffer.from(
      Entity.encode(
        Entity.fromObject({ action_profile_member: { action_profile_id: m.profileId, member_id: m.memberId, action: { action_id: m.actionId, params: params(m.actionId, m.params) } } }),
      ).finish(),
    );
  }
  if (p.kind === 'action_profile_group') {
    const g = p.group;
    return Buffer.from(
      Entity.encode(
        Entity.fromObject({
          action_profile_group: { action_profile_id: g.profileId, group_id: g.groupId, members: [...g.members].reverse().map((m) => ({ member_id: m.memberId, weight: m.weight })) },
        }),
      ).finish(),
    );
  }
  throw new Error('fixture: unsupported entity');
}
