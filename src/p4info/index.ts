// The one index of a P4Info: names ↔ ids, bit widths, match kinds, which
// actions a table takes. Built once per pipeline; every other module asks it
// instead of walking P4Info. An unknown name or id is a P4InfoError naming
// what was asked for and where — never id 0, never undefined.
import { P4InfoError } from '../shared/errors.ts';
import { loadP4InfoFile } from './txtpb.ts';

export type MatchType = 'exact' | 'lpm' | 'ternary' | 'range' | 'optional' | 'other';

export interface MatchFieldInfo {
  id: number;
  name: string;
  bitwidth: number;
  matchType: MatchType;
}

export interface ParamInfo {
  id: number;
  name: string;
  bitwidth: number;
}

export interface ActionInfo {
  id: number;
  name: string;
  alias: string;
  params: ParamInfo[];
}

export interface TableInfo {
  id: number;
  name: string;
  alias: string;
  size: number;
  /** In P4Info order. */
  fields: MatchFieldInfo[];
  actionIds: Set<number>;
  defaultOnlyActionIds: Set<number>;
  tableOnlyActionIds: Set<number>;
  /** 0 when the default action may be changed. */
  constDefaultActionId: number;
  /** Action profile id, 0 for a direct table. */
  implementationId: number;
  withSelector: boolean;
  directCounterId: number;
  directMeterId: number;
  /** Any ternary, range or optional field: entries need a priority. */
  needsPriority: boolean;
  isConst: boolean;
}

export interface ActionProfileInfo {
  id: number;
  name: string;
  alias: string;
  tableIds: number[];
  withSelector: boolean;
  size: number;
  maxGroupSize: number;
}

export interface DirectResourceInfo {
  id: number;
  name: string;
  alias: string;
  directTableId: number;
  /** CounterSpec / MeterSpec unit name, e.g. 'BOTH', 'BYTES'. */
  unit: string;
}

const MATCH_TYPES: Record<string, MatchType> = {
  EXACT: 'exact',
  LPM: 'lpm',
  TERNARY: 'ternary',
  RANGE: 'range',
  OPTIONAL: 'optional',
  '2': 'exact',
  '3': 'lpm',
  '4': 'ternary',
  '5': 'range',
  '6': 'optional',
};

/** Resource id prefixes (top byte of an id), P4Info spec. */
const PREFIX_DIRECT_COUNTER = 0x13;
const PREFIX_DIRECT_METER = 0x15;

type NameOrId = string | number;

function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return Number(v);
  // protobufjs Long
  const l = v as { toNumber?: () => number };
  return l.toNumber ? l.toNumber() : Number(v);
}

function enumName(v: unknown, values: Record<string, number>): string {
  if (typeof v === 'string') return v;
  const n = num(v);
  return Object.keys(values).find((k) => values[k] === n) ?? String(n);
}

/** A name → entry map that also accepts the alias, and an id → entry map. */
class Registry<T extends { id: number; name: string; alias: string }> {
  readonly byId = new Map<number, T>();
  readonly byName = new Map<string, T>();
  readonly list: T[] = [];

  add(v: T): void {
    this.list.push(v);
    this.byId.set(v.id, v);
    this.byName.set(v.name, v);
    // A leading '.' is how p4c marks names pinned with @name(".x"); accept both.
    if (v.name.startsWith('.')) this.byName.set(v.name.slice(1), v);
    if (v.alias && !this.byName.has(v.alias)) this.byName.set(v.alias, v);
  }

  get(key: NameOrId): T | undefined {
    return typeof key === 'number' ? this.byId.get(key) : this.byName.get(key);
  }
}

export class P4InfoIndex {
  private readonly tableReg = new Registry<TableInfo>();
  private readonly actionReg = new Registry<ActionInfo>();
  private readonly profileReg = new Registry<ActionProfileInfo>();
  private readonly fieldMaps = new Map<number, Map<NameOrId, MatchFieldInfo>>();
  private readonly paramMaps = new Map<number, Map<NameOrId, ParamInfo>>();
  readonly directCounters: DirectResourceInfo[] = [];
  readonly directMeters: DirectResourceInfo[] = [];

