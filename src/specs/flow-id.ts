// Flow ids (P4 `flow_id`, bit<32>) derived from the tenant's public key and
// the flow's name, the way a CGA address is derived from a key: anyone holding
// the repo can recompute and verify an id, ids never depend on the order
// flows were added in, and a tenant cannot pick ids that land on another
// tenant's. Collisions inside one repo are resolved deterministically by a
// counter byte and reported; an id is never silently shared. See docs/flow-ids.md.
import * as crypto from 'node:crypto';
import { FlowopsError, SpecError } from '../shared/errors.ts';
import { Codes } from './codes.ts';
import type { Flow, Tenant } from './schema.ts';
import { specKey, type Located, type SpecSet } from './spec-set.ts';

export const FLOW_ID_DOMAIN = 'flowops/flow-id/v1';
const DOMAIN_BYTES = new TextEncoder().encode(FLOW_ID_DOMAIN);
const MAX_COUNTER = 255;
/** The hash input of flowIdCandidate, built in place: domain, key, name, counter. */
const SCRATCH = Buffer.alloc(4096);
SCRATCH.set(DOMAIN_BYTES, 0);
/** The first 4 bytes of SHA-512(msg) as an unsigned number: node:crypto's one-shot `hash` where it has one (Node ≥ 20.12). */
const firstWord: (msg: Uint8Array) => number =
  typeof crypto.hash === 'function'
    ? (msg) => {
        const hex = crypto.hash('sha512', msg, 'hex');
        let v = 0;
        for (let i = 0; i < 8; i++) {
          const c = hex.charCodeAt(i);
          v = v * 16 + (c <= 57 ? c - 48 : c - 87); // lowercase hex
        }
        return v;
      }
    : (msg) => crypto.createHash('sha512').update(msg).digest().readUInt32BE(0);

/**
 * Non-zero 32-bit ids by open addressing: 10^5 ids in a Map or Set are heap
 * numbers hashed and compared one by one; these are hash outputs already, so
 * their low bits are the slot.
 */
class IdTable<V> {
  private keys: Uint32Array;
  private vals: (V | undefined)[];
  private mask: number;
  size = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Uint32Array(cap);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  private slot(id: number): number {
    const keys = this.keys;
    let p = (id ^ (id >>> 16)) & this.mask;
    while (keys[p] !== 0 && keys[p] !== id) p = (p + 1) & this.mask;
    return p;
  }

  get(id: number): V | undefined {
    return this.vals[this.slot(id)];
  }

  has(id: number): boolean {
    return this.keys[this.slot(id)] === id;
  }

  /** Sets `id` (non-zero); returns false when it was there already (the value is replaced). */
  set(id: number, v: V): boolean {
    let p = this.slot(id);
    const fresh = this.keys[p] !== id;
    if (fresh) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        p = this.slot(id);
      }
      this.keys[p] = id;
      this.size++;
    }
    this.vals[p] = v;
    return fresh;
  }

  delete(id: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let p = this.slot(id);
    if (keys[p] !== id) return false;
    // Backward-shift deletion: later entries of the probe run move up, so no tombstones.
    for (let q = (p + 1) & mask; keys[q] !== 0; q = (q + 1) & mask) {
      const home = (keys[q]! ^ (keys[q]! >>> 16)) & mask;
      if (((q - home) & mask) >= ((q - p) & mask)) {
        keys[p] = keys[q]!;
        this.vals[p] = this.vals[q];
        p = q;
      }
    }
    keys[p] = 0;
    this.vals[p] = undefined;
    this.size--;
    return true;
  }

  clear(): void {
    this.keys.fill(0);
    this.vals.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Array<V | undefined>(keys.length * 2).fill(undefined);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.set(keys[i]!, vals[i]!);
  }
}

