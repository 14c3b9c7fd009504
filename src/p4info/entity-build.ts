// Entities from names, validated against the P4Info: values checked against
// bit widths and match kinds, priority exactly when the table needs one, the
// action allowed in the table and its scope. Errors name table and field.
import { EncodeError, P4InfoError } from '../shared/errors.ts';
import {
  byteWidth,
  canonical,
  compareUint,
  formatValue,
  hintFor,
  ipv4Bytes,
  ipv6Bytes,
  isMaskedLpm,
  isMaskedTernary,
  macBytes,
  prefixMask,
  uintBytes,
} from './bytes.ts';
import type { ActionInfo, P4InfoIndex, TableInfo } from './index.ts';
import { sortedParams } from './entity-encode.ts';
import type { FieldMatchValue, GroupValue, MatchValue, MemberValue, MeterConfigValue, ParamValue, TableEntryValue } from './entity-types.ts';

/** A value as people write it: integer, `'10.0.0.1'`, `'2001:db8::1'`, `'02:00:00:00:00:01'`, `'0x1f'`, or raw bytes. */
export type Scalar = bigint | number | string | Uint8Array;

export type MatchInput =
  | Scalar
  | { exact: Scalar }
  | { lpm: [Scalar, number] }
  | { ternary: [Scalar, Scalar] }
  | { range: [Scalar, Scalar] }
  | { optional: Scalar };

export interface ActionSpec {
  name: string | number;
  params?: Record<string, Scalar>;
}

export interface TableEntrySpec {
  table: string | number;
  /** By match field name (or id as a string). Omit a ternary/lpm/range/optional field for "don't care". */
  match?: Record<string, MatchInput | undefined>;
  priority?: number;
  action?: ActionSpec | { memberId: number } | { groupId: number };
  meterConfig?: MeterConfigValue;
  isDefaultAction?: boolean;
}

export interface MemberSpec {
  profile: string | number;
  memberId: number;
  action: ActionSpec;
}

export interface GroupSpec {
  profile: string | number;
  groupId: number;
  members: { memberId: number; weight?: number }[];
  maxSize?: number;
}

/** Bytes of a scalar for a bit<bitwidth> field, canonical and range-checked. */
export function scalarBytes(v: Scalar, bitwidth: number, what: string): Buffer {
  if (typeof v === 'number' || typeof v === 'bigint') return uintBytes(v, bitwidth, what);
  if (v instanceof Uint8Array) return canonical(v, bitwidth, what);
  if (typeof v !== 'string') throw new EncodeError('BAD_VALUE', `${what}: unsupported value ${String(v)}`, { what });
  const s = v.trim();
  if (/^(0|[1-9][0-9]*)$/.test(s)) return uintBytes(BigInt(s), bitwidth, what);
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return uintBytes(BigInt(s), bitwidth, what);
  try {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return canonical(ipv4Bytes(s), bitwidth, what);
    if (bitwidth === 48 && /^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$/.test(s)) return canonical(macBytes(s), bitwidth, what);
    if (s.includes(':')) return canonical(ipv6Bytes(s), bitwidth, what);
  } catch (e) {
    if (e instanceof EncodeError && e.code === 'BAD_ADDRESS') throw new EncodeError('BAD_VALUE', `${what}: ${e.message}`, { what, value: v });
    throw e;
  }
  throw new EncodeError('BAD_VALUE', `${what}: cannot read ${JSON.stringify(v)} as a bit<${bitwidth}> value`, { what, value: v });
}

const sortedFieldsCache = new WeakMap<TableInfo, TableInfo['fields']>();
function fieldsById(t: TableInfo): TableInfo['fields'] {
  let f = sortedFieldsCache.get(t);
  if (!f) sortedFieldsCache.set(t, (f = [...t.fields].sort((a, b) => a.id - b.id)));
  return f;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array);
}

function wrongKind(t: TableInfo, f: TableInfo['fields'][number], given: string): EncodeError {
  return new EncodeError('MATCH_KIND', `${f.name}: field is ${f.matchType} but a ${given} value was given`, { table: t.name, field: f.name, matchType: f.matchType, given });
}

// No closures are created per call in the build/encode paths: under tsx
// (keepNames) each one costs a defineProperty, which showed up as a third of
// the time in bench/p4info-codec.ts.

