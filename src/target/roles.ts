// P4Runtime roles (API 1.4, role by name): which part of the pipeline a role
// may write and read. The role's description is carried as an Any in
// MasterArbitrationUpdate.role.config, in one of two formats: ours,
// flowops.v1.RoleConfig (tables and profiles by name or id), or Stratum's,
// stratum.P4RoleConfig (exclusive and shared P4Info ids, can_push_pipeline),
// so a controller configured for Stratum can rehearse against this target.
// Both become the same RoleScope; names are resolved against the pipeline in
// force at each request, because the pipeline can change while a controller
// stays connected. The default role ('') and a named role without a config
// have the whole pipeline.
import { Code } from '../proto/load.ts';
import { ROLE_CONFIG_TYPE_URL, decodeRoleConfig, type RoleConfig } from '../proto/role-config.ts';
import { STRATUM_ROLE_CONFIG_TYPE_URL, decodeStratumRoleConfig, isStratumRoleConfigUrl, type StratumRoleConfig } from '../proto/stratum-role-config.ts';
import { TargetError, invalid } from './errors.ts';
import type { PipelineModel } from './model.ts';

export type { RoleConfig } from '../proto/role-config.ts';
export type { StratumRoleConfig } from '../proto/stratum-role-config.ts';

/** The parsed config of a role, plus its encoded form to compare two clients' configs. */
export type RoleDescription =
  | { format: 'flowops'; config: RoleConfig; key: string }
  | { format: 'stratum'; config: StratumRoleConfig; key: string };

/** Role.config (decoded protobufjs Any) → description; null when absent. Throws INVALID_ARGUMENT on anything else. */
export function parseRoleConfig(any: { type_url?: string; value?: Uint8Array } | null | undefined): RoleDescription | null {
  if (!any || (!any.type_url && !any.value?.length)) return null;
  const value = Buffer.from(any.value ?? []);
  // The key includes the format: the same bytes mean different things in the two messages.
  if (any.type_url === ROLE_CONFIG_TYPE_URL) {
    try {
      return { format: 'flowops', config: decodeRoleConfig(value), key: `flowops:${value.toString('hex')}` };
    } catch (err) {
      throw invalid(`role config does not decode as flowops.v1.RoleConfig: ${(err as Error).message}`);
    }
  }
  if (isStratumRoleConfigUrl(any.type_url)) {
    try {
      return { format: 'stratum', config: decodeStratumRoleConfig(value), key: `stratum:${value.toString('hex')}` };
    } catch (err) {
      throw invalid(`role config does not decode as stratum.P4RoleConfig: ${(err as Error).message}`);
    }
  }
  throw invalid(`role config has type '${any.type_url ?? ''}'; this target understands ${ROLE_CONFIG_TYPE_URL} and ${STRATUM_ROLE_CONFIG_TYPE_URL}`);
}

/**
 * Stratum's rule for a new P4RoleConfig against the other roles' (INVALID_ARGUMENT
 * on a clash): its exclusive ids may be in no other role's exclusive or shared
 * ids, and its shared ids in no other role's exclusive ids. flowops.v1.RoleConfig
 * claims nothing exclusively, so only Stratum-format configs are compared.
 * Returns the clash in words, or undefined.
 */
export function exclusiveClash(desc: RoleDescription, others: Iterable<{ role: string; desc: RoleDescription }>): string | undefined {
  if (desc.format !== 'stratum') return undefined;
  const mine = desc.config;
  const overlap = (a: number[], b: number[]) => {
    const set = new Set(b);
    return [...new Set(a)].filter((id) => set.has(id));
  };
  for (const { role, desc: d } of others) {
    if (d.format !== 'stratum') continue;
    const theirs = d.config;
    const clashes: Array<[number[], string]> = [
      [overlap(mine.exclusiveIds, theirs.exclusiveIds), `exclusive ids overlap role '${role}'s exclusive ids`],
      [overlap(mine.exclusiveIds, theirs.sharedIds), `exclusive ids overlap role '${role}'s shared ids`],
      [overlap(mine.sharedIds, theirs.exclusiveIds), `shared ids overlap role '${role}'s exclusive ids`],
    ];
    for (const [ids, what] of clashes) if (ids.length) return `${what}: ${ids.join(', ')}`;
  }
  return undefined;
}