/** A set of non-zero 32-bit ids (IdTable without values). */
export class IdSet {
  private readonly table: IdTable<true>;
  constructor(expected = 0) {
    this.table = new IdTable(expected);
  }
  /** Adds `id`; false when it was there already. */
  add(id: number): boolean {
    return this.table.set(id, true);
  }
  has(id: number): boolean {
    return this.table.has(id);
  }
  delete(id: number): boolean {
    return this.table.delete(id);
  }
  get size(): number {
    return this.table.size;
  }
}

export interface FlowIdOptions {
  /** Id width in bits (default 32, the P4 field). Tests shrink it to force collisions. */
  bits?: number;
  /** SHA-512 replacement, for tests only. */
  hash?: (message: Uint8Array) => Uint8Array;
}

export interface FlowId {
  id: number;
  /** The counter byte that produced `id` (0 unless the flow lost a collision). */
  counter: number;
}

/** The id a flow named `tenant/flow` would get with `counter` (0 is possible here; callers skip it). */
export function flowIdCandidate(publicKey: Uint8Array, name: string, counter: number, opts: FlowIdOptions = {}): number {
  const bits = opts.bits ?? 32;
  if (publicKey.length !== 32) throw new FlowopsError('FLOW_ID_KEY', `public key must be 32 bytes, got ${publicKey.length}`);
  if (!opts.hash && publicKey.length + name.length * 3 + DOMAIN_BYTES.length < SCRATCH.length - 1) {
    // 10^5 flows: one scratch buffer and node's one-shot hash (3× createHash().update().digest() per id).
    SCRATCH.set(publicKey, DOMAIN_BYTES.length);
    const end = DOMAIN_BYTES.length + 32 + SCRATCH.write(name, DOMAIN_BYTES.length + 32, 'utf8');
    SCRATCH[end] = counter;
    const first32 = firstWord(SCRATCH.subarray(0, end + 1));
    return bits === 32 ? first32 : first32 >>> (32 - bits);
  }
  const nameBytes = new TextEncoder().encode(name);
  const msg = new Uint8Array(DOMAIN_BYTES.length + 32 + nameBytes.length + 1);
  msg.set(DOMAIN_BYTES, 0);
  msg.set(publicKey, DOMAIN_BYTES.length);
  msg.set(nameBytes, DOMAIN_BYTES.length + 32);
  msg[msg.length - 1] = counter;
  const digest = opts.hash ? opts.hash(msg) : crypto.createHash('sha512').update(msg).digest();
  const first32 = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return bits === 32 ? first32 : first32 >>> (32 - bits);
}

/**
 * Whether `id` is a valid id for the flow `name` (`tenant/flow`) under
 * `publicKey`: returns the counter that produces it, or undefined.
 */
export function verifyFlowId(publicKey: Uint8Array, name: string, id: number, opts: FlowIdOptions = {}): number | undefined {
  if (id === 0) return undefined;
  for (let counter = 0; counter <= MAX_COUNTER; counter++) {
    if (flowIdCandidate(publicKey, name, counter, opts) === id) return counter;
  }
  return undefined;
}

/** Flow ids keyed by `tenant/name`, plus the collisions that moved some of them. */
export class FlowIds extends Map<string, FlowId> {
  readonly warnings: SpecError[] = [];
  /** @internal Every id, when every flow has counter 0: kept for patchFlowIds, handed on to the patched ids. */
  taken?: IdSet;

  /** The id of a flow; throws if the flow had none (unknown tenant: the specs were invalid). */
  idOf(flow: Flow): number {
    return this.idOfKey(specKey(flow));
  }

  /** The id of the flow `tenant/name` (its specKey). */
  idOfKey(key: string): number {
    const got = this.get(key);
    if (!got) throw new FlowopsError('FLOW_ID_MISSING', `no flow id for ${key}`, { flow: key });
    return got.id;
  }
}

/**
 * Ids for every flow whose tenant is known. Flows are taken in `tenant/name`
 * order (code-unit order, locale-free); each takes the first counter whose id
 * is non-zero and not yet taken, so the flow that sorts first keeps counter 0.
 */
