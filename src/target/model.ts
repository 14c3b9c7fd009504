// The pipeline as the target enforces it: a P4Info checked for consistency
// and indexed by id, with exactly the facts Write validation needs (match
// kinds, bit widths, action scopes, profiles, direct resources). Built once
// per SetForwardingPipelineConfig; the target never resolves names to ids.
import { protoType, Code } from '../proto/load.ts';
import { loadP4InfoFile } from '../p4info/txtpb.ts';
import { TargetError, invalid } from './errors.ts';
import { longToNumber as toNum } from '../proto/long.ts';

export type MatchKind = 'EXACT' | 'LPM' | 'TERNARY' | 'RANGE' | 'OPTIONAL' | 'OTHER';
const MATCH_KINDS: Record<number, MatchKind> = { 2: 'EXACT', 3: 'LPM', 4: 'TERNARY', 5: 'RANGE', 6: 'OPTIONAL' };

export interface FieldModel { id: number; name: string; bitwidth: number; kind: MatchKind }
export interface ParamModel { id: number; name: string; bitwidth: number }
export interface ActionModel { id: number; name: string; params: Map<number, ParamModel> }
/** 0 TABLE_AND_DEFAULT, 1 TABLE_ONLY, 2 DEFAULT_ONLY (the p4.config.v1.ActionRef.Scope numbers). */
export type Scope = 0 | 1 | 2;

export interface TableModel {
  id: number;
  name: string;
  fields: FieldModel[];
  fieldById: Map<number, FieldModel>;
  exactCount: number;
  actionScopes: Map<number, Scope>;
  constDefaultActionId: number;
  implementationId: number;
  directCounterId: number;
  directMeterId: number;
  needsPriority: boolean;
  size: number;
  isConst: boolean;
  idleTimeout: boolean;
}

export interface ProfileModel {
  id: number;
  name: string;
  tableIds: number[];
  withSelector: boolean;
  size: number;
  maxGroupSize: number;
  /** 'weights': a group's size is the sum of its weights (the default); 'members': the member count. */
  sizeSemantics: 'weights' | 'members';
  maxMemberWeight: number;
  /** Actions a member may take: those of the profile's tables, minus default-only ones. */
  actionIds: Set<number>;
}

export class PipelineModel {
  readonly tables = new Map<number, TableModel>();
  readonly actions = new Map<number, ActionModel>();
  readonly profiles = new Map<number, ProfileModel>();
  readonly directCounters = new Map<number, number>();
  readonly directMeters = new Map<number, number>();

