// The compiler's single door to the P4Info encoders: names from tables.ts in,
// validated canonical entity bytes and their identity key out. Keeping it in
// one place means compile.ts never sees ids, widths or wire formats.
import type { P4InfoIndex } from '../p4info/index.ts';
import {
  buildGroup,
  buildMember,
  buildTableEntry,
  encodeGroup,
  encodeMember,
  encodeTableEntry,
  entityKey,
  type MatchInput,
  type Scalar,
} from '../p4info/entity.ts';
import type { ActionSpec, ProfileSpec, TableSpec } from './tables.ts';
import type { EntityKind } from './types.ts';

export interface MeterConfig {
  /** bytes/s */
  cir: number;
  /** bytes */
  cburst: number;
  pir: number;
  pburst: number;
}

export interface ActionCall {
  action: ActionSpec;
  params: Record<string, Scalar>;
}

export interface Emitted {
  kind: EntityKind;
  table: string;
  key: string;
  bytes: Buffer;
}

export interface Emitter {
  /** `priority` only for tables with ternary/range fields (flow_classify_range). */
  table(t: TableSpec, match: Record<string, MatchInput>, action: ActionCall | { groupId: number } | { memberId: number }, meter?: MeterConfig, priority?: number): Emitted;
  member(p: ProfileSpec, memberId: number, call: ActionCall): Emitted;
  group(p: ProfileSpec, groupId: number, members: { id: number; weight: number }[]): Emitted;
}

/** An LPM match value from big-endian address bytes and a prefix length. */
export function lpmMatch(value: Buffer, prefixLen: number): MatchInput {
  return { lpm: [value, prefixLen] };
}

export function createEmitter(index: P4InfoIndex): Emitter {
  return {
    table(t, match, action, meter, priority) {
      const spec =
        'action' in action
          ? { name: action.action.name, params: action.params }
          : action;
      const v = buildTableEntry(index, { table: t.name, match, action: spec, meterConfig: meter, priority });
      const bytes = encodeTableEntry(v);
      return { kind: 'table_entry', table: t.name, key: entityKey(bytes), bytes };
    },
    member(p, memberId, call) {
      const bytes = encodeMember(buildMember(index, { profile: p.name, memberId, action: { name: call.action.name, params: call.params } }));
      return { kind: 'action_profile_member', table: p.name, key: entityKey(bytes), bytes };
    },
    group(p, groupId, members) {
      const bytes = encodeGroup(buildGroup(index, { profile: p.name, groupId, members: members.map((m) => ({ memberId: m.id, weight: m.weight })) }));
      return { kind: 'action_profile_group', table: p.name, key: entityKey(bytes), bytes };
    },
  };
}
