// One Update applied to the Store, after every check the specification asks
// for. Checks come first and throw a TargetError with the spec's code; the
// mutation happens only when all of them pass, and returns how to undo it
// (for ROLLBACK_ON_ERROR / DATAPLANE_ATOMIC batches).
import { Code } from '../proto/load.ts';
import { TargetError, invalid, notFound, precondition } from './errors.ts';
import { longToNumber as toNum } from '../proto/long.ts';
import { encodeGroup, encodeMember, encodeTableEntry } from '../p4info/entity-encode.ts';
import type { FieldMatchValue, GroupMemberValue, TableActionValue } from '../p4info/entity-types.ts';
import { canonicalAction, canonicalMatch, checkPriority, encodeMeterConfig, entryKey } from './canonical.ts';
import { Store, type Ref } from './store.ts';
import type { PipelineModel, TableModel } from './model.ts';

export type UpdateType = 'INSERT' | 'MODIFY' | 'DELETE';
export type Undo = () => void;
const TYPES: Record<number, UpdateType> = { 1: 'INSERT', 2: 'MODIFY', 3: 'DELETE' };

export function updateType(t: unknown): UpdateType {
  const name = typeof t === 'string' ? (t as UpdateType) : TYPES[t as number];
  if (!name || !['INSERT', 'MODIFY', 'DELETE'].includes(name)) throw invalid(`update type ${String(t)} is not INSERT, MODIFY or DELETE`);
  return name;
}

const noop: Undo = () => {};
/** Whether mutations record their undo (only all-or-none batches need it; it costs allocations per entry). */
let recording = true;

/** Validates and applies one update; returns its undo (a no-op unless `undo`). `entity` is a decoded p4.v1.Entity. */
export function applyUpdate(model: PipelineModel, store: Store, type: UpdateType, entity: any, undo = true): Undo {
  recording = undo;
  return dispatch(model, store, type, entity);
}

function dispatch(model: PipelineModel, store: Store, type: UpdateType, entity: any): Undo {
  switch (entity?.entity) {
    case 'table_entry':
      return entity.table_entry.is_default_action
        ? applyDefault(model, store, type, entity.table_entry)
        : applyTableEntry(model, store, type, entity.table_entry);
    case 'action_profile_member':
      return applyMember(model, store, type, entity.action_profile_member);
    case 'action_profile_group':
      return applyGroup(model, store, type, entity.action_profile_group);
    case 'direct_counter_entry':
      return applyDirectCounter(model, store, type, entity.direct_counter_entry);
    case 'direct_meter_entry':
      return applyDirectMeter(model, store, type, entity.direct_meter_entry);
    case undefined:
    case null:
      throw invalid('update has no entity');
    default:
      throw new TargetError(Code.UNIMPLEMENTED, `${entity.entity} is not supported by this target`);
  }
}

/** Restores whatever one table entry had (entity, counter, meter, profile ref) before a mutation. */
function captureEntry(store: Store, table: TableModel, key: string): Undo {
  if (!recording) return noop;
  const tid = table.id;
  const entity = store.tables.get(tid)?.get(key);
  const counter = store.counters.get(tid)?.get(key);
  const meter = store.meters.get(tid)?.get(key);
  const ref = store.refs.get(tid)?.get(key);
  const saved = counter ? { ...counter } : undefined;
  return () => {
    const put = <V>(m: Map<number, Map<string, V>>, v: V | undefined) => {
      if (v === undefined) m.get(tid)?.delete(key);
      else Store.sub(m, tid).set(key, v);
    };
    const now = store.refs.get(tid)?.get(key);
    if (now) store.addRef(table.implementationId, now, -1);
    if (ref) store.addRef(table.implementationId, ref, +1);
    put(store.tables, entity);
    put(store.counters, saved);
    put(store.meters, meter);
    put(store.refs, ref);
  };
}

function resolveKey(model: PipelineModel, te: any): { table: TableModel; fields: FieldMatchValue[]; priority: number; key: string } {
  const table = model.table(te.table_id ?? 0);
  const fields = canonicalMatch(table, te.match);
  const priority = te.priority ?? 0;
  checkPriority(table, priority);
  return { table, fields, priority, key: entryKey(fields, priority) };
}

