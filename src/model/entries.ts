// A switch's entries decoded into the values a person (or a model of the P4
// program) reasons about: field name → number/prefix/mask, action name →
// params. Used by verify/ (checks over compiled entries) and the trace model;
// volume paths never call it (decode only what a person sees, STYLE.md 4):
// verify and trace decode one switch's entries once, on request.
import type { P4InfoIndex } from '../p4info/index.ts';
import { bytesToBigInt, formatValue, hintFor } from '../p4info/bytes.ts';
import { parseEntity } from '../p4info/entity.ts';
import type { Origin } from '../compile/types.ts';

export type FieldMatch =
  | { kind: 'exact' | 'optional'; value: bigint; bits: number }
  | { kind: 'lpm'; value: bigint; prefixLen: number; bits: number }
  | { kind: 'ternary'; value: bigint; mask: bigint; bits: number }
  | { kind: 'range'; low: bigint; high: bigint; bits: number };

export interface Row {
  kind: 'table_entry' | 'action_profile_member' | 'action_profile_group';
  /** Table or action profile name. */
  table: string;
  /** Table entries: match fields by name (absent = wildcard). */
  match: Map<string, FieldMatch>;
  priority: number;
  /** Direct action (table entry) or member action. */
  action?: { name: string; params: Map<string, bigint> };
  /** Indirect table entry. */
  groupId?: number;
  memberId?: number;
  /** Group: its members. */
  members?: { id: number; weight: number }[];
  /** TableEntry.metadata as written (flowops' provenance record), if any. */
  metadata?: Buffer;
  origin?: Origin;
  /** Index in the input list. */
  at: number;
}

export interface EntryInput {
  bytes: Uint8Array;
  origin?: Origin;
}

/** Every table entry, member and group of `entries` decoded against `index` (other entities are skipped). */
export function decodeRows(entries: readonly EntryInput[], index: P4InfoIndex): Row[] {
  const out: Row[] = [];
  entries.forEach((e, at) => {
    const row = decodeRow(e.bytes, index, at, e.origin);
    if (row) out.push(row);
  });
  return out;
}

/**
 * Decoded parts shared by many rows (rows are read-only): one FieldMatch per
 * (field, exact value) and one action per (action, params) of up to 48 bits,
 * so a million rows of a few thousand distinct values hold a few thousand
 * objects and bigints, not ten million (verify/columns.ts uses one per pass).
 */
export class RowParts {
  private readonly exact = new Map<object, Map<number, FieldMatch>>();
  private readonly actions = new Map<string, { name: string; params: Map<string, bigint> }>();
  private readonly single = new Map<number, Map<number, Map<number, { name: string; params: Map<string, bigint> }>>>();
  size = 0;

  field(f: { bitwidth: number }, kind: 'exact' | 'optional', value: Uint8Array): FieldMatch {
    if (value.length > 6 || kind !== 'exact') return { kind, value: bytesToBigInt(value), bits: f.bitwidth };
    let n = 0;
    for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
    let byValue = this.exact.get(f);
    if (!byValue) this.exact.set(f, (byValue = new Map()));
    let m = byValue.get(n);
    if (!m) {
      byValue.set(n, (m = { kind, value: BigInt(n), bits: f.bitwidth }));
      this.size++;
    }
    return m;
  }

  /** `field` for an exact value already read as a number (of at most 6 bytes). */
  exactNumber(f: { bitwidth: number }, n: number): FieldMatch {
    let byValue = this.exact.get(f);
    if (!byValue) this.exact.set(f, (byValue = new Map()));
    let m = byValue.get(n);
    if (!m) {
      byValue.set(n, (m = { kind: 'exact', value: BigInt(n), bits: f.bitwidth }));
      this.size++;
    }
    return m;
  }

  /** `action` for params already read as numbers (of at most 6 bytes each). */
  actionNumbers(index: P4InfoIndex, actionId: number, ids: readonly number[], values: readonly number[]): { name: string; params: Map<string, bigint> } {
    if (ids.length === 1) {
      // One parameter (set_flow, set_tenant, …): by numbers, no key string per row.
      let byParam = this.single.get(actionId);
      if (!byParam) this.single.set(actionId, (byParam = new Map()));
      let byValue = byParam.get(ids[0]!);
      if (!byValue) byParam.set(ids[0]!, (byValue = new Map()));
      let a = byValue.get(values[0]!);
      if (!a) byValue.set(values[0]!, (a = this.actionByKey(index, actionId, ids, values)));
      return a;
    }
    return this.actionByKey(index, actionId, ids, values);
  }

  private actionByKey(index: P4InfoIndex, actionId: number, ids: readonly number[], values: readonly number[]): { name: string; params: Map<string, bigint> } {
    let key = String(actionId);
    for (let i = 0; i < ids.length; i++) key += `:${ids[i]}=${values[i]}`;
    let a = this.actions.get(key);
    if (!a) {
      const info = index.action(actionId);
      a = { name: info.name, params: new Map(ids.map((id, i) => [index.actionParam(info, id).name, BigInt(values[i]!)])) };
      this.actions.set(key, a);
      this.size++;
    }
    return a;
  }

  action(index: P4InfoIndex, actionId: number, params: { paramId: number; value: Uint8Array }[]): { name: string; params: Map<string, bigint> } {
    let key = String(actionId);
    for (const p of params) {
      if (p.value.length > 6) return actionOf(index, actionId, params);
      let n = 0;
      for (let i = 0; i < p.value.length; i++) n = n * 256 + p.value[i];
      key += `:${p.paramId}=${n}`;
    }
    let a = this.actions.get(key);
    if (!a) {
      this.actions.set(key, (a = actionOf(index, actionId, params)));
      this.size++;
    }
    return a;
  }
}

