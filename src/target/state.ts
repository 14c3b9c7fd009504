// The state of one target device and the operations on it: pipeline
// (set/get), batched Write with per-update results and atomicity, Read, and
// the test hooks (failUpdate, tamper, snapshot, simulateTraffic, reset).
// The gRPC server and the admin HTTP endpoint are thin layers over this.
import { Code, codeName, protoType } from '../proto/load.ts';
import type { Logger } from '../shared/log.ts';
import { TargetError, asTargetError, invalid, notFound, parseCode, precondition } from './errors.ts';
import { PipelineModel } from './model.ts';
import { Store } from './store.ts';
import { Arbitration, uint128 } from './arbitration.ts';
import { applyUpdate, initialDefault, updateType, type Undo, type UpdateType } from './updates.ts';
import { Chunker, readEntity, withResources } from './read.ts';
import { canonicalMatch, encodeCounterData, entryKey } from './canonical.ts';
import { WireWriter } from '../p4info/wire.ts';
import { longToBigInt as toBig } from '../proto/long.ts';
import { Rec, loadState, saveState, type PersistedRecord } from './persist.ts';
import { canPushPipeline, checkEntityInScope, roleScope, type RoleScope } from './roles.ts';
import type { Quirk } from './quirks.ts';

export interface Pipeline {
  model: PipelineModel;
  deviceConfig: Buffer;
  cookie: bigint | null;
}

export interface UpdateResult {
  code: number;
  message: string;
}

export interface WriteOutcome {
  results: UpdateResult[];
  failed: number;
  /** False when the batch was rolled back (or nothing applied). */
  applied: boolean;
  atomicity: string;
}

export interface TamperUpdate {
  type: UpdateType | number;
  /** Encoded p4.v1.Entity, as bytes or hex. */
  entity: Uint8Array | string;
}

export interface TrafficSpec {
  /** Table id or P4Info name. */
  table: number | string;
  /** One entry (encoded Entity with a table_entry, bytes or hex); omitted = every entry of the table. */
  entity?: Uint8Array | string;
  packets: number;
  bytes: number;
}

export interface Snapshot {
  deviceId: string;
  pipeline: boolean;
  cookie: string | null;
  /** Table name → canonical Entity bytes (hex), sorted. */
  tables: Record<string, string[]>;
  defaults: Record<string, string>;
  members: Record<string, string[]>;
  groups: Record<string, string[]>;
  /** Table name → entity hex → counter, for entries whose counters are not zero. */
  counters: Record<string, Record<string, { packets: number; bytes: number }>>;
}

const ATOMICITY = ['CONTINUE_ON_ERROR', 'ROLLBACK_ON_ERROR', 'DATAPLANE_ATOMIC'];
const PIPELINE_ACTIONS = ['UNSPECIFIED', 'VERIFY', 'VERIFY_AND_SAVE', 'VERIFY_AND_COMMIT', 'COMMIT', 'RECONCILE_AND_COMMIT'];

const hexOf = (v: Uint8Array | string): Buffer =>
  typeof v === 'string' ? Buffer.from(v.replace(/^0x/, ''), 'hex') : Buffer.from(v.buffer, v.byteOffset, v.length);

/** Thrown out of a Write by crashAtUpdate: the server cuts every connection and answers nothing. */
export class TargetCrash extends Error {
  constructor() {
    super('target crashed mid-Write (crashAtUpdate)');
  }
}

export class TargetState {
  pipeline?: Pipeline;
  saved?: Pipeline;
  readonly store = new Store();
  readonly arbitration: Arbitration;
  private failures: Array<{ remaining: number; code: number; message: string; crash?: boolean }> = [];
  /** Behaviours of real targets this one emulates (see quirks.ts); set by startTarget. */
  readonly quirks = new Set<Quirk>();

  constructor(
    readonly deviceId: bigint,
    private log: Logger,
    private persistFile?: string,
  ) {
    this.arbitration = new Arbitration(() => this.deviceId, log);
  }

  checkDevice(deviceId: unknown): void {
    const d = toBig(deviceId);
    if (d !== this.deviceId) throw notFound(`device id ${d} is not known (this target is device ${this.deviceId})`);
  }

  requirePipeline(): Pipeline {
    if (!this.pipeline) throw precondition('no forwarding pipeline config has been set');
    return this.pipeline;
  }

  // ---- pipeline -------------------------------------------------------------