function tableAction(model: PipelineModel, store: Store, table: TableModel, ta: any): { action: TableActionValue; ref?: Ref } {
  const kind = ta?.type as string | undefined;
  if (!kind) throw invalid(`${table.name}: entry has no action`, { table: table.name });
  if (kind === 'action_profile_action_set') {
    throw new TargetError(Code.UNIMPLEMENTED, `${table.name}: one-shot action selector programming is not supported`);
  }
  if (!table.implementationId) {
    if (kind !== 'action') throw invalid(`${table.name}: a direct table takes an action, not a ${kind}`, { table: table.name });
    const action = canonicalAction(model, ta.action, table.name, (a) => {
      const scope = table.actionScopes.get(a.id);
      if (scope === undefined) throw invalid(`${table.name}: action ${a.name} is not one of the table's actions`, { table: table.name, action: a.name });
      if (scope === 2) throw invalid(`${table.name}: action ${a.name} is default-only`, { table: table.name, action: a.name });
    });
    return { action };
  }
  const profile = model.profile(table.implementationId);
  if (kind === 'action') throw invalid(`${table.name}: an action-profile table takes a member or group id, not an action`, { table: table.name });
  const group = kind === 'action_profile_group_id';
  const id = (group ? ta.action_profile_group_id : ta.action_profile_member_id) as number;
  if (group && !profile.withSelector) throw invalid(`${table.name}: ${profile.name} has no selector, groups are not allowed`, { table: table.name });
  const exists = group ? store.groups.get(profile.id)?.has(id) : store.members.get(profile.id)?.has(id);
  if (!exists) throw notFound(`${table.name}: ${group ? 'group' : 'member'} ${id} does not exist in ${profile.name}`, { table: table.name, [group ? 'groupId' : 'memberId']: id });
  return { action: group ? { kind: 'group', groupId: id } : { kind: 'member', memberId: id }, ref: { group, id } };
}

function applyTableEntry(model: PipelineModel, store: Store, type: UpdateType, te: any): Undo {
  const { table, fields, priority, key } = resolveKey(model, te);
  if (table.isConst) throw new TargetError(Code.PERMISSION_DENIED, `${table.name} is a const table`);
  const entries = Store.sub(store.tables, table.id);
  const exists = entries.has(key);
  if (type === 'DELETE') {
    if (!exists) throw notFound(`${table.name}: no such entry to delete`, { table: table.name });
    const undo = captureEntry(store, table, key);
    const ref = store.refs.get(table.id)?.get(key);
    if (ref) store.addRef(table.implementationId, ref, -1);
    entries.delete(key);
    store.counters.get(table.id)?.delete(key);
    store.meters.get(table.id)?.delete(key);
    store.refs.get(table.id)?.delete(key);
    return undo;
  }
  const action = tableAction(model, store, table, te.action);
  let meter: Buffer | undefined;
  if (te.meter_config) {
    if (!table.directMeterId) throw invalid(`${table.name}: meter_config given but the table has no direct meter`, { table: table.name });
    meter = encodeMeterConfig(te.meter_config, table.name);
  }
  if (te.counter_data && !table.directCounterId) {
    throw invalid(`${table.name}: counter_data given but the table has no direct counter`, { table: table.name });
  }
  const idle = toNum(te.idle_timeout_ns);
  if (idle && !table.idleTimeout) throw invalid(`${table.name}: idle_timeout_ns set but the table does not support idle timeout`, { table: table.name });
  if (type === 'INSERT' && exists) throw new TargetError(Code.ALREADY_EXISTS, `${table.name}: entry already exists`, { table: table.name });
  if (type === 'MODIFY' && !exists) throw notFound(`${table.name}: no such entry to modify`, { table: table.name });
  if (type === 'INSERT' && table.size > 0 && entries.size >= table.size) {
    throw new TargetError(Code.RESOURCE_EXHAUSTED, `${table.name}: table full (${table.size} entries)`, { table: table.name, size: table.size });
  }
  const undo = captureEntry(store, table, key);
  const entity = encodeTableEntry({ tableId: table.id, match: fields, action: action.action, priority, idleTimeoutNs: idle, metadata: te.metadata });
  entries.set(key, entity.toString('latin1'));
  const old = store.refs.get(table.id)?.get(key);
  if (old) store.addRef(table.implementationId, old, -1);
  if (action.ref) {
    store.addRef(table.implementationId, action.ref, +1);
    Store.sub(store.refs, table.id).set(key, action.ref);
  }
  // A MODIFY without meter_config puts the meter back to its default (spec 9.1).
  if (meter) Store.sub(store.meters, table.id).set(key, meter);
  else store.meters.get(table.id)?.delete(key);
  if (te.counter_data) {
    Store.sub(store.counters, table.id).set(key, { bytes: toNum(te.counter_data.byte_count), packets: toNum(te.counter_data.packet_count) });
  } else if (type === 'INSERT') store.counters.get(table.id)?.delete(key);
  return undo;
}

/** The default entry of `table` with `action` as canonical Entity bytes. */
export function defaultEntity(tableId: number, action: TableActionValue | undefined): string {
  return encodeTableEntry({ tableId, match: [], action, priority: 0, isDefaultAction: true }).toString('latin1');
}

