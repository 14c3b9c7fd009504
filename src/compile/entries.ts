// Desired entries as columns, not objects. A switch holds up to a million
// entries; a million `{kind, table, key, bytes, origin}` objects with a Buffer
// and a key string each cost ~1 GiB and most of a cold compile in GC. Here
// all entity bytes live in one arena and all identity keys in another, with
// offsets, a small-int table/kind column and an index into a shared list of
// origins: a handful of objects whatever the count. An entry is materialized
// as a `DesiredEntry` only where one is looked at (plan output, errors, tests).
//
// Position i is emission order; `order` lists positions in canonical order
// (compile/order.ts: write rank, then identity key), which is what iteration
// and `at(i)` follow.
import type { DesiredEntry, EntityKind, Origin } from './types.ts';
import { writeRank } from './order.ts';
import { BytesIndex } from './bytes-index.ts';

/** Every (kind, table) pair seen in this process, by small id; stable across compiles. */
const owners: { kind: EntityKind; table: string; rank: number }[] = [];
const ownerIds = new Map<string, number>();

let last: { kind: EntityKind; table: string; id: number } = { kind: 'table_entry', table: '', id: -1 };

export function ownerId(kind: EntityKind, table: string): number {
  if (last.table === table && last.kind === kind) return last.id;
  const k = `${kind} ${table}`;
  let id = ownerIds.get(k);
  if (id === undefined) {
    id = owners.length;
    owners.push({ kind, table, rank: writeRank(kind, table) });
    ownerIds.set(k, id);
  }
  last = { kind, table, id };
  return id;
}

/** What one entry is made of when it is added. */
export interface EntryInput {
  kind: EntityKind;
  table: string;
  key: string;
  bytes: Uint8Array;
}

/** Arena bytes per entry assumed for an `expected` count: flow_classify's entity and identity key, rounded up. */
const EXPECTED_ENTITY_BYTES = 80;
const EXPECTED_KEY_BYTES = 56;

/** Arenas past this size grow 4× at a time and are sealed without a copy. */
const BIG = 1 << 20;

/**
 * An append-only byte arena. A million entries make ~120 MB of bytes and
 * keys; doubling from 64 KiB and then copying the result into a fitted
 * buffer cost a cold compile ~0.8 s of memcpy and fresh pages, and every
 * new 10–100 MB buffer counted as external memory, on which V8 runs a full
 * mark-compact of the heap every 64 MB (~0.9 s more). So a cold compile is
 * presized from its flow count, a big arena grows 4× at a time, and an arena
 * that wastes at most a quarter of its buffer is sealed as a view of it (the
 * unused tail is address space never written: no RSS, though V8 counts it as
 * external memory). One that wastes more (a bad estimate, a 4× step) is
 * copied into a fitted buffer, so a switch's entries never keep several
 * times their size alive.
 */