  /** The decoded P4Info this index was built from (for pushing the pipeline). */
  readonly p4info: Record<string, any>;

  private constructor(p4info: Record<string, any>) {
    this.p4info = p4info;
    for (const a of p4info.actions ?? []) {
      const pre = a.preamble ?? {};
      const params: ParamInfo[] = (a.params ?? []).map((p: any) => ({ id: num(p.id), name: String(p.name ?? ''), bitwidth: num(p.bitwidth) }));
      const info: ActionInfo = { id: num(pre.id), name: String(pre.name ?? ''), alias: String(pre.alias ?? ''), params };
      this.actionReg.add(info);
      const m = new Map<NameOrId, ParamInfo>();
      for (const p of params) {
        m.set(p.id, p);
        m.set(p.name, p);
      }
      this.paramMaps.set(info.id, m);
    }
    for (const c of p4info.direct_counters ?? []) this.directCounters.push(directResource(c, { UNSPECIFIED: 0, BYTES: 1, PACKETS: 2, BOTH: 3 }));
    for (const c of p4info.direct_meters ?? []) this.directMeters.push(directResource(c, { UNSPECIFIED: 0, BYTES: 1, PACKETS: 2 }));
    for (const ap of p4info.action_profiles ?? []) {
      const pre = ap.preamble ?? {};
      this.profileReg.add({
        id: num(pre.id),
        name: String(pre.name ?? ''),
        alias: String(pre.alias ?? ''),
        tableIds: (ap.table_ids ?? []).map(num),
        withSelector: !!ap.with_selector,
        size: num(ap.size),
        maxGroupSize: num(ap.max_group_size),
      });
    }
    for (const t of p4info.tables ?? []) {
      const pre = t.preamble ?? {};
      const id = num(pre.id);
      const fields: MatchFieldInfo[] = (t.match_fields ?? []).map((f: any) => ({
        id: num(f.id),
        name: String(f.name ?? ''),
        bitwidth: num(f.bitwidth),
        matchType: f.match_type !== undefined && f.match_type !== null ? (MATCH_TYPES[String(f.match_type)] ?? 'other') : 'other',
      }));
      const actionIds = new Set<number>();
      const defaultOnly = new Set<number>();
      const tableOnly = new Set<number>();
      for (const r of t.action_refs ?? []) {
        const aid = num(r.id);
        actionIds.add(aid);
        const scope = enumName(r.scope, { TABLE_AND_DEFAULT: 0, TABLE_ONLY: 1, DEFAULT_ONLY: 2 });
        if (scope === 'DEFAULT_ONLY') defaultOnly.add(aid);
        if (scope === 'TABLE_ONLY') tableOnly.add(aid);
      }
      const implementationId = num(t.implementation_id);
      const direct = (t.direct_resource_ids ?? []).map(num) as number[];
      const counter = direct.find((d) => d >>> 24 === PREFIX_DIRECT_COUNTER) ?? this.directCounters.find((c) => c.directTableId === id)?.id ?? 0;
      const meter = direct.find((d) => d >>> 24 === PREFIX_DIRECT_METER) ?? this.directMeters.find((c) => c.directTableId === id)?.id ?? 0;
      const info: TableInfo = {
        id,
        name: String(pre.name ?? ''),
        alias: String(pre.alias ?? ''),
        size: num(t.size),
        fields,
        actionIds,
        defaultOnlyActionIds: defaultOnly,
        tableOnlyActionIds: tableOnly,
        constDefaultActionId: num(t.const_default_action_id),
        implementationId,
        withSelector: implementationId !== 0 && !!this.profileReg.get(implementationId)?.withSelector,
        directCounterId: counter,
        directMeterId: meter,
        needsPriority: fields.some((f) => f.matchType === 'ternary' || f.matchType === 'range' || f.matchType === 'optional'),
        isConst: !!t.is_const_table,
      };
      this.tableReg.add(info);
      const m = new Map<NameOrId, MatchFieldInfo>();
      for (const f of fields) {
        m.set(f.id, f);
        m.set(f.name, f);
      }
      this.fieldMaps.set(id, m);
    }
  }