  /** `bytes`: an encoded p4.config.v1.P4Info. Throws INVALID_ARGUMENT naming the first inconsistency. */
  constructor(readonly bytes: Buffer) {
    let info: any;
    try {
      info = protoType('p4.config.v1.P4Info').decode(bytes);
    } catch (e) {
      throw invalid(`P4Info does not decode: ${(e as Error).message}`);
    }
    const seen = new Set<number>();
    const claim = (id: number, what: string) => {
      if (!id) throw invalid(`${what} has id 0`);
      if (seen.has(id)) throw invalid(`P4Info id 0x${id.toString(16)} used twice (${what})`);
      seen.add(id);
    };
    for (const a of info.actions ?? []) {
      const id = a.preamble?.id ?? 0;
      const name = a.preamble?.name ?? '';
      claim(id, `action ${name}`);
      const params = new Map<number, ParamModel>();
      for (const p of a.params ?? []) {
        if (params.has(p.id)) throw invalid(`action ${name}: param id ${p.id} used twice`);
        if (!(p.bitwidth > 0)) throw invalid(`action ${name}: param ${p.name} has bitwidth ${p.bitwidth}`);
        params.set(p.id, { id: p.id, name: p.name, bitwidth: p.bitwidth });
      }
      this.actions.set(id, { id, name, params });
    }
    for (const c of info.direct_counters ?? []) {
      claim(c.preamble?.id ?? 0, `direct counter ${c.preamble?.name}`);
      this.directCounters.set(c.preamble.id, c.direct_table_id);
    }
    for (const m of info.direct_meters ?? []) {
      claim(m.preamble?.id ?? 0, `direct meter ${m.preamble?.name}`);
      this.directMeters.set(m.preamble.id, m.direct_table_id);
    }
    for (const c of info.counters ?? []) claim(c.preamble?.id ?? 0, `counter ${c.preamble?.name}`);
    for (const m of info.meters ?? []) claim(m.preamble?.id ?? 0, `meter ${m.preamble?.name}`);
    for (const t of info.tables ?? []) {
      const id = t.preamble?.id ?? 0;
      const name = t.preamble?.name ?? '';
      claim(id, `table ${name}`);
      const fields: FieldModel[] = [];
      const fieldById = new Map<number, FieldModel>();
      for (const f of t.match_fields ?? []) {
        if (fieldById.has(f.id)) throw invalid(`table ${name}: match field id ${f.id} used twice`);
        const kind: MatchKind = f.other_match_type ? 'OTHER' : MATCH_KINDS[f.match_type] ?? 'OTHER';
        if (kind !== 'OTHER' && !(f.bitwidth > 0)) throw invalid(`table ${name}: field ${f.name} has bitwidth ${f.bitwidth}`);
        const fm = { id: f.id, name: f.name, bitwidth: f.bitwidth, kind };
        fields.push(fm);
        fieldById.set(f.id, fm);
      }
      fields.sort((a, b) => a.id - b.id);
      const actionScopes = new Map<number, Scope>();
      for (const r of t.action_refs ?? []) {
        if (!this.actions.has(r.id)) throw invalid(`table ${name}: action ref 0x${(r.id >>> 0).toString(16)} is not an action`);
        actionScopes.set(r.id, (r.scope ?? 0) as Scope);
      }
      const constDefault = t.const_default_action_id ?? 0;
      if (constDefault && !actionScopes.has(constDefault)) throw invalid(`table ${name}: const default action is not in its action refs`);
      let directCounterId = 0;
      let directMeterId = 0;
      for (const rid of t.direct_resource_ids ?? []) {
        if (this.directCounters.has(rid)) directCounterId = rid;
        else if (this.directMeters.has(rid)) directMeterId = rid;
        else throw invalid(`table ${name}: direct resource 0x${(rid >>> 0).toString(16)} is not a direct counter or meter`);
      }
      this.tables.set(id, {
        id,
        name,
        fields,
        fieldById,
        exactCount: fields.filter((f) => f.kind === 'EXACT').length,
        actionScopes,
        constDefaultActionId: constDefault,
        implementationId: t.implementation_id ?? 0,
        directCounterId,
        directMeterId,
        needsPriority: fields.some((f) => f.kind === 'TERNARY' || f.kind === 'RANGE' || f.kind === 'OPTIONAL'),
        size: toNum(t.size),
        isConst: !!t.is_const_table,
        idleTimeout: (t.idle_timeout_behavior ?? 0) === 1,
      });
    }
    for (const [cid, tid] of this.directCounters) {
      if (this.tables.get(tid)?.directCounterId !== cid) throw invalid(`direct counter 0x${cid.toString(16)}: table 0x${(tid >>> 0).toString(16)} does not list it`);
    }
    for (const [mid, tid] of this.directMeters) {
      if (this.tables.get(tid)?.directMeterId !== mid) throw invalid(`direct meter 0x${mid.toString(16)}: table 0x${(tid >>> 0).toString(16)} does not list it`);
    }
    for (const ap of info.action_profiles ?? []) {
      const id = ap.preamble?.id ?? 0;
      const name = ap.preamble?.name ?? '';
      claim(id, `action profile ${name}`);
      const actionIds = new Set<number>();
      for (const tid of ap.table_ids ?? []) {
        const t = this.tables.get(tid);
        if (!t) throw invalid(`action profile ${name}: table 0x${(tid >>> 0).toString(16)} does not exist`);
        if (t.implementationId !== id) throw invalid(`action profile ${name}: table ${t.name} is not implemented by it`);
        for (const [aid, scope] of t.actionScopes) if (scope !== 2) actionIds.add(aid);
      }
      this.profiles.set(id, {
        id,
        name,
        tableIds: [...(ap.table_ids ?? [])],
        withSelector: !!ap.with_selector,
        size: toNum(ap.size),
        maxGroupSize: ap.max_group_size ?? 0,
        sizeSemantics: ap.sum_of_members ? 'members' : 'weights',
        maxMemberWeight: ap.sum_of_members?.max_member_weight ?? 0,
        actionIds,
      });
    }
    for (const t of this.tables.values()) {
      if (t.implementationId && !this.profiles.has(t.implementationId)) {
        throw invalid(`table ${t.name}: implementation 0x${t.implementationId.toString(16)} is not an action profile`);
      }
    }
  }

  table(id: number): TableModel {
    const t = this.tables.get(id);
    if (!t) throw new TargetError(Code.NOT_FOUND, `table id 0x${(id >>> 0).toString(16)} is not in the P4Info`, { tableId: id });
    return t;
  }

  profile(id: number): ProfileModel {
    const p = this.profiles.get(id);
    if (!p) throw new TargetError(Code.NOT_FOUND, `action profile id 0x${(id >>> 0).toString(16)} is not in the P4Info`, { profileId: id });
    return p;
  }

  action(id: number, where: string): ActionModel {
    const a = this.actions.get(id);
    if (!a) throw invalid(`${where}: action id 0x${(id >>> 0).toString(16)} is not in the P4Info`, { actionId: id });
    return a;
  }

  /** The action a table starts with: the const default, else a parameterless default-only action, else NoAction. */
  initialDefaultActionId(t: TableModel): number {
    if (t.constDefaultActionId) return t.constDefaultActionId;
    const candidates = [...t.actionScopes].filter(([aid]) => this.actions.get(aid)!.params.size === 0);
    const pick =
      candidates.find(([, s]) => s === 2) ??
      candidates.find(([aid]) => this.actions.get(aid)!.name.replace(/^\./, '') === 'NoAction') ??
      candidates.find(([, s]) => s !== 1);
    return pick ? pick[0] : 0;
  }
}

/** Read a P4Info file (text, binary `.pb`/`.bin` or JSON, as src/p4info reads it); returns encoded bytes. */
export function readP4InfoFile(file: string): Buffer {
  return Buffer.from(protoType('p4.config.v1.P4Info').encode(loadP4InfoFile(file)).finish());
}
