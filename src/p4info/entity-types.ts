// The value shapes of P4Runtime entities flowops writes (table entries,
// action profile members and groups), with byte strings as Buffers, and the
// p4runtime.proto field numbers the hand-written codec uses.

export type MatchValue =
  | { kind: 'exact'; value: Buffer }
  | { kind: 'lpm'; value: Buffer; prefixLen: number }
  | { kind: 'ternary'; value: Buffer; mask: Buffer }
  | { kind: 'range'; low: Buffer; high: Buffer }
  | { kind: 'optional'; value: Buffer };

export interface FieldMatchValue {
  fieldId: number;
  m: MatchValue;
}

export interface ParamValue {
  paramId: number;
  value: Buffer;
}

export type TableActionValue =
  | { kind: 'action'; actionId: number; params: ParamValue[] }
  | { kind: 'member'; memberId: number }
  | { kind: 'group'; groupId: number };

export interface MeterConfigValue {
  cir: bigint | number;
  cburst: bigint | number;
  pir: bigint | number;
  pburst: bigint | number;
}

export interface CounterDataValue {
  byteCount: bigint | number;
  packetCount: bigint | number;
}

export interface TableEntryValue {
  tableId: number;
  match: FieldMatchValue[];
  priority: number;
  action?: TableActionValue;
  meterConfig?: MeterConfigValue;
  isDefaultAction?: boolean;
  counterData?: CounterDataValue;
  /** idle_timeout_ns (9); only the target writes it. */
  idleTimeoutNs?: bigint | number;
  /** metadata (11), omitted when empty; only the target writes it. */
  metadata?: Uint8Array;
}

export interface MemberValue {
  profileId: number;
  memberId: number;
  actionId: number;
  params: ParamValue[];
}

export interface GroupMemberValue {
  memberId: number;
  weight: number;
  /** watch (3) or watch_port (4), the oneof a member may carry; only the target writes them. */
  watch?: number;
  watchPort?: Uint8Array;
}

export interface GroupValue {
  profileId: number;
  groupId: number;
  members: GroupMemberValue[];
  maxSize?: number;
}

/** An entity read at wire level (views into the input bytes, no copies). */
export type ParsedEntity =
  | { kind: 'table_entry'; entry: TableEntryValue }
  | { kind: 'action_profile_member'; member: MemberValue }
  | { kind: 'action_profile_group'; group: GroupValue }
  | { kind: 'other'; fieldNo: number };


// Field numbers (p4runtime.proto).
export const E_TABLE_ENTRY = 2;
export const E_MEMBER = 3;
export const E_GROUP = 4;
export const E_DIRECT_METER = 6;
export const E_DIRECT_COUNTER = 8;
export const FM_EXACT = 2;
export const FM_TERNARY = 3;
export const FM_LPM = 4;
export const FM_RANGE = 6;
export const FM_OPTIONAL = 7;
export const KIND_FIELD: Record<MatchValue['kind'], number> = { exact: FM_EXACT, ternary: FM_TERNARY, lpm: FM_LPM, range: FM_RANGE, optional: FM_OPTIONAL };