export function assignFlowIds(specs: Pick<SpecSet, 'tenants' | 'flows'>, opts: FlowIdOptions = {}): FlowIds {
  // loadSpecs and compile both ask for the ids of one SpecSet: compute them once.
  // Keyed by the very arrays (a filtered or edited list is a new array).
  const memo = opts.bits === undefined && opts.hash === undefined;
  if (memo) {
    const hit = remembered.get(specs.flows);
    if (hit && hit.tenants === specs.tenants) return hit.ids;
  }
  const ids = computeFlowIds(specs, opts);
  if (memo) remembered.set(specs.flows, { tenants: specs.tenants, ids });
  return ids;
}

const remembered = new WeakMap<object, { tenants: object; ids: FlowIds }>();

/**
 * The ids of `specs` from those of `prev`, a spec set with the same tenants
 * whose flows differ by `removed` and `added`, when every flow of `prev` has
 * counter 0 and every added flow's counter-0 id is non-zero and free: then no
 * flow contends and each keeps counter 0, as assignFlowIds would give (map
 * order aside). The ids of `prev` are moved, not copied (10^5 of them): they
 * are `prev`'s no more, and assignFlowIds computes them afresh if asked.
 * Undefined when some flow would contend: assign them afresh.
 */
export function patchFlowIds(specs: Pick<SpecSet, 'tenants' | 'flows'>, prev: Pick<SpecSet, 'flows'>, removed: readonly Flow[], added: readonly Flow[]): FlowIds | undefined {
  const had = remembered.get(prev.flows);
  remembered.delete(prev.flows);
  const ids = had?.tenants === specs.tenants ? had.ids : undefined;
  if (!ids || ids.warnings.length) return undefined;
  let taken = ids.taken;
  if (!taken) {
    taken = new IdSet(ids.size);
    for (const v of ids.values()) {
      if (v.counter !== 0) return undefined;
      taken.add(v.id);
    }
    ids.taken = taken;
  }
  for (const f of removed) {
    const name = specKey(f);
    const was = ids.get(name);
    if (!was) continue;
    taken.delete(was.id);
    ids.delete(name);
  }
  const keys: TenantKeys = new Map();
  for (const t of specs.tenants as Tenant[]) keys.set(t.metadata.name, { b64: t.spec.publicKey, bytes: Buffer.from(t.spec.publicKey, 'base64') });
  for (const f of added) {
    const key = keys.get(f.metadata.tenant);
    if (!key) continue;
    const name = specKey(f);
    const id = candidate(key, name, 0, {});
    if (id === 0 || !taken.add(id)) return undefined;
    ids.set(name, firstId(id));
  }
  remembered.set(specs.flows, { tenants: specs.tenants, ids });
  return ids;
}

/**
 * Counter-0 ids already hashed, by public key (base64 text) then `tenant/name`:
 * the exact inputs of the hash, so a hit is the number a new hash would give.
 * A commit that changes one flow file hashes only that file's flows again.
 * Bounded: dropped when it outgrows a few commits of the largest repository.
 */
let firstIds = new Map<string, Map<string, number>>();
let firstIdCount = 0;
const MAX_FIRST_IDS = 1 << 20;

let lastB64: string | undefined;
let lastByName: Map<string, number> | undefined;

function candidate(key: { b64: string; bytes: Uint8Array }, name: string, counter: number, opts: FlowIdOptions): number {
  if (counter !== 0 || opts.bits !== undefined || opts.hash !== undefined) return flowIdCandidate(key.bytes, name, counter, opts);
  // Flows come in tenant order: the last tenant's map, not a lookup per flow.
  let byName = key.b64 === lastB64 ? lastByName : firstIds.get(key.b64);
  let id = byName?.get(name);
  if (id === undefined) {
    id = flowIdCandidate(key.bytes, name, 0, opts);
    if (firstIdCount >= MAX_FIRST_IDS) {
      firstIds = new Map();
      firstIdCount = 0;
      byName = undefined;
    }
    if (!byName) firstIds.set(key.b64, (byName = new Map()));
    byName.set(name, id);
    firstIdCount++;
  }
  lastB64 = key.b64;
  lastByName = byName;
  return id;
}