/** Whether a role described by `desc` may call SetForwardingPipelineConfig: only a Stratum config saying can_push_pipeline. */
export function canPushPipeline(desc: RoleDescription | null | undefined): boolean {
  return desc?.format === 'stratum' && desc.config.canPushPipeline;
}

/** What one role may touch in one pipeline, by id. */
export interface RoleScope {
  role: string;
  tables: Set<number>;
  profiles: Set<number>;
}

const scopes = new WeakMap<PipelineModel, Map<string, RoleScope>>();

function resolve(refs: string[], byName: Map<string, number>, ids: Set<number>): Set<number> {
  const out = new Set<number>();
  for (const ref of refs) {
    const s = ref.trim();
    const id = /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : byName.get(s);
    // A name the pipeline lacks grants nothing (the pipeline may be older or newer than the role's author thought).
    if (id !== undefined && ids.has(id)) out.add(id);
  }
  return out;
}

/** The scope of `role` described by `desc` in `model` (memoised per pipeline). */
export function roleScope(model: PipelineModel, role: string, desc: RoleDescription): RoleScope {
  let perModel = scopes.get(model);
  if (!perModel) scopes.set(model, (perModel = new Map()));
  const cacheKey = `${role}\u0000${desc.key}`;
  const hit = perModel.get(cacheKey);
  if (hit) return hit;
  let scope: RoleScope;
  if (desc.format === 'stratum') {
    // Ids only; an id of a kind this target cannot scope (a counter, a register) grants nothing here.
    const ids = [...desc.config.exclusiveIds, ...desc.config.sharedIds];
    scope = { role, tables: new Set(ids.filter((id) => model.tables.has(id))), profiles: new Set(ids.filter((id) => model.profiles.has(id))) };
  } else {
    const tableNames = new Map([...model.tables.values()].map((t) => [t.name, t.id]));
    const profileNames = new Map([...model.profiles.values()].map((p) => [p.name, p.id]));
    scope = {
      role,
      tables: resolve(desc.config.tables, tableNames, new Set(model.tables.keys())),
      profiles: resolve(desc.config.actionProfiles, profileNames, new Set(model.profiles.keys())),
    };
  }
  perModel.set(cacheKey, scope);
  return scope;
}

const denied = (scope: RoleScope, what: string) =>
  new TargetError(Code.PERMISSION_DENIED, `role '${scope.role}' may not access ${what}: it is outside the role's config`);

/** Throws PERMISSION_DENIED when `entity` (decoded p4.v1.Entity) lies outside `scope`. */
export function checkEntityInScope(model: PipelineModel, scope: RoleScope, entity: any): void {
  const kind = entity?.entity;
  const tableName = (id: number) => model.tables.get(id)?.name ?? `table ${id}`;
  const profileName = (id: number) => model.profiles.get(id)?.name ?? `action profile ${id}`;
  switch (kind) {
    case 'table_entry': {
      const id = entity.table_entry.table_id ?? 0;
      if (!scope.tables.has(id)) throw denied(scope, tableName(id));
      return;
    }
    case 'direct_counter_entry':
    case 'direct_meter_entry': {
      const id = entity[kind].table_entry?.table_id ?? 0;
      if (!scope.tables.has(id)) throw denied(scope, tableName(id));
      return;
    }
    case 'action_profile_member':
    case 'action_profile_group': {
      const id = entity[kind].action_profile_id ?? 0;
      if (!scope.profiles.has(id)) throw denied(scope, profileName(id));
      return;
    }
    case undefined:
    case null:
      return; // malformed: the update's own validation reports it
    default:
      // Everything else (PRE, registers, counters, value sets) is not describable in a flowops RoleConfig;
      // Stratum lets PRE entries (which carry no P4 id) through for every role, this target does not.
      throw denied(scope, kind ?? 'an empty entity');
  }
}
