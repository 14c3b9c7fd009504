// P4Runtime roles (API 1.4, role by name): which part of the pipeline a role
// may write and read. The role's description is a flowops.v1.RoleConfig
// carried as an Any in MasterArbitrationUpdate.role.config; its names are
// resolved against the pipeline in force at each request, because the
// pipeline can change while a controller stays connected. The default role
// ('') and a named role without a config have the whole pipeline.
import { Code } from '../proto/load.ts';
import { ROLE_CONFIG_TYPE_URL, decodeRoleConfig, type RoleConfig } from '../proto/role-config.ts';
import { TargetError, invalid } from './errors.ts';
import type { PipelineModel } from './model.ts';

export type { RoleConfig } from '../proto/role-config.ts';

/** The parsed config of a role, plus its encoded form to compare two clients' configs. */
export interface RoleDescription {
  config: RoleConfig;
  /** The Any's value bytes, hex: equal descriptions are equal strings. */
  key: string;
}

/** Role.config (decoded protobufjs Any) → description; null when absent. Throws INVALID_ARGUMENT on anything else. */
export function parseRoleConfig(any: { type_url?: string; value?: Uint8Array } | null | undefined): RoleDescription | null {
  if (!any || (!any.type_url && !any.value?.length)) return null;
  if (any.type_url !== ROLE_CONFIG_TYPE_URL) {
    throw invalid(`role config has type '${any.type_url ?? ''}'; this target understands ${ROLE_CONFIG_TYPE_URL}`);
  }
  const value = Buffer.from(any.value ?? []);
  try {
    return { config: decodeRoleConfig(value), key: value.toString('hex') };
  } catch (err) {
    throw invalid(`role config does not decode as flowops.v1.RoleConfig: ${(err as Error).message}`);
  }
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
  const tableNames = new Map([...model.tables.values()].map((t) => [t.name, t.id]));
  const profileNames = new Map([...model.profiles.values()].map((p) => [p.name, p.id]));
  const scope: RoleScope = {
    role,
    tables: resolve(desc.config.tables, tableNames, new Set(model.tables.keys())),
    profiles: resolve(desc.config.actionProfiles, profileNames, new Set(model.profiles.keys())),
  };
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
      // Everything else (PRE, registers, counters, value sets) is not describable in a RoleConfig.
      throw denied(scope, kind ?? 'an empty entity');
  }
}