export function initialDefault(model: PipelineModel, table: TableModel): string {
  const aid = model.initialDefaultActionId(table);
  return defaultEntity(table.id, aid ? { kind: 'action', actionId: aid, params: [] } : undefined);
}

function applyDefault(model: PipelineModel, store: Store, type: UpdateType, te: any): Undo {
  const table = model.table(te.table_id ?? 0);
  if (type !== 'MODIFY') throw invalid(`${table.name}: the default entry always exists; only MODIFY applies to it`, { table: table.name });
  if ((te.match ?? []).length) throw invalid(`${table.name}: the default entry has no match fields`, { table: table.name });
  if (te.priority) throw invalid(`${table.name}: the default entry has no priority`, { table: table.name });
  if (table.constDefaultActionId) throw new TargetError(Code.PERMISSION_DENIED, `${table.name}: the default action is const`, { table: table.name });
  let entity: string;
  if (!te.action?.type) entity = initialDefault(model, table);
  else {
    if (te.action.type !== 'action') throw invalid(`${table.name}: the default entry takes an action`, { table: table.name });
    const action = canonicalAction(model, te.action.action, `${table.name} default`, (a) => {
      const scope = table.actionScopes.get(a.id);
      if (scope === undefined) throw invalid(`${table.name}: action ${a.name} is not one of the table's actions`, { table: table.name, action: a.name });
      if (scope === 1) throw invalid(`${table.name}: action ${a.name} is table-only, not allowed as default`, { table: table.name, action: a.name });
    });
    entity = defaultEntity(table.id, action);
  }
  const before = store.defaults.get(table.id);
  store.defaults.set(table.id, entity);
  return () => {
    if (before === undefined) store.defaults.delete(table.id);
    else store.defaults.set(table.id, before);
  };
}

function applyMember(model: PipelineModel, store: Store, type: UpdateType, m: any): Undo {
  const profile = model.profile(m.action_profile_id ?? 0);
  const id = m.member_id ?? 0;
  if (!id) throw invalid(`${profile.name}: member id 0 is reserved (it means "all" in a Read)`);
  const members = Store.sub(store.members, profile.id);
  const before = members.get(id);
  const undo = () => (before === undefined ? members.delete(id) : members.set(id, before));
  if (type === 'DELETE') {
    if (before === undefined) throw notFound(`${profile.name}: member ${id} does not exist`, { memberId: id });
    const refs = store.refCount(profile.id, false, id);
    if (refs) throw precondition(`${profile.name}: member ${id} is used by ${refs} group(s)/entries`, { memberId: id, refs });
    members.delete(id);
    return undo;
  }
  const action = canonicalAction(model, m.action, `${profile.name} member ${id}`, (a) => {
    if (!profile.actionIds.has(a.id)) throw invalid(`${profile.name}: action ${a.name} is not an action of its tables`, { action: a.name });
  });
  if (type === 'INSERT' && before !== undefined) throw new TargetError(Code.ALREADY_EXISTS, `${profile.name}: member ${id} already exists`, { memberId: id });
  if (type === 'MODIFY' && before === undefined) throw notFound(`${profile.name}: member ${id} does not exist`, { memberId: id });
  if (type === 'INSERT' && profile.size > 0 && members.size >= profile.size) {
    throw new TargetError(Code.RESOURCE_EXHAUSTED, `${profile.name}: profile full (${profile.size} members)`);
  }
  members.set(id, encodeMember({ profileId: profile.id, memberId: id, actionId: action.actionId, params: action.params }).toString('latin1'));
  return undo;
}

