// Read: wildcard expansion over the store and chunked ReadResponses. The
// response is assembled from stored canonical bytes (field 1 = Entity) into
// buffers under the chunk limit, so a million entries never become objects
// and no message outgrows a client's 4 MB receive limit (unless the
// single-read-message quirk asks for one message of any size, as BMv2 sends).
// A Read naming a role sees only that role's tables and profiles.
import { Code } from '../proto/load.ts';
import { TargetError } from './errors.ts';
import type { RoleScope } from './roles.ts';
import { WireReader, WireWriter, varintSize } from '../p4info/wire.ts';
import { canonicalMatch, encodeCounterData, entryKey } from './canonical.ts';
import type { Store } from './store.ts';
import type { PipelineModel, TableModel } from './model.ts';

/** The largest single ReadResponse this target builds (a Buffer must stay well under 2^32). */
export const MAX_READ_MESSAGE_BYTES = 1024 * 1024 * 1024;

/**
 * Packs Entity byte strings into ReadResponse messages of at most `max`
 * bytes. The buffer starts at 1 MiB (or `max` if smaller) and doubles as
 * needed, so a huge `max` (one message for the whole Read) costs only what
 * the entities take.
 */
export class Chunker {
  private buf: Buffer;
  private off = 0;
  readonly done: Buffer[] = [];
  private max: number;
  constructor(max: number) {
    this.max = Math.min(max, MAX_READ_MESSAGE_BYTES);
    this.buf = Buffer.allocUnsafe(Math.min(this.max, 1024 * 1024));
  }
  push(entity: string | Buffer): void {
    const len = entity.length;
    const need = 1 + varintSize(len) + len;
    if (need > this.max) throw new TargetError(Code.RESOURCE_EXHAUSTED, `one entity (${len} bytes) exceeds the read chunk size`);
    if (this.off + need > this.max) this.flush();
    if (this.off + need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.min(this.max, Math.max(this.buf.length * 2, this.off + need)));
      this.buf.copy(next, 0, 0, this.off);
      this.buf = next;
    }
    const b = this.buf;
    b[this.off++] = 0x0a;
    let n = len;
    while (n >= 128) { b[this.off++] = (n & 127) | 128; n >>>= 7; }
    b[this.off++] = n;
    if (typeof entity === 'string') this.off += b.write(entity, this.off, 'latin1');
    else this.off += entity.copy(b, this.off);
  }
  flush(): void {
    if (!this.off) return;
    this.done.push(Buffer.from(this.buf.subarray(0, this.off)));
    this.off = 0;
  }
  /** Completed chunks so far (taken: the caller sends them). */
  take(): Buffer[] {
    return this.done.splice(0, this.done.length);
  }
}

/** Replaces fields 6 (meter_config) and 7 (counter_data) of a stored table-entry Entity. */
export function withResources(entity: string, meter: Buffer | undefined, counter: Buffer | undefined): Buffer {
  const te = tableEntryOf(entity);
  const w = new WireWriter(te.length + (meter?.length ?? 0) + (counter?.length ?? 0) + 16);
  const mark = w.begin(2);
  let inserted = false;
  const insert = () => {
    if (inserted) return;
    inserted = true;
    if (meter) w.bytesField(6, meter);
    if (counter) w.bytesField(7, counter);
  };
  const r = new WireReader(te);
  let start = r.pos;
  while (r.next()) {
    const no = r.fieldNo;
    r.skip();
    if (no > 7) insert();
    if (no !== 6 && no !== 7) w.raw(te.subarray(start, r.pos));
    start = r.pos;
  }
  insert();
  return w.end(mark).view();
}

/** Inner TableEntry bytes of a stored Entity (for wrapping into a direct counter/meter entry). */
function tableEntryOf(entity: string): Buffer {
  const outer = Buffer.from(entity, 'latin1');
  const r = new WireReader(outer);
  r.next();
  const [s, e] = r.lenRange();
  return outer.subarray(s, e);
}

interface ReadCtx {
  model: PipelineModel;
  store: Store;
  scope?: RoleScope;
  /** `tableId/key` of entries Read must not return (the hideFromRead test hook). */
  hidden?: ReadonlySet<string>;
}

const outsideRole = (scope: RoleScope, what: string) =>
  new TargetError(Code.PERMISSION_DENIED, `role '${scope.role}' may not read ${what}: it is outside the role's config`);

/** Tables a request selects: all (of the role's) for id 0, else the one named, which must be the role's. */
function tablesFor(ctx: ReadCtx, tableId: number, filter: (t: TableModel) => boolean = () => true): TableModel[] {
  const { scope } = ctx;
  if (tableId === 0) return [...ctx.model.tables.values()].filter((t) => filter(t) && (!scope || scope.tables.has(t.id)));
  const t = ctx.model.table(tableId);
  if (scope && !scope.tables.has(t.id)) throw outsideRole(scope, t.name);
  return [t];
}