/** One entity's row (undefined for entities other than table entries, members and groups); `parts` shares decoded values between rows. */
export function decodeRow(bytes: Uint8Array, index: P4InfoIndex, at: number, origin?: Origin, parts?: RowParts): Row | undefined {
  const p = parseEntity(bytes);
  if (p.kind === 'table_entry') {
    const t = index.table(p.entry.tableId);
    const match = new Map<string, FieldMatch>();
    for (const fm of p.entry.match) {
      const f = index.tableField(t, fm.fieldId);
      const m = fm.m;
      const bits = f.bitwidth;
      if (m.kind === 'exact' || m.kind === 'optional') match.set(f.name, parts ? parts.field(f, m.kind, m.value) : { kind: m.kind, value: bytesToBigInt(m.value), bits });
      else if (m.kind === 'lpm') match.set(f.name, { kind: 'lpm', value: bytesToBigInt(m.value), prefixLen: m.prefixLen, bits });
      else if (m.kind === 'ternary') match.set(f.name, { kind: 'ternary', value: bytesToBigInt(m.value), mask: bytesToBigInt(m.mask), bits });
      else match.set(f.name, { kind: 'range', low: bytesToBigInt(m.low), high: bytesToBigInt(m.high), bits });
    }
    const row: Row = { kind: 'table_entry', table: t.name, match, priority: p.entry.priority, at, origin };
    const a = p.entry.action;
    if (a?.kind === 'action') row.action = parts ? parts.action(index, a.actionId, a.params) : actionOf(index, a.actionId, a.params);
    else if (a?.kind === 'group') row.groupId = a.groupId;
    else if (a?.kind === 'member') row.memberId = a.memberId;
    if (p.entry.metadata?.length) row.metadata = Buffer.from(p.entry.metadata);
    return row;
  }
  if (p.kind === 'action_profile_member') {
    const prof = index.actionProfile(p.member.profileId);
    return { kind: p.kind, table: prof.name, match: new Map(), priority: 0, memberId: p.member.memberId, action: actionOf(index, p.member.actionId, p.member.params), at, origin };
  }
  if (p.kind === 'action_profile_group') {
    const prof = index.actionProfile(p.group.profileId);
    return { kind: p.kind, table: prof.name, match: new Map(), priority: 0, groupId: p.group.groupId, members: p.group.members.map((m) => ({ id: m.memberId, weight: m.weight })), at, origin };
  }
  return undefined;
}

/**
 * `r` for another entry with the same bytes: the decoded parts (match, action,
 * members) are shared, never copied — rows are read-only.
 */
export function rowAt(r: Row, at: number, origin: Origin | undefined): Row {
  return { kind: r.kind, table: r.table, match: r.match, priority: r.priority, action: r.action, groupId: r.groupId, memberId: r.memberId, members: r.members, metadata: r.metadata, origin, at };
}

function actionOf(index: P4InfoIndex, actionId: number, params: { paramId: number; value: Uint8Array }[]): { name: string; params: Map<string, bigint> } {
  const a = index.action(actionId);
  return { name: a.name, params: new Map(params.map((p) => [index.actionParam(a, p.paramId).name, bytesToBigInt(p.value)])) };
}

/** Whether `m` matches the value `v`. */
export function fieldMatches(m: FieldMatch, v: bigint): boolean {
  switch (m.kind) {
    case 'exact':
    case 'optional':
      return m.value === v;
    case 'lpm': {
      const shift = BigInt(m.bits - m.prefixLen);
      return v >> shift === m.value >> shift;
    }
    case 'ternary':
      return (v & m.mask) === (m.value & m.mask);
    case 'range':
      return m.low <= v && v <= m.high;
  }
}

/** `10.1.0.0/16`, `0x65`, `1000..2000`: a match value for people. */
export function formatMatch(name: string, m: FieldMatch): string {
  const hint = hintFor(name, m.bits);
  const show = (v: bigint) => formatValue(bigintBytes(v, m.bits), m.bits, hint);
  switch (m.kind) {
    case 'exact':
    case 'optional':
      return `${name}=${show(m.value)}`;
    case 'lpm':
      return `${name}=${show(m.value)}/${m.prefixLen}`;
    case 'ternary':
      return `${name}=${show(m.value)}&&&${show(m.mask)}`;
    case 'range':
      return `${name}=${show(m.low)}..${show(m.high)}`;
  }
}

export function bigintBytes(v: bigint, bits: number): Buffer {
  const n = Math.ceil(bits / 8);
  const out = Buffer.alloc(n);
  let x = v;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** One line for a row: `ingress.flow_classify tenant_id=101 … → ingress.set_flow(flow_id=…)`. */
export function describeRow(r: Row): string {
  const keys = [...r.match].map(([n, m]) => formatMatch(n, m)).join(' ');
  let act = '';
  if (r.action) act = `${r.action.name}(${[...r.action.params].map(([k, v]) => `${k}=${v}`).join(', ')})`;
  else if (r.groupId !== undefined && r.kind === 'table_entry') act = `group ${r.groupId}`;
  else if (r.memberId !== undefined && r.kind === 'table_entry') act = `member ${r.memberId}`;
  if (r.kind === 'action_profile_member') return `${r.table} member ${r.memberId} → ${act}`;
  if (r.kind === 'action_profile_group') return `${r.table} group ${r.groupId} members ${r.members!.map((m) => `${m.id}×${m.weight}`).join(',')}`;
  return `${r.table}${keys ? ' ' + keys : ''}${r.priority ? ` priority ${r.priority}` : ''} → ${act}`;
}