  /** From a decoded `p4.config.v1.P4Info` (protobufjs message or plain object with the proto field names). */
  static fromP4Info(msg: object): P4InfoIndex {
    return new P4InfoIndex(msg as Record<string, any>);
  }

  /** From a P4Info file (text format, binary `.pb`/`.bin`, or `.json`). */
  static fromFile(file: string): P4InfoIndex {
    return new P4InfoIndex(loadP4InfoFile(file));
  }

  get tables(): TableInfo[] {
    return this.tableReg.list;
  }
  get actions(): ActionInfo[] {
    return this.actionReg.list;
  }
  get actionProfiles(): ActionProfileInfo[] {
    return this.profileReg.list;
  }

  table(nameOrId: NameOrId | TableInfo): TableInfo {
    if (typeof nameOrId === 'object') return nameOrId;
    const t = this.tableReg.get(nameOrId);
    if (!t) throw new P4InfoError('UNKNOWN_TABLE', `no table ${show(nameOrId)} in P4Info`, { table: nameOrId });
    return t;
  }

  action(nameOrId: NameOrId | ActionInfo): ActionInfo {
    if (typeof nameOrId === 'object') return nameOrId;
    const a = this.actionReg.get(nameOrId);
    if (!a) throw new P4InfoError('UNKNOWN_ACTION', `no action ${show(nameOrId)} in P4Info`, { action: nameOrId });
    return a;
  }

  actionProfile(nameOrId: NameOrId | ActionProfileInfo): ActionProfileInfo {
    if (typeof nameOrId === 'object') return nameOrId;
    const p = this.profileReg.get(nameOrId);
    if (!p) throw new P4InfoError('UNKNOWN_ACTION_PROFILE', `no action profile ${show(nameOrId)} in P4Info`, { actionProfile: nameOrId });
    return p;
  }

  tableField(table: NameOrId | TableInfo, nameOrId: NameOrId): MatchFieldInfo {
    const t = this.table(table);
    const f = this.fieldMaps.get(t.id)?.get(nameOrId);
    if (!f) {
      throw new P4InfoError('UNKNOWN_FIELD', `table ${t.name} has no match field ${show(nameOrId)} (fields: ${t.fields.map((x) => x.name).join(', ') || 'none'})`, {
        table: t.name,
        field: nameOrId,
      });
    }
    return f;
  }

  actionParam(action: NameOrId | ActionInfo, nameOrId: NameOrId): ParamInfo {
    const a = this.action(action);
    const p = this.paramMaps.get(a.id)?.get(nameOrId);
    if (!p) {
      throw new P4InfoError('UNKNOWN_PARAM', `action ${a.name} has no parameter ${show(nameOrId)} (params: ${a.params.map((x) => x.name).join(', ') || 'none'})`, {
        action: a.name,
        param: nameOrId,
      });
    }
    return p;
  }

  /** Whether `id` names a table (no throw; for classifying live entities). */
  hasTable(nameOrId: NameOrId): boolean {
    return !!this.tableReg.get(nameOrId);
  }
  hasAction(nameOrId: NameOrId): boolean {
    return !!this.actionReg.get(nameOrId);
  }
  hasActionProfile(nameOrId: NameOrId): boolean {
    return !!this.profileReg.get(nameOrId);
  }
}

function directResource(c: any, units: Record<string, number>): DirectResourceInfo {
  const pre = c.preamble ?? {};
  return {
    id: num(pre.id),
    name: String(pre.name ?? ''),
    alias: String(pre.alias ?? ''),
    directTableId: num(c.direct_table_id),
    unit: enumName(c.spec?.unit ?? 0, units),
  };
}

function show(v: NameOrId): string {
  return typeof v === 'number' ? `id ${v} (0x${v.toString(16)})` : JSON.stringify(v);
}