class Grow {
  buf: Buffer;
  len = 0;
  constructor(cap: number) {
    this.buf = Buffer.allocUnsafe(cap);
  }
  room(n: number): number {
    if (this.len + n > this.buf.length) {
      const size = this.buf.length;
      const next = Buffer.allocUnsafe(Math.max(size >= BIG ? size * 4 : size * 2, this.len + n));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  /** The bytes written: the builder's own buffer when it wastes little (`wastesLittle`), else a fitted copy. */
  trimmed(): Buffer {
    if (wastesLittle(this.buf.length, this.len)) return this.buf.subarray(0, this.len);
    const out = Buffer.allocUnsafeSlow(this.len);
    this.buf.copy(out, 0, 0, this.len);
    return out;
  }
}

function growU32(a: Uint32Array, need: number): Uint32Array {
  // (typed as the base Uint32Array so grown and sliced arrays mix)
  if (need <= a.length) return a;
  const b = new Uint32Array(Math.max(a.length * 2, need));
  b.set(a);
  return b;
}

/** At most a quarter of a big buffer unused, or at most 64 KiB plus 1/16 of a small one. */
export function wastesLittle(capacity: number, used: number): boolean {
  return capacity >= BIG ? capacity - used <= capacity >> 2 : capacity - used <= (used >> 4) + (1 << 16);
}

/** The first `n` values: a view when the column wastes little, else a fitted copy. */
function fitted(a: Uint32Array, n: number): Uint32Array {
  return wastesLittle(a.byteLength, 4 * n) ? a.subarray(0, n) : a.slice(0, n);
}

/** Collects entries (compile, a live snapshot, a read-back) and seals them into `DesiredEntries`. */
export class EntriesBuilder {
  private bytes: Grow;
  private keys: Grow;
  private offs: Uint32Array;
  private koffs: Uint32Array;
  private owner: Uint32Array;
  private org: Uint32Array;
  private readonly origins: Origin[] = [];
  private readonly originIds = new Map<Origin, number>();
  private n = 0;
  /** pushRange's arena copies not made yet: runs of adjacent ranges become one copy each (at seal). */
  private readonly pending: { src: DesiredEntries; b0: number; b1: number; at: number; k0: number; k1: number; kat: number }[] = [];

  /**
   * `like`: a previous result about this size (a recompile), so the arenas
   * are not grown by doubling; else `expected`, an estimate of the number of
   * entries (a cold compile): every arena and column starts at its likely
   * size, as growing a 100 MB arena from 64 KiB writes each byte into fresh
   * memory several times. Too high an estimate costs address space that is
   * never written (no RSS), too low one a growth.
   */
  constructor(like?: DesiredEntries, expected = 0) {
    const cap = like ? like.length + 1024 : Math.max(1024, expected + 1);
    this.bytes = new Grow(like ? like.arena.length + (1 << 16) : Math.max(1 << 16, expected * EXPECTED_ENTITY_BYTES));
    this.keys = new Grow(like ? like.keyArena.length + (1 << 16) : Math.max(1 << 16, expected * EXPECTED_KEY_BYTES));
    this.offs = new Uint32Array(cap);
    this.koffs = new Uint32Array(cap);
    this.owner = new Uint32Array(cap);
    this.org = new Uint32Array(cap);
  }

  get length(): number {
    return this.n;
  }

  private lastOrigin?: Origin;
  private lastOriginId = -1;

  private originId(o: Origin): number {
    if (o === this.lastOrigin) return this.lastOriginId;
    let id = this.originIds.get(o);
    if (id === undefined) {
      id = this.origins.length;
      this.origins.push(o);
      this.originIds.set(o, id);
    }
    this.lastOrigin = o;
    this.lastOriginId = id;
    return id;
  }

  private slot(): number {
    const i = this.n++;
    if (this.n + 1 > this.offs.length) {
      this.offs = growU32(this.offs, this.n + 1);
      this.koffs = growU32(this.koffs, this.n + 1);
      this.owner = growU32(this.owner, this.n + 1);
      this.org = growU32(this.org, this.n + 1);
    }
    return i;
  }

  push(e: EntryInput & { origin?: Origin }, origin: Origin = e.origin!): void {
    const i = this.slot();
    const at = this.bytes.room(e.bytes.length);
    this.bytes.buf.set(e.bytes, at);
    this.offs[i + 1] = this.bytes.len;
    const kat = this.keys.room(e.key.length);
    this.keys.buf.write(e.key, kat, e.key.length, 'latin1');
    this.koffs[i + 1] = this.keys.len;
    this.owner[i] = ownerId(e.kind, e.table);
    this.org[i] = this.originId(origin);
  }

  /**
   * Appends one entry of `n` entity bytes and `k` identity-key bytes, left
   * for the caller to write at `bytesBuf[bytesAt, bytesAt + n)` and
   * `keyBuf[keyAt, keyAt + k)` before the next call: the entry costs no
   * Buffer and no string (compile/exact-emit.ts). `owner` is `ownerId(kind, table)`.
   */
  reserve(owner: number, n: number, k: number, origin: Origin): void {
    const i = this.slot();
    this.bytesAt = this.bytes.room(n);
    this.offs[i + 1] = this.bytes.len;
    this.keyAt = this.keys.room(k);
    this.koffs[i + 1] = this.keys.len;
    this.owner[i] = owner;
    this.org[i] = this.originId(origin);
  }
  /** Where `reserve` put the last entry. */
  bytesAt = 0;
  keyAt = 0;
  get bytesBuf(): Buffer {
    return this.bytes.buf;
  }
  get keyBuf(): Buffer {
    return this.keys.buf;
  }

  /** Appends entries [from, to) (emission positions) of `src`, all with `origin` (a cached flow's entries). */
  pushRange(src: DesiredEntries, from: number, to: number, origin: Origin): void {
    if (to <= from) return;
    const oid = this.originId(origin);
    const b0 = src.offs[from];
    const k0 = src.koffs[from];
    const at = this.bytes.room(src.offs[to] - b0);
    const kat = this.keys.room(src.koffs[to] - k0);
    const run = this.pending[this.pending.length - 1];
    if (run && run.src === src && run.b1 === b0 && run.k1 === k0 && run.at + (run.b1 - run.b0) === at && run.kat + (run.k1 - run.k0) === kat) {
      run.b1 = src.offs[to];
      run.k1 = src.koffs[to];
    } else this.pending.push({ src, b0, b1: src.offs[to], at, k0, k1: src.koffs[to], kat });
    for (let i = from; i < to; i++) {
      const j = this.slot();
      this.offs[j + 1] = at + src.offs[i + 1] - b0;
      this.koffs[j + 1] = kat + src.koffs[i + 1] - k0;
      this.owner[j] = src.owner[i];
      this.org[j] = oid;
    }
  }

  /**
   * A builder for a patch of `src` (compile.ts patchFlows): sized like it, and
   * holding its origins under the same ids, so stretches of it are appended
   * with pushSpan as plain copies of its columns.
   */
  static patching(src: DesiredEntries): EntriesBuilder {
    const b = new EntriesBuilder(src);
    b.base = src;
    for (const o of src.originList) b.origins.push(o);
    return b;
  }
  private base?: DesiredEntries;

  /** Appends entries [from, to) (emission positions) of the builder's `patching` source, each with its own origin. */
  pushSpan(from: number, to: number): void {
    const src = this.base!;
    if (to <= from) return;
    const b0 = src.offs[from];
    const k0 = src.koffs[from];
    const at = this.bytes.room(src.offs[to] - b0);
    const kat = this.keys.room(src.koffs[to] - k0);
    this.pending.push({ src, b0, b1: src.offs[to], at, k0, k1: src.koffs[to], kat });
    const j0 = this.n;
    const count = to - from;
    this.n += count;
    if (this.n + 1 > this.offs.length) {
      this.offs = growU32(this.offs, this.n + 1);
      this.koffs = growU32(this.koffs, this.n + 1);
      this.owner = growU32(this.owner, this.n + 1);
      this.org = growU32(this.org, this.n + 1);
    }
    const db = at - b0;
    const dk = kat - k0;
    const offs = this.offs;
    const koffs = this.koffs;
    const so = src.offs;
    const sk = src.koffs;
    for (let i = from, j = j0; i < to; i++, j++) {
      offs[j + 1] = so[i + 1] + db;
      koffs[j + 1] = sk[i + 1] + dk;
    }
    this.owner.set(src.owner.subarray(from, to), j0);
    this.org.set(src.org.subarray(from, to), j0);
  }

  /**
   * The entries so far, sealed. `sorted` (default true) puts them in canonical
   * order; without it iteration follows emission order.
   */
  seal(sorted = true): DesiredEntries {
    for (const r of this.pending) {
      r.src.arena.copy(this.bytes.buf, r.at, r.b0, r.b1);
      r.src.keyArena.copy(this.keys.buf, r.kat, r.k0, r.k1);
    }
    this.pending.length = 0;
    const n = this.n;
    const arena = this.bytes.trimmed();
    const keyArena = this.keys.trimmed();
    const d = new DesiredEntries(arena, fitted(this.offs, n + 1), keyArena, fitted(this.koffs, n + 1), fitted(this.owner, n), fitted(this.org, n), this.origins);
    if (sorted) d.sortCanonical();
    return d;
  }
}

/** A sealed, read-only list of desired entries; see the top of this file. */
export class DesiredEntries implements Iterable<DesiredEntry> {
  /** Canonical position → emission position. */
  order: Uint32Array;

  /** @internal use EntriesBuilder */
  constructor(
    /** Entity bytes of every entry back to back; entry i is arena[offs[i], offs[i + 1]). */
    readonly arena: Buffer,
    readonly offs: Uint32Array,
    /** Identity keys (latin1 bytes) back to back. */
    readonly keyArena: Buffer,
    readonly koffs: Uint32Array,
    /** @internal (kind, table) ids. */
    readonly owner: Uint32Array,
    /** @internal origin ids. */
    readonly org: Uint32Array,
    private readonly origins: readonly Origin[],
  ) {
    this.order = new Uint32Array(owner.length);
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
  }

  static empty(): DesiredEntries {
    return new EntriesBuilder().seal();
  }

  static from(list: Iterable<DesiredEntry>): DesiredEntries {
    const b = new EntriesBuilder();
    for (const e of list) b.push(e, e.origin);
    return b.seal();
  }

  get length(): number {
    return this.owner.length;
  }

  /** @internal The origins by id (EntriesBuilder.patching). */
  get originList(): readonly Origin[] {
    return this.origins;
  }

  // ---- by emission position (what the diff's bytes index uses)
  bytesOf(i: number): Buffer {
    return this.arena.subarray(this.offs[i], this.offs[i + 1]);
  }
  keyOf(i: number): string {
    return this.keyArena.toString('latin1', this.koffs[i], this.koffs[i + 1]);
  }
  kindOf(i: number): EntityKind {
    return owners[this.owner[i]].kind;
  }
  tableOf(i: number): string {
    return owners[this.owner[i]].table;
  }
  originOf(i: number): Origin {
    return this.origins[this.org[i]];
  }
  entryOf(i: number): DesiredEntry {
    return { kind: this.kindOf(i), table: this.tableOf(i), key: this.keyOf(i), bytes: this.bytesOf(i), origin: this.originOf(i) };
  }

  // ---- by canonical position
  at(k: number): DesiredEntry {
    return this.entryOf(this.order[k]);
  }

  *[Symbol.iterator](): Iterator<DesiredEntry> {
    for (let k = 0; k < this.order.length; k++) yield this.at(k);
  }

  map<T>(fn: (e: DesiredEntry, k: number) => T): T[] {
    const out: T[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) out[k] = fn(this.at(k), k);
    return out;
  }
  filter(fn: (e: DesiredEntry) => boolean): DesiredEntry[] {
    const out: DesiredEntry[] = [];
    for (const e of this) if (fn(e)) out.push(e);
    return out;
  }
  find(fn: (e: DesiredEntry) => boolean): DesiredEntry | undefined {
    for (const e of this) if (fn(e)) return e;
    return undefined;
  }
  some(fn: (e: DesiredEntry) => boolean): boolean {
    return this.find(fn) !== undefined;
  }

  /**
   * Canonical order: write rank (compile/order.ts), then emission order,
   * which follows the specs (files by path, documents in file order) and so
   * is as deterministic as a key sort, without comparing a million keys.
   * A counting sort, stable.
   */
  sortCanonical(): void {
    const n = this.length;
    const ranks = new Uint8Array(n);
    const starts = new Uint32Array(9);
    for (let i = 0; i < n; i++) starts[(ranks[i] = owners[this.owner[i]].rank) + 1]++;
    for (let r = 1; r < starts.length; r++) starts[r] += starts[r - 1];
    for (let i = 0; i < n; i++) this.order[starts[ranks[i]]++] = i;
  }

  private dupKeys?: boolean;

  /** Compile's own duplicate-key check over these keys found none: hasDuplicateKeys answers without a second pass (verify). */
  markUniqueKeys(): void {
    this.dupKeys = false;
  }

  /** Whether two entries share an identity key (hashed in the key arena; no strings). Kept: keys never change once sealed. */
  hasDuplicateKeys(): boolean {
    return (this.dupKeys ??= BytesIndex.hasDuplicate(this.keyArena, this.koffs));
  }
}