/** One match field → MatchValue, or undefined for "don't care" (which P4Runtime requires be omitted). */
function buildMatch(t: TableInfo, f: TableInfo['fields'][number], input: MatchInput): MatchValue | undefined {
  // Only the field name here: building `table match field` strings for every
  // field of a million entries costs more than the encoding; buildTableEntry
  // adds the table name when something is thrown.
  const what = f.name;
  const kindOf = isObj(input) ? Object.keys(input)[0] : undefined;
  if (isObj(input) && Object.keys(input).length !== 1) throw new EncodeError('BAD_VALUE', `${what}: give exactly one of exact/lpm/ternary/range/optional`, { table: t.name, field: f.name });
  switch (f.matchType) {
    case 'exact': {
      if (kindOf && kindOf !== 'exact') throw wrongKind(t, f, kindOf);
      const v = kindOf ? (input as { exact: Scalar }).exact : (input as Scalar);
      return { kind: 'exact', value: scalarBytes(v, f.bitwidth, what) };
    }
    case 'optional': {
      if (kindOf && kindOf !== 'optional') throw wrongKind(t, f, kindOf);
      const v = kindOf ? (input as { optional: Scalar }).optional : (input as Scalar);
      return { kind: 'optional', value: scalarBytes(v, f.bitwidth, what) };
    }
    case 'lpm': {
      let value: Scalar;
      let plen: number;
      if (kindOf) {
        if (kindOf !== 'lpm') throw wrongKind(t, f, kindOf);
        [value, plen] = (input as { lpm: [Scalar, number] }).lpm;
      } else if (typeof input === 'string' && input.includes('/')) {
        const cut = input.lastIndexOf('/');
        value = input.slice(0, cut);
        plen = Number(input.slice(cut + 1));
      } else {
        value = input as Scalar;
        plen = f.bitwidth;
      }
      if (!Number.isInteger(plen) || plen < 0 || plen > f.bitwidth) {
        throw new EncodeError('OUT_OF_RANGE', `${what}: prefix length ${plen} outside 0..${f.bitwidth}`, { table: t.name, field: f.name, prefixLen: plen });
      }
      const vb = scalarBytes(value, f.bitwidth, what);
      if (!isMaskedLpm(vb, plen, f.bitwidth)) {
        throw new EncodeError('LPM_HOST_BITS', `${what}: ${formatValue(vb, f.bitwidth, hintFor(f.name, f.bitwidth))}/${plen} has bits set past the prefix`, { table: t.name, field: f.name, prefixLen: plen });
      }
      if (plen === 0) return undefined;
      return { kind: 'lpm', value: vb, prefixLen: plen };
    }
    case 'ternary': {
      if (kindOf !== 'ternary') throw kindOf ? wrongKind(t, f, kindOf) : new EncodeError('MATCH_KIND', `${what}: ternary field needs {ternary: [value, mask]}`, { table: t.name, field: f.name });
      const [value, mask] = (input as { ternary: [Scalar, Scalar] }).ternary;
      const vb = scalarBytes(value, f.bitwidth, what);
      const mb = scalarBytes(mask, f.bitwidth, what + ' mask');
      if (!isMaskedTernary(vb, mb)) {
        throw new EncodeError('TERNARY_VALUE_NOT_MASKED', `${what}: value has bits outside the mask (value & mask must equal value)`, { table: t.name, field: f.name });
      }
      if (mb.length === 1 && mb[0] === 0) return undefined;
      return { kind: 'ternary', value: vb, mask: mb };
    }
    case 'range': {
      if (kindOf !== 'range') throw kindOf ? wrongKind(t, f, kindOf) : new EncodeError('MATCH_KIND', `${what}: range field needs {range: [low, high]}`, { table: t.name, field: f.name });
      const [low, high] = (input as { range: [Scalar, Scalar] }).range;
      const lb = scalarBytes(low, f.bitwidth, what + ' low');
      const hb = scalarBytes(high, f.bitwidth, what + ' high');
      if (compareUint(lb, hb) > 0) throw new EncodeError('OUT_OF_RANGE', `${what}: low is greater than high`, { table: t.name, field: f.name });
      if (lb.length === 1 && lb[0] === 0 && hb.equals(prefixMask(f.bitwidth, f.bitwidth))) return undefined;
      return { kind: 'range', low: lb, high: hb };
    }
    default:
      throw new EncodeError('UNSUPPORTED_MATCH', `${what}: match kind "${f.matchType}" is not supported`, { table: t.name, field: f.name });
  }
}