function applyGroup(model: PipelineModel, store: Store, type: UpdateType, g: any): Undo {
  const profile = model.profile(g.action_profile_id ?? 0);
  const id = g.group_id ?? 0;
  if (!profile.withSelector) throw invalid(`${profile.name}: has no selector, groups are not allowed`);
  if (!id) throw invalid(`${profile.name}: group id 0 is reserved (it means "all" in a Read)`);
  const groups = Store.sub(store.groups, profile.id);
  const before = groups.get(id);
  const undo = () => {
    const now = groups.get(id);
    for (const mid of now?.members ?? []) store.addRef(profile.id, { group: false, id: mid }, -1);
    for (const mid of before?.members ?? []) store.addRef(profile.id, { group: false, id: mid }, +1);
    if (before === undefined) groups.delete(id);
    else groups.set(id, before);
  };
  if (type === 'DELETE') {
    if (!before) throw notFound(`${profile.name}: group ${id} does not exist`, { groupId: id });
    const refs = store.refCount(profile.id, true, id);
    if (refs) throw precondition(`${profile.name}: group ${id} is used by ${refs} entries`, { groupId: id, refs });
    for (const mid of before.members) store.addRef(profile.id, { group: false, id: mid }, -1);
    groups.delete(id);
    return undo;
  }
  const maxSize = g.max_size ?? 0;
  if (maxSize < 0) throw invalid(`${profile.name}: group ${id} max_size < 0`);
  if (profile.maxGroupSize > 0 && maxSize > profile.maxGroupSize) {
    throw invalid(`${profile.name}: group ${id} max_size ${maxSize} exceeds max_group_size ${profile.maxGroupSize}`);
  }
  const byId = new Map<number, GroupMemberValue>();
  let size = 0;
  for (const mem of g.members ?? []) {
    const mid = mem.member_id ?? 0;
    const weight = mem.weight ?? 0;
    if (byId.has(mid)) throw invalid(`${profile.name}: group ${id} lists member ${mid} twice`, { groupId: id, memberId: mid });
    if (!(weight > 0)) throw invalid(`${profile.name}: group ${id} member ${mid} weight must be > 0`, { groupId: id, memberId: mid });
    if (profile.sizeSemantics === 'members' && profile.maxMemberWeight > 0 && weight > profile.maxMemberWeight) {
      throw invalid(`${profile.name}: group ${id} member ${mid} weight ${weight} > max_member_weight ${profile.maxMemberWeight}`);
    }
    if (!store.members.get(profile.id)?.has(mid)) throw notFound(`${profile.name}: group ${id} member ${mid} does not exist`, { groupId: id, memberId: mid });
    size += profile.sizeSemantics === 'members' ? 1 : weight;
    const gm: GroupMemberValue = { memberId: mid, weight };
    if (mem.watch_kind === 'watch') gm.watch = mem.watch;
    if (mem.watch_kind === 'watch_port') gm.watchPort = mem.watch_port;
    byId.set(mid, gm);
  }
  if (profile.maxGroupSize > 0 && size > profile.maxGroupSize) {
    throw new TargetError(Code.RESOURCE_EXHAUSTED, `${profile.name}: group ${id} size ${size} exceeds max_group_size ${profile.maxGroupSize}`);
  }
  if (maxSize > 0 && size > maxSize) throw new TargetError(Code.RESOURCE_EXHAUSTED, `${profile.name}: group ${id} size ${size} exceeds its max_size ${maxSize}`);
  if (type === 'INSERT' && before) throw new TargetError(Code.ALREADY_EXISTS, `${profile.name}: group ${id} already exists`, { groupId: id });
  if (type === 'MODIFY' && !before) throw notFound(`${profile.name}: group ${id} does not exist`, { groupId: id });
  const ids = [...byId.keys()].sort((a, b) => a - b);
  for (const mid of before?.members ?? []) store.addRef(profile.id, { group: false, id: mid }, -1);
  for (const mid of ids) store.addRef(profile.id, { group: false, id: mid }, +1);
  const entity = encodeGroup({ profileId: profile.id, groupId: id, members: ids.map((mid) => byId.get(mid)!), maxSize });
  groups.set(id, { entity: entity.toString('latin1'), members: ids });
  return undo;
}

function existingEntry(model: PipelineModel, store: Store, te: any, what: string): { table: TableModel; key: string } {
  const { table, key } = resolveKey(model, te ?? {});
  if (!store.tables.get(table.id)?.has(key)) throw notFound(`${table.name}: no such entry for ${what}`, { table: table.name });
  return { table, key };
}

function applyDirectCounter(model: PipelineModel, store: Store, type: UpdateType, dc: any): Undo {
  if (type !== 'MODIFY') throw invalid('direct counter entries exist with their table entry; only MODIFY applies');
  const table = model.table(dc.table_entry?.table_id ?? 0);
  if (!table.directCounterId) throw invalid(`${table.name}: has no direct counter`, { table: table.name });
  const { key } = existingEntry(model, store, dc.table_entry, 'its direct counter');
  const undo = captureEntry(store, table, key);
  Store.sub(store.counters, table.id).set(key, { bytes: toNum(dc.data?.byte_count), packets: toNum(dc.data?.packet_count) });
  return undo;
}

function applyDirectMeter(model: PipelineModel, store: Store, type: UpdateType, dm: any): Undo {
  if (type !== 'MODIFY') throw invalid('direct meter entries exist with their table entry; only MODIFY applies');
  const table = model.table(dm.table_entry?.table_id ?? 0);
  if (!table.directMeterId) throw invalid(`${table.name}: has no direct meter`, { table: table.name });
  const { key } = existingEntry(model, store, dm.table_entry, 'its direct meter');
  const undo = captureEntry(store, table, key);
  if (dm.config) Store.sub(store.meters, table.id).set(key, encodeMeterConfig(dm.config, table.name));
  else store.meters.get(table.id)?.delete(key);
  return undo;
}