function profilesFor(ctx: ReadCtx, profileId: number): number[] {
  const { scope } = ctx;
  if (profileId === 0) return [...ctx.model.profiles.keys()].filter((id) => !scope || scope.profiles.has(id));
  const p = ctx.model.profile(profileId);
  if (scope && !scope.profiles.has(p.id)) throw outsideRole(scope, p.name);
  return [p.id];
}

/** Keys of `table` selected by a request TableEntry: one when the match is given, else all. */
function selectKeys(ctx: ReadCtx, table: TableModel, te: any, wildcardTable: boolean): Iterable<string> {
  const entries = ctx.store.tables.get(table.id);
  if (!entries) return [];
  if (wildcardTable || !(te.match?.length || te.priority)) return entries.keys();
  const key = entryKey(canonicalMatch(table, te.match), te.priority ?? 0);
  return entries.has(key) ? [key] : [];
}

/** Appends the entities one request Entity selects to `out`, yielding between tables so big reads can stream. */
export function* readEntity(ctx: ReadCtx, entity: any, out: Chunker): Generator<void> {
  const { store } = ctx;
  switch (entity?.entity) {
    case 'table_entry': {
      const te = entity.table_entry;
      const tid = te.table_id ?? 0;
      for (const table of tablesFor(ctx, tid)) {
        if (te.is_default_action) {
          const d = store.defaults.get(table.id);
          if (d) out.push(d);
          continue;
        }
        const entries = store.tables.get(table.id);
        if (!entries) continue;
        const wantCounter = !!te.counter_data && !!table.directCounterId;
        const wantMeter = !!te.meter_config && !!table.directMeterId;
        const counters = store.counters.get(table.id);
        const meters = store.meters.get(table.id);
        let n = 0;
        for (const key of selectKeys(ctx, table, te, tid === 0)) {
          if (ctx.hidden?.size && ctx.hidden.has(`${table.id}/${key}`)) continue;
          const e = entries.get(key)!;
          if (!wantCounter && !wantMeter) out.push(e);
          else {
            const c = counters?.get(key);
            out.push(withResources(e, wantMeter ? meters?.get(key) ?? Buffer.alloc(0) : undefined, wantCounter ? encodeCounterData(c?.bytes ?? 0, c?.packets ?? 0) : undefined));
          }
          if (++n % 65536 === 0) yield;
        }
        yield;
      }
      return;
    }
    case 'action_profile_member':
    case 'action_profile_group': {
      const isGroup = entity.entity === 'action_profile_group';
      const req = entity[entity.entity];
      const pid = req.action_profile_id ?? 0;
      const profiles = profilesFor(ctx, pid);
      const id = (isGroup ? req.group_id : req.member_id) ?? 0;
      for (const p of profiles) {
        if (isGroup) {
          const groups = store.groups.get(p);
          if (!groups) continue;
          if (id) { const g = groups.get(id); if (g) out.push(g.entity); }
          else for (const g of groups.values()) out.push(g.entity);
        } else {
          const members = store.members.get(p);
          if (!members) continue;
          if (id) { const m = members.get(id); if (m) out.push(m); }
          else for (const m of members.values()) out.push(m);
        }
        yield;
      }
      return;
    }
    case 'direct_counter_entry':
    case 'direct_meter_entry': {
      const isCounter = entity.entity === 'direct_counter_entry';
      const te = entity[entity.entity].table_entry ?? {};
      const tid = te.table_id ?? 0;
      const has = (t: TableModel) => (isCounter ? !!t.directCounterId : !!t.directMeterId);
      for (const table of tablesFor(ctx, tid, has)) {
        if (!has(table)) throw new TargetError(Code.INVALID_ARGUMENT, `${table.name}: has no direct ${isCounter ? 'counter' : 'meter'}`);
        const entries = store.tables.get(table.id);
        if (!entries) continue;
        const side = isCounter ? store.counters.get(table.id) : store.meters.get(table.id);
        let n = 0;
        for (const key of selectKeys(ctx, table, te, tid === 0)) {
          const inner = tableEntryOf(entries.get(key)!);
          let data: Buffer;
          if (isCounter) {
            const c = (side as Map<string, { bytes: number; packets: number }> | undefined)?.get(key);
            data = encodeCounterData(c?.bytes ?? 0, c?.packets ?? 0);
          } else data = (side as Map<string, Buffer> | undefined)?.get(key) ?? Buffer.alloc(0);
          const w = new WireWriter(inner.length + data.length + 16);
          const mark = w.begin(isCounter ? 8 : 6);
          out.push(w.bytesField(1, inner).bytesField(2, data).end(mark).view());
          if (++n % 65536 === 0) yield;
        }
        yield;
      }
      return;
    }
    case undefined:
    case null:
      throw new TargetError(Code.INVALID_ARGUMENT, 'read request entity is empty');
    default:
      if (ctx.scope) throw outsideRole(ctx.scope, entity.entity);
      throw new TargetError(Code.UNIMPLEMENTED, `reading ${entity.entity} is not supported by this target`);
  }
}