/** `{ id, counter: 0 }`, frozen and shared: 10^5 flows make no new objects when their ids are the same as before. */
const firstIdObjects = new IdTable<FlowId>(1 << 12);
function firstId(id: number): FlowId {
  let v = firstIdObjects.get(id);
  if (!v) {
    if (firstIdObjects.size >= MAX_FIRST_IDS) firstIdObjects.clear();
    firstIdObjects.set(id, (v = Object.freeze({ id, counter: 0 })));
  }
  return v;
}

type TenantKeys = Map<string, { b64: string; bytes: Uint8Array }>;

/**
 * When every flow's counter-0 id is non-zero and no two are equal, each flow
 * keeps counter 0 whatever the order they are taken in: the sorted walk below
 * would give the same ids and no warnings. Undefined as soon as one contends.
 */
function uncontested(flows: readonly Flow[], keys: TenantKeys, opts: FlowIdOptions): FlowIds | undefined {
  const out = new FlowIds();
  const taken = new IdSet(flows.length);
  let tenant: string | undefined;
  let key: TenantKeys extends Map<string, infer K> ? K | undefined : never;
  for (const flow of flows) {
    // Flows come sorted by tenant: one lookup per tenant.
    if (flow.metadata.tenant !== tenant) {
      tenant = flow.metadata.tenant;
      key = keys.get(tenant);
    }
    if (!key) continue;
    const name = specKey(flow);
    const id = candidate(key, name, 0, opts);
    if (id === 0 || !taken.add(id)) return undefined;
    out.set(name, firstId(id));
  }
  out.taken = taken;
  return out;
}

function computeFlowIds(specs: Pick<SpecSet, 'tenants' | 'flows'>, opts: FlowIdOptions): FlowIds {
  const keys: TenantKeys = new Map();
  for (const t of specs.tenants as Tenant[]) keys.set(t.metadata.name, { b64: t.spec.publicKey, bytes: Buffer.from(t.spec.publicKey, 'base64') });
  const fast = uncontested(specs.flows, keys, opts);
  if (fast) return fast;
  // Names made once per flow, not twice per comparison.
  const flows = specs.flows.map((flow) => ({ flow, name: specKey(flow) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const owner = new Map<number, string>();
  const out = new FlowIds();
  for (const { flow, name } of flows) {
    const key = keys.get(flow.metadata.tenant);
    if (!key) continue;
    const lostTo: string[] = [];
    let assigned: FlowId | undefined;
    for (let counter = 0; counter <= MAX_COUNTER && !assigned; counter++) {
      const id = candidate(key, name, counter, opts);
      if (id === 0) continue;
      const holder = owner.get(id);
      if (holder !== undefined) {
        lostTo.push(holder);
        continue;
      }
      assigned = { id, counter };
    }
    if (!assigned) {
      throw new FlowopsError('FLOW_ID_EXHAUSTED', `no free flow id for ${name} after ${MAX_COUNTER + 1} counters`, { flow: name });
    }
    owner.set(assigned.id, name);
    out.set(name, assigned);
    if (lostTo.length) {
      const located = flow as Partial<Located<Flow>>;
      const pos = located.source?.at('metadata.name') ?? { file: '', line: 0, col: 0 };
      out.warnings.push(
        new SpecError(
          Codes.flowIdCollision,
          pos,
          'metadata.name',
          `flow id collides with ${[...new Set(lostTo)].join(', ')}; using counter ${assigned.counter} (id 0x${assigned.id.toString(16).padStart(8, '0')})`,
          { flow: name, ...assigned, collidesWith: [...new Set(lostTo)] },
        ),
      );
    }
  }
  return out;
}