function buildParams(index: P4InfoIndex, a: ActionInfo, given: Record<string, Scalar> | undefined, where: string): ParamValue[] {
  const params: ParamValue[] = [];
  const g = given ?? {};
  let used = 0;
  for (const p of a.params) {
    const v = g[p.name] ?? g[String(p.id)];
    if (v === undefined) {
      throw new EncodeError('MISSING_PARAM', `${where}: action ${a.name} needs parameter ${p.name} (bit<${p.bitwidth}>)`, { action: a.name, param: p.name });
    }
    used++;
    let value: Buffer;
    try {
      value = scalarBytes(v, p.bitwidth, p.name);
    } catch (e) {
      throw withContext(e, `${where}: ${a.name}`, { action: a.name, param: p.name });
    }
    params.push({ paramId: p.id, value });
  }
  let count = 0;
  for (const _ in g) count++;
  if (used !== count) {
    for (const k of Object.keys(g)) index.actionParam(a, /^\d+$/.test(k) ? Number(k) : k);
  }
  return sortedParams(params);
}

/**
 * A validated TableEntryValue from names: table, match fields by name with
 * values checked against their bit width and match kind, priority required
 * exactly when the table has a ternary/range/optional field, action allowed
 * in the table (and in its scope), all params given.
 */
export function buildTableEntry(index: P4InfoIndex, spec: TableEntrySpec): TableEntryValue {
  const t = index.table(spec.table);
  const match: FieldMatchValue[] = [];
  const given = spec.match ?? {};
  let used = 0;
  if (spec.isDefaultAction) {
    if (Object.keys(given).length) throw new EncodeError('DEFAULT_WITH_MATCH', `${t.name}: the default entry has no match fields`, { table: t.name });
  } else {
    for (const f of fieldsById(t)) {
      let input = given[f.name];
      if (input === undefined) input = given[String(f.id)];
      else used++;
      if (input === undefined) {
        if (f.matchType === 'exact') throw new EncodeError('MISSING_MATCH', `${t.name}: exact match field ${f.name} is required`, { table: t.name, field: f.name });
        continue;
      }
      if (given[f.name] === undefined) used++;
      let m: MatchValue | undefined;
      try {
        m = buildMatch(t, f, input);
      } catch (e) {
        throw withContext(e, `${t.name} match`, { table: t.name, field: f.name });
      }
      if (m) match.push({ fieldId: f.id, m });
    }
    let count = 0;
    for (const k in given) if (given[k] !== undefined) count++;
    if (used !== count) {
      for (const k of Object.keys(given)) if (given[k] !== undefined) index.tableField(t, /^\d+$/.test(k) ? Number(k) : k);
    }
  }

  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 0x7fffffff) {
    throw new EncodeError('OUT_OF_RANGE', `${t.name}: priority ${priority} outside 1..2^31-1`, { table: t.name, priority });
  }
  if (!spec.isDefaultAction) {
    if (t.needsPriority && priority === 0) {
      throw new EncodeError('PRIORITY_REQUIRED', `${t.name}: table has ternary/range/optional fields, so entries need a priority ≥ 1`, { table: t.name });
    }
    if (!t.needsPriority && priority !== 0) {
      throw new EncodeError('PRIORITY_NOT_ALLOWED', `${t.name}: table has only exact/lpm fields, so entries take no priority`, { table: t.name, priority });
    }
  } else if (priority !== 0) {
    throw new EncodeError('PRIORITY_NOT_ALLOWED', `${t.name}: the default entry takes no priority`, { table: t.name, priority });
  }

  const v: TableEntryValue = { tableId: t.id, match, priority };
  const act = spec.action;
  if (!act) {
    if (!spec.isDefaultAction) throw new EncodeError('MISSING_ACTION', `${t.name}: an entry needs an action`, { table: t.name });
  } else if ('name' in act) {
    const a = index.action(act.name);
    if (!t.actionIds.has(a.id)) {
      throw new P4InfoError('ACTION_NOT_IN_TABLE', `${t.name}: action ${a.name} is not one of the table's actions`, { table: t.name, action: a.name });
    }
    if (t.implementationId) {
      throw new EncodeError('ACTION_NEEDS_PROFILE', `${t.name}: table is implemented by an action profile; give a memberId or groupId`, { table: t.name, action: a.name });
    }
    if (!spec.isDefaultAction && t.defaultOnlyActionIds.has(a.id)) {
      throw new EncodeError('ACTION_DEFAULT_ONLY', `${t.name}: action ${a.name} may only be the default action`, { table: t.name, action: a.name });
    }
    if (spec.isDefaultAction && t.tableOnlyActionIds.has(a.id)) {
      throw new EncodeError('ACTION_TABLE_ONLY', `${t.name}: action ${a.name} may not be the default action`, { table: t.name, action: a.name });
    }
    v.action = { kind: 'action', actionId: a.id, params: buildParams(index, a, act.params, t.name) };
  } else {
    if (!t.implementationId) {
      throw new EncodeError('NO_ACTION_PROFILE', `${t.name}: table has no action profile, so member/group actions are not allowed`, { table: t.name });
    }
    if ('memberId' in act) v.action = { kind: 'member', memberId: checkId(act.memberId, `${t.name} memberId`) };
    else {
      if (!t.withSelector) throw new EncodeError('NO_SELECTOR', `${t.name}: action profile has no selector, so groups are not allowed`, { table: t.name });
      v.action = { kind: 'group', groupId: checkId(act.groupId, `${t.name} groupId`) };
    }
  }
  if (spec.meterConfig) {
    if (!t.directMeterId) throw new EncodeError('NO_DIRECT_METER', `${t.name}: table has no direct meter`, { table: t.name });
    v.meterConfig = spec.meterConfig;
  }
  if (spec.isDefaultAction) v.isDefaultAction = true;
  return v;
}