  /** Installs a pipeline and clears (or, reconciling, re-validates) the forwarding state. */
  commit(p: Pipeline, reconcile = false): void {
    const old = this.pipeline;
    const keep = reconcile && old ? [...this.entityRecordsGen()] : [];
    this.pipeline = p;
    this.store.clear();
    for (const t of p.model.tables.values()) this.store.defaults.set(t.id, initialDefault(p.model, t));
    if (keep.length) {
      const same = old!.model.bytes.equals(p.model.bytes);
      const dropped = this.replay(keep);
      this.log.info('pipeline reconciled', { same, kept: keep.length - dropped, dropped });
    }
  }

  /** The request's role name as this target understands it ('' under api-1.3, which had no role names). */
  roleOf(req: { role?: string }): string {
    return this.quirks.has('api-1.3') ? '' : req.role ?? '';
  }

  /**
   * The scope a request naming `role` is limited to; undefined = the whole
   * pipeline: the default role, a role whose clients gave no config, and a
   * role no client has arbitrated for (nothing is known to limit it, and a
   * Read naming no role sees everything anyway — roles partition writes, they
   * are not a secret).
   */
  scopeOf(role: string, model: PipelineModel): RoleScope | undefined {
    if (!role) return undefined;
    const desc = this.arbitration.roleDescription(role);
    return desc ? roleScope(model, role, desc) : undefined;
  }

  setPipeline(req: any): void {
    this.checkDevice(req.device_id);
    const role = this.roleOf(req);
    if (!this.arbitration.isPrimary(role, req.election_id ? uint128(req.election_id) : null)) {
      throw new TargetError(Code.PERMISSION_DENIED, `SetForwardingPipelineConfig: election id is not the primary's for role '${role}'`);
    }
    // The pipeline is the whole device's: only the default role's primary may replace it (spec §5.3, roles),
    // or, as on Stratum, a role whose stratum.P4RoleConfig says can_push_pipeline.
    if (role && !canPushPipeline(this.arbitration.roleDescription(role))) {
      throw new TargetError(Code.PERMISSION_DENIED, `SetForwardingPipelineConfig: only the primary of the default role (or of a role whose stratum.P4RoleConfig has can_push_pipeline) may set the pipeline, not role '${role}'`);
    }
    const action = PIPELINE_ACTIONS[req.action ?? 0] ?? 'UNSPECIFIED';
    if (action === 'UNSPECIFIED') throw invalid('SetForwardingPipelineConfig: action is unspecified');
    if (action === 'COMMIT') {
      if (!this.saved) throw precondition('COMMIT: no config was saved with VERIFY_AND_SAVE');
      this.commit(this.saved);
      this.saved = undefined;
    } else {
      const cfg = req.config;
      if (!cfg?.p4info) throw invalid(`${action}: config.p4info is required`);
      const bytes = Buffer.from(protoType('p4.config.v1.P4Info').encode(cfg.p4info).finish());
      const p: Pipeline = {
        model: new PipelineModel(bytes),
        deviceConfig: Buffer.from(cfg.p4_device_config ?? []),
        cookie: cfg.cookie ? toBig(cfg.cookie.cookie) : null,
      };
      if (action === 'VERIFY') return;
      if (action === 'VERIFY_AND_SAVE') this.saved = p;
      else this.commit(p, action === 'RECONCILE_AND_COMMIT');
    }
    this.log.info('pipeline set', { action, cookie: this.pipeline?.cookie ?? null, tables: this.pipeline?.model.tables.size });
    this.persist();
  }

  /** Encoded GetForwardingPipelineConfigResponse honouring response_type. */
  getPipeline(req: any): Buffer {
    this.checkDevice(req.device_id);
    const p = this.pipeline;
    const rt = req.response_type ?? 0;
    const w = new WireWriter(1024);
    const cfg = w.begin(1);
    if (p) {
      if (rt === 0 || rt === 2) w.bytesField(1, p.model.bytes);
      if ((rt === 0 || rt === 3) && p.deviceConfig?.length) w.bytesField(2, p.deviceConfig);
      if (p.cookie !== null) w.bytesField(3, new WireWriter(16).int64Field(1, p.cookie).view());
    }
    return w.end(cfg).view();
  }

  // ---- write ----------------------------------------------------------------

  write(req: any): WriteOutcome {
    this.checkDevice(req.device_id);
    const role = this.roleOf(req);
    if (!this.arbitration.isPrimary(role, req.election_id ? uint128(req.election_id) : null)) {
      throw new TargetError(Code.PERMISSION_DENIED, `Write: election id is not the primary's for role '${role}'`);
    }
    const { model } = this.requirePipeline();
    const atomicity = ATOMICITY[req.atomicity ?? 0] ?? 'CONTINUE_ON_ERROR';
    if (atomicity !== 'CONTINUE_ON_ERROR' && this.quirks.has('no-atomic')) {
      throw new TargetError(Code.UNIMPLEMENTED, `Write: atomicity ${atomicity} is not supported by this target (only CONTINUE_ON_ERROR)`);
    }
    const scope = this.scopeOf(role, model);
    return this.applyBatch(req.updates ?? [], atomicity, true, scope);
  }