/** Re-throws an EncodeError with the table/action it happened in (data merged, message prefixed). */
function withContext(e: unknown, prefix: string, data: Record<string, unknown>): unknown {
  if (!(e instanceof EncodeError) || e.data.table) return e;
  return new EncodeError(e.code, `${prefix} ${e.message}`, { ...e.data, ...data });
}

function checkId(id: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new EncodeError('OUT_OF_RANGE', `${what}: ${id} is not a uint32`, { what, id });
  return id;
}

/** A validated action profile member: the action must be usable in a table the profile implements. */
export function buildMember(index: P4InfoIndex, spec: MemberSpec): MemberValue {
  const prof = index.actionProfile(spec.profile);
  const a = index.action(spec.action.name);
  const ok = prof.tableIds.some((tid) => {
    const t = index.hasTable(tid) ? index.table(tid) : undefined;
    return t && t.actionIds.has(a.id) && !t.defaultOnlyActionIds.has(a.id);
  });
  if (!ok) {
    throw new P4InfoError('ACTION_NOT_IN_PROFILE', `${prof.name}: action ${a.name} is not an action of the tables this profile implements`, {
      actionProfile: prof.name,
      action: a.name,
    });
  }
  return {
    profileId: prof.id,
    memberId: checkId(spec.memberId, `${prof.name} memberId`),
    actionId: a.id,
    params: buildParams(index, a, spec.action.params, prof.name),
  };
}

/** A validated group: profile with selector, weights ≥ 1, size within max_group_size. */
export function buildGroup(index: P4InfoIndex, spec: GroupSpec): GroupValue {
  const prof = index.actionProfile(spec.profile);
  if (!prof.withSelector) throw new EncodeError('NO_SELECTOR', `${prof.name}: profile has no selector, so groups are not allowed`, { actionProfile: prof.name });
  const seen = new Set<number>();
  const members = spec.members.map((m) => {
    const memberId = checkId(m.memberId, `${prof.name} group ${spec.groupId} member`);
    if (seen.has(memberId)) throw new EncodeError('DUPLICATE_MEMBER', `${prof.name} group ${spec.groupId}: member ${memberId} listed twice`, { actionProfile: prof.name, memberId });
    seen.add(memberId);
    const weight = m.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 0x7fffffff) {
      throw new EncodeError('OUT_OF_RANGE', `${prof.name} group ${spec.groupId}: member ${memberId} weight ${weight} must be ≥ 1`, { actionProfile: prof.name, memberId, weight });
    }
    return { memberId, weight };
  });
  members.sort((a, b) => a.memberId - b.memberId);
  const total = members.reduce((s, m) => s + m.weight, 0);
  const limit = spec.maxSize || prof.maxGroupSize;
  if (spec.maxSize !== undefined && prof.maxGroupSize && spec.maxSize > prof.maxGroupSize) {
    throw new EncodeError('OUT_OF_RANGE', `${prof.name} group ${spec.groupId}: max_size ${spec.maxSize} exceeds the profile's max_group_size ${prof.maxGroupSize}`, {
      actionProfile: prof.name,
    });
  }
  if (limit && total > limit) {
    throw new EncodeError('GROUP_TOO_LARGE', `${prof.name} group ${spec.groupId}: total weight ${total} exceeds ${limit}`, { actionProfile: prof.name, total, limit });
  }
  const g: GroupValue = { profileId: prof.id, groupId: checkId(spec.groupId, `${prof.name} groupId`), members };
  if (spec.maxSize) g.maxSize = spec.maxSize;
  return g;
}

/** Full-width bytes of a canonical value (for display or hashing). */
export function padTo(value: Uint8Array, bitwidth: number): Buffer {
  const out = Buffer.alloc(Math.max(byteWidth(bitwidth), value.length));
  out.set(value, out.length - value.length);
  return out;
}