  /** `entity` may be a function decoding it on demand, so big tampers never hold every decoded object at once. */
  private applyBatch(updates: ArrayLike<{ type: unknown; entity: any }>, atomicity: string, hooks: boolean, scope?: RoleScope): WriteOutcome {
    const { model } = this.requirePipeline();
    const allOrNone = atomicity !== 'CONTINUE_ON_ERROR';
    const undos: Undo[] = [];
    const results: UpdateResult[] = [];
    let failed = 0;
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      try {
        if (hooks) this.injectedFailure();
        const entity = typeof u.entity === 'function' ? u.entity() : u.entity;
        const type = updateType(u.type);
        if (scope) checkEntityInScope(model, scope, entity);
        if (hooks && type === 'MODIFY' && this.quirks.has('no-modify')) {
          throw new TargetError(Code.UNIMPLEMENTED, 'MODIFY is not supported by this target: DELETE and INSERT instead');
        }
        const undo = applyUpdate(model, this.store, type, entity, allOrNone);
        if (allOrNone) undos.push(undo);
        // A MODIFY or DELETE reaches a hidden entry: from then on the switch agrees with itself about it.
        if (this.hidden.size && type !== 'INSERT' && entity.table_entry) this.hidden.delete(this.hiddenKey(model, entity.table_entry));
        results.push({ code: Code.OK, message: '' });
      } catch (err) {
        if (err instanceof TargetCrash) throw err;
        const e = asTargetError(err);
        if (e.grpcCode === Code.INTERNAL) this.log.error('update failed unexpectedly', { err });
        failed++;
        results.push({ code: e.grpcCode, message: e.message });
      }
    }
    let applied = failed < updates.length;
    if (allOrNone && failed) {
      for (let i = undos.length - 1; i >= 0; i--) undos[i]!();
      for (const r of results) {
        if (r.code === Code.OK) Object.assign(r, { code: Code.ABORTED, message: `not applied: batch rolled back (${atomicity})` });
      }
      applied = false;
    }
    if (applied) this.persist();
    return { results, failed, applied, atomicity };
  }

  private injectedFailure(): void {
    for (const f of this.failures) f.remaining--;
    const hit = this.failures.find((f) => f.remaining === 0);
    this.failures = this.failures.filter((f) => f.remaining > 0);
    if (hit?.crash) throw new TargetCrash();
    if (hit) throw new TargetError(hit.code, hit.message || `injected failure (${codeName(hit.code)})`);
  }

  // ---- read -----------------------------------------------------------------

  /** ReadResponse messages for `req`, each at most `maxChunk` bytes, in batches as they fill. */
  *read(req: any, maxChunk: number): Generator<Buffer[]> {
    this.checkDevice(req.device_id);
    const { model } = this.requirePipeline();
    const scope = this.scopeOf(this.roleOf(req), model);
    const out = new Chunker(maxChunk);
    for (const e of req.entities ?? []) {
      for (const _ of readEntity({ model, store: this.store, scope, hidden: this.hidden }, e, out)) {
        const ready = out.take();
        if (ready.length) yield ready;
      }
    }
    out.flush();
    const rest = out.take();
    if (rest.length) yield rest;
  }

  // ---- test hooks -------------------------------------------------------------

  /** `tableId/key` of entries Read does not return (hideFromRead). */
  private readonly hidden = new Set<string>();

  private hiddenKey(model: PipelineModel, te: any): string {
    const table = model.table(te.table_id);
    return `${table.id}/${entryKey(canonicalMatch(table, te.match), te.priority ?? 0)}`;
  }

  /**
   * Makes the switch disagree with itself, as BMv2 does after its Thrift CLI
   * clears a table: these entries (which must exist) stay in its bookkeeping —
   * an INSERT of one is ALREADY_EXISTS — but Read no longer returns them,
   * until a MODIFY or DELETE of the entry reaches it.
   */
  hideFromRead(entities: Array<Uint8Array | string>): number {
    const { model } = this.requirePipeline();
    for (const bytes of entities) {
      const e: any = protoType('p4.v1.Entity').decode(hexOf(bytes));
      if (!e.table_entry) throw invalid('hideFromRead: entity is not a table entry');
      const table = model.table(e.table_entry.table_id);
      const key = entryKey(canonicalMatch(table, e.table_entry.match), e.table_entry.priority ?? 0);
      if (!this.store.tables.get(table.id)?.has(key)) throw notFound(`hideFromRead: ${table.name} has no such entry`);
      this.hidden.add(`${table.id}/${key}`);
    }
    return this.hidden.size;
  }

  /** The `nth` update from now (1 = the next one) fails with `code`. */
  failUpdate(opts: { nth: number; code: number | string; message?: string }): void {
    if (!(opts.nth >= 1)) throw invalid('failUpdate: nth must be >= 1');
    this.failures.push({ remaining: opts.nth, code: parseCode(opts.code), message: opts.message ?? '' });
  }

  /**
   * The switch dies on reaching the `nth` update from now: the updates before
   * it in that Write stay applied, the Write is never answered, and every
   * connection is cut (server.ts) — a switch that loses power mid-Write.
   */
  crashAtUpdate(opts: { nth: number }): void {
    if (!(opts.nth >= 1)) throw invalid('crashAtUpdate: nth must be >= 1');
    this.failures.push({ remaining: opts.nth, code: Code.UNAVAILABLE, message: 'crashed', crash: true });
  }

  /** Applies updates as if another client wrote them: validated, but without arbitration or injected failures. */
  tamper(updates: TamperUpdate[]): UpdateResult[] {
    const Entity = protoType('p4.v1.Entity');
    const decode = (bytes: Uint8Array | string) => () => {
      try {
        return Entity.decode(hexOf(bytes));
      } catch (err) {
        throw invalid(`entity does not decode as p4.v1.Entity: ${(err as Error).message}`);
      }
    };
    const lazy = updates.map((u) => ({ type: u.type, entity: decode(u.entity) }));
    return this.applyBatch(lazy, 'CONTINUE_ON_ERROR', false).results;
  }

  simulateTraffic(spec: TrafficSpec): number {
    const { model } = this.requirePipeline();
    const table = typeof spec.table === 'number' ? model.table(spec.table) : [...model.tables.values()].find((t) => t.name === spec.table);
    if (!table) throw notFound(`table ${spec.table} is not in the P4Info`);
    if (!table.directCounterId) throw invalid(`${table.name}: has no direct counter`);
    const entries = this.store.tables.get(table.id) ?? new Map<string, string>();
    let keys: Iterable<string> = entries.keys();
    if (spec.entity !== undefined) {
      const e: any = protoType('p4.v1.Entity').decode(hexOf(spec.entity));
      if (!e.table_entry) throw invalid('simulateTraffic: entity is not a table entry');
      const key = entryKey(canonicalMatch(table, e.table_entry.match), e.table_entry.priority ?? 0);
      if (!entries.has(key)) throw notFound(`${table.name}: no such entry`);
      keys = [key];
    }
    const counters = Store.sub(this.store.counters, table.id);
    let n = 0;
    for (const k of keys) {
      const c = counters.get(k) ?? { packets: 0, bytes: 0 };
      c.packets += spec.packets;
      c.bytes += spec.bytes;
      counters.set(k, c);
      n++;
    }
    return n;
  }

  snapshot(): Snapshot {
    const p = this.pipeline;
    const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
    const snap: Snapshot = { deviceId: String(this.deviceId), pipeline: !!p, cookie: p?.cookie != null ? String(p.cookie) : null, tables: {}, defaults: {}, members: {}, groups: {}, counters: {} };
    if (!p) return snap;
    for (const t of p.model.tables.values()) {
      const entries = this.store.tables.get(t.id);
      snap.tables[t.name] = entries ? [...entries.values()].map(hex).sort() : [];
      const d = this.store.defaults.get(t.id);
      if (d) snap.defaults[t.name] = hex(d);
      const counters = this.store.counters.get(t.id);
      for (const [k, c] of counters ?? []) {
        if (!c.packets && !c.bytes) continue;
        (snap.counters[t.name] ??= {})[hex(entries!.get(k)!)] = { ...c };
      }
    }
    for (const ap of p.model.profiles.values()) {
      snap.members[ap.name] = [...(this.store.members.get(ap.id)?.values() ?? [])].map(hex).sort();
      snap.groups[ap.name] = [...(this.store.groups.get(ap.id)?.values() ?? [])].map((g) => hex(g.entity)).sort();
    }
    return snap;
  }

  /** Empties every table (keeping the pipeline unless `pipeline`) and forgets injected failures. */
  reset(opts: { pipeline?: boolean } = {}): void {
    this.failures = [];
    this.hidden.clear();
    if (opts.pipeline) {
      this.pipeline = undefined;
      this.saved = undefined;
      this.store.clear();
    } else if (this.pipeline) this.commit(this.pipeline);
    this.persist();
  }

  // ---- persistence ------------------------------------------------------------

  /** Every entity as persisted: members, groups, entries (with counters and meters), defaults. */
  private *entityRecordsGen(): Generator<PersistedRecord> {
    const s = this.store;
    for (const m of s.members.values()) for (const e of m.values()) yield [Rec.MEMBER, e];
    for (const g of s.groups.values()) for (const e of g.values()) yield [Rec.GROUP, e.entity];
    for (const [tid, entries] of s.tables) {
      const counters = s.counters.get(tid);
      const meters = s.meters.get(tid);
      for (const [k, e] of entries) {
        const c = counters?.get(k);
        const m = meters?.get(k);
        yield [Rec.TABLE_ENTRY, c || m ? withResources(e, m, c ? encodeCounterData(c.bytes, c.packets) : undefined) : e];
      }
    }
    for (const d of s.defaults.values()) yield [Rec.DEFAULT_ENTRY, d];
  }

  /** Re-applies persisted entities through full validation; returns how many were refused. */
  private replay(records: PersistedRecord[]): number {
    const { model } = this.requirePipeline();
    const Entity = protoType('p4.v1.Entity');
    let dropped = 0;
    for (const [kind, bytes] of records) {
      const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
      try {
        const entity: any = Entity.decode(buf);
        if (kind === Rec.DEFAULT_ENTRY) {
          if (model.tables.get(entity.table_entry?.table_id)?.constDefaultActionId) continue;
          applyUpdate(model, this.store, 'MODIFY', entity, false);
        } else applyUpdate(model, this.store, 'INSERT', entity, false);
      } catch (err) {
        dropped++;
        this.log.warn('entity dropped while restoring state', { err: asTargetError(err).message });
      }
    }
    return dropped;
  }

  persist(): void {
    if (!this.persistFile) return;
    const recs: PersistedRecord[] = [];
    const cookie = (c: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(c); return b; };
    if (this.pipeline) {
      recs.push([Rec.P4INFO, this.pipeline.model.bytes], [Rec.DEVICE_CONFIG, this.pipeline.deviceConfig]);
      if (this.pipeline.cookie !== null) recs.push([Rec.COOKIE, cookie(this.pipeline.cookie)]);
    }
    if (this.saved) {
      recs.push([Rec.SAVED_P4INFO, this.saved.model.bytes], [Rec.SAVED_DEVICE_CONFIG, this.saved.deviceConfig]);
      if (this.saved.cookie !== null) recs.push([Rec.SAVED_COOKIE, cookie(this.saved.cookie)]);
    }
    if (this.pipeline) recs.push(...this.entityRecordsGen());
    saveState(this.persistFile, recs);
  }

  /** Loads the persist file if it exists; returns whether it did. */
  load(): boolean {
    if (!this.persistFile) return false;
    const recs = loadState(this.persistFile);
    if (!recs) return false;
    const get = (k: number) => recs.find(([kind]) => kind === k)?.[1] as Buffer | undefined;
    const pipe = (info?: Buffer, dev?: Buffer, cookie?: Buffer): Pipeline | undefined =>
      info ? { model: new PipelineModel(Buffer.from(info)), deviceConfig: Buffer.from(dev ?? []), cookie: cookie ? cookie.readBigUInt64BE() : null } : undefined;
    const committed = pipe(get(Rec.P4INFO), get(Rec.DEVICE_CONFIG), get(Rec.COOKIE));
    this.saved = pipe(get(Rec.SAVED_P4INFO), get(Rec.SAVED_DEVICE_CONFIG), get(Rec.SAVED_COOKIE));
    if (committed) {
      this.commit(committed);
      const order = [Rec.MEMBER, Rec.GROUP, Rec.TABLE_ENTRY, Rec.DEFAULT_ENTRY];
      const dropped = this.replay(order.flatMap((k) => recs.filter(([kind]) => kind === k)));
      this.log.info('state restored', { file: this.persistFile, entries: this.store.entryCount(), dropped });
    }
    return true;
  }

  /** Installs a pipeline from P4Info bytes without a client (start-up with --p4info). */
  preload(p4info: Buffer, deviceConfig = Buffer.alloc(0), cookie: bigint | null = null): void {
    this.commit({ model: new PipelineModel(p4info), deviceConfig, cookie });
  }
}
