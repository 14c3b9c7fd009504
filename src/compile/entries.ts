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
/** Write rank by owner id (sortCanonical reads it a million times). */
let ownerRanks = new Uint8Array(64);

let last: { kind: EntityKind; table: string; id: number } = { kind: 'table_entry', table: '', id: -1 };

export function ownerId(kind: EntityKind, table: string): number {
  if (last.table === table && last.kind === kind) return last.id;
  const k = `${kind} ${table}`;
  let id = ownerIds.get(k);
  if (id === undefined) {
    id = owners.length;
    owners.push({ kind, table, rank: writeRank(kind, table) });
    ownerIds.set(k, id);
    if (id >= ownerRanks.length) {
      const more = new Uint8Array(ownerRanks.length * 2);
      more.set(ownerRanks);
      ownerRanks = more;
    }
    ownerRanks[id] = owners[id].rank;
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
  trimmed(exact = false): Buffer {
    if (!exact && wastesLittle(this.buf.length, this.len)) return this.buf.subarray(0, this.len);
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

/**
 * An arena that is not one buffer: bytes [at[r], at[r + 1]) of it are
 * bufs[r][from[r], …). A patch (compile.ts patchFlows) keeps the unchanged
 * stretches of the entries it starts from where they are, in the arena they
 * were compiled into, and writes only the added flows' bytes: a one-flow
 * change at 10^6 entries writes kilobytes, not ~120 MB of fresh pages (whose
 * first touch, and the full mark V8 starts for that much new external memory,
 * were most of its time). No entry straddles two pieces.
 */
export class Pieces {
  private last = 0;
  /** `at` holds one more value than `bufs`: the arena's length. */
  constructor(
    readonly at: readonly number[],
    readonly bufs: readonly Buffer[],
    readonly from: readonly number[],
  ) {}

  get length(): number {
    return this.at[this.at.length - 1];
  }

  /** The piece holding byte `v` (v < length). Sequential lookups hit the last piece or the next. */
  find(v: number): number {
    const at = this.at;
    let r = this.last;
    if (at[r] <= v && v < at[r + 1]) return r;
    r++;
    if (r < this.bufs.length && at[r] <= v && v < at[r + 1]) return (this.last = r);
    let lo = 0;
    let hi = this.bufs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (at[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    return (this.last = lo);
  }

  /** Bytes [s, e), which lie in one piece (an entry, a key), as a view. */
  view(s: number, e: number): Buffer {
    if (e <= s) return EMPTY;
    const r = this.find(s);
    const p = this.from[r] + s - this.at[r];
    return this.bufs[r].subarray(p, p + e - s);
  }

  /** The longest stretch of [s, e) from `s` that lies in one piece, as a view. */
  chunk(s: number, e: number): Buffer {
    const r = this.find(s);
    const p = this.from[r] + s - this.at[r];
    return this.bufs[r].subarray(p, p + Math.min(e, this.at[r + 1]) - s);
  }

  /** Copies bytes [s, e) into `into` at `to`. */
  copy(s: number, e: number, into: Uint8Array, to: number): void {
    while (s < e) {
      const c = this.chunk(s, e);
      into.set(c, to);
      s += c.length;
      to += c.length;
    }
  }

  /** Bytes of distinct buffers held (what the pieces keep alive: whole underlying buffers, each counted once). */
  held(): number {
    const seen = new Set<ArrayBufferLike>();
    let n = 0;
    for (const b of this.bufs) {
      if (seen.has(b.buffer)) continue;
      seen.add(b.buffer);
      n += b.buffer.byteLength;
    }
    return n;
  }
}

const EMPTY = Buffer.alloc(0);

/** Pieces made in arena order (EntriesBuilder.patching); `null` stands for the builder's own buffer until it is sealed. */
class PieceList {
  readonly at: number[] = [];
  readonly bufs: (Buffer | null)[] = [];
  readonly from: number[] = [];

  /** Arena bytes [v, v + n) are buf[p, p + n); v is where the last piece ends. */
  add(v: number, buf: Buffer | null, p: number, n: number): void {
    if (n <= 0) return;
    const k = this.bufs.length - 1;
    if (k >= 0 && this.bufs[k] === buf && this.from[k] + (v - this.at[k]) === p) return; // the last piece goes on
    this.at.push(v);
    this.bufs.push(buf);
    this.from.push(p);
  }

  /** Arena bytes [s, e) of `src` appended at `v`. */
  addFrom(v: number, src: Buffer | Pieces, s: number, e: number): void {
    if (!(src instanceof Pieces)) return this.add(v, src, s, e - s);
    while (s < e) {
      const r = src.find(s);
      const n = Math.min(e, src.at[r + 1]) - s;
      this.add(v, src.bufs[r], src.from[r] + s - src.at[r], n);
      s += n;
      v += n;
    }
  }

  /** Sealed over `length` bytes, `own` for `null`; one buffer when that is all there is. */
  seal(length: number, own: Buffer): Buffer | Pieces {
    const bufs = this.bufs.map((b) => b ?? own);
    if (bufs.length === 0) return own.subarray(0, 0);
    if (bufs.length === 1 && this.from[0] === 0 && bufs[0].length >= length) return bufs[0].subarray(0, length);
    const p = new Pieces([...this.at, length], bufs, this.from);
    // Too many pieces, or buffers mostly of bytes no entry uses any more (removed flows): one buffer again.
    if (bufs.length > MAX_PIECES || p.held() > length + (length >> 1) + (1 << 20)) {
      const flat = Buffer.allocUnsafeSlow(length);
      p.copy(0, length, flat, 0);
      return flat;
    }
    return p;
  }
}

/** Beyond this many pieces an arena is copied into one buffer (lookups stay a binary search over a few; patches add two or three per changed flow). */
const MAX_PIECES = 4096;

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
  /** A patch's builder (`patching`): where stretches of its source sit in the arenas being made; own bytes are the added ones. */
  private bytePieces?: PieceList;
  private keyPieces?: PieceList;
  /** Arena bytes (and key bytes) taken as pieces so far: an offset is the own buffer's position plus this. */
  private vshift = 0;
  private kshift = 0;
  /** Where the own bytes not yet listed as a piece start. */
  private ownAt = 0;
  private ownKeyAt = 0;
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
  constructor(like?: DesiredEntries, expected = 0, patch = false) {
    const cap = like ? like.length + 1024 : Math.max(1024, expected + 1);
    // A patch writes only the added flows' bytes into its own arenas.
    this.bytes = new Grow(like && !patch ? like.byteLength + (1 << 16) : Math.max(1 << 16, expected * EXPECTED_ENTITY_BYTES));
    this.keys = new Grow(like && !patch ? like.keyByteLength + (1 << 16) : Math.max(1 << 16, expected * EXPECTED_KEY_BYTES));
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
    this.offs[i + 1] = this.bytes.len + this.vshift;
    const kat = this.keys.room(e.key.length);
    this.keys.buf.write(e.key, kat, e.key.length, 'latin1');
    this.koffs[i + 1] = this.keys.len + this.kshift;
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
    this.offs[i + 1] = this.bytes.len + this.vshift;
    this.keyAt = this.keys.room(k);
    this.koffs[i + 1] = this.keys.len + this.kshift;
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
    if (this.bytePieces) throw new Error('EntriesBuilder: pushRange on a patch builder');
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
    const b = new EntriesBuilder(src, 0, true);
    b.base = src;
    b.bytePieces = new PieceList();
    b.keyPieces = new PieceList();
    for (const o of src.originList) b.origins.push(o);
    return b;
  }
  private base?: DesiredEntries;

  /**
   * Appends entries [from, to) (emission positions) of the builder's
   * `patching` source, each with its own origin. Their bytes are not copied:
   * the arenas made list them as pieces of the source's (see Pieces).
   */
  pushSpan(from: number, to: number): void {
    const src = this.base!;
    if (to <= from) return;
    const b0 = src.offs[from];
    const b1 = src.offs[to];
    const k0 = src.koffs[from];
    const k1 = src.koffs[to];
    this.closeOwn();
    const at = this.bytes.len + this.vshift;
    const kat = this.keys.len + this.kshift;
    this.bytePieces!.addFrom(at, src.bytesSource, b0, b1);
    this.keyPieces!.addFrom(kat, src.keysSource, k0, k1);
    this.vshift += b1 - b0;
    this.kshift += k1 - k0;
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

  /** A patch builder: the own bytes written since the last span become a piece. */
  private closeOwn(): void {
    this.bytePieces!.add(this.ownAt + this.vshift, null, this.ownAt, this.bytes.len - this.ownAt);
    this.keyPieces!.add(this.ownKeyAt + this.kshift, null, this.ownKeyAt, this.keys.len - this.ownKeyAt);
    this.ownAt = this.bytes.len;
    this.ownKeyAt = this.keys.len;
  }

  /**
   * The entries so far, sealed. `sorted` (default true) puts them in canonical
   * order; without it iteration follows emission order.
   */
  seal(sorted = true): DesiredEntries {
    for (const r of this.pending) {
      copyOut(r.src.bytesSource, r.b0, r.b1, this.bytes.buf, r.at);
      copyOut(r.src.keysSource, r.k0, r.k1, this.keys.buf, r.kat);
    }
    this.pending.length = 0;
    const n = this.n;
    // A patch's own bytes (the added flows', often a few KB of a 64 KiB
    // buffer) are copied to fit: pieces outlive many patches, and each would
    // otherwise keep its whole buffer alive.
    const patched = !!this.bytePieces;
    let arena: Buffer | Pieces = this.bytes.trimmed(patched);
    let keyArena: Buffer | Pieces = this.keys.trimmed(patched);
    if (this.bytePieces) {
      this.closeOwn();
      arena = this.bytePieces.seal(this.bytes.len + this.vshift, arena);
      keyArena = this.keyPieces!.seal(this.keys.len + this.kshift, keyArena);
    }
    const d = new DesiredEntries(arena, fitted(this.offs, n + 1), keyArena, fitted(this.koffs, n + 1), fitted(this.owner, n), fitted(this.org, n), this.origins);
    if (sorted) d.sortCanonical();
    return d;
  }
}

/** Copies bytes [s, e) of an arena into `into` at `to`. */
function copyOut(src: Buffer | Pieces, s: number, e: number, into: Buffer, to: number): void {
  if (src instanceof Pieces) src.copy(s, e, into, to);
  else src.copy(into, to, s, e);
}

/** One buffer of an arena's bytes; a Pieces arena is copied (see DesiredEntries.arena). */
function flatten(p: Pieces): Buffer {
  const out = Buffer.allocUnsafeSlow(p.length);
  p.copy(0, p.length, out, 0);
  return out;
}

/** A sealed, read-only list of desired entries; see the top of this file. */
export class DesiredEntries implements Iterable<DesiredEntry> {
  /** Canonical position → emission position. */
  order: Uint32Array;

  private flatBytes?: Buffer;
  private bytePieces?: Pieces;
  private flatKeys?: Buffer;
  private keyPieces?: Pieces;

  /** @internal use EntriesBuilder */
  constructor(
    /** Entity bytes of every entry back to back (one buffer, or a patch's pieces); entry i is arena[offs[i], offs[i + 1]). */
    arena: Buffer | Pieces,
    readonly offs: Uint32Array,
    /** Identity keys (latin1 bytes) back to back. */
    keyArena: Buffer | Pieces,
    readonly koffs: Uint32Array,
    /** @internal (kind, table) ids. */
    readonly owner: Uint32Array,
    /** @internal origin ids. */
    readonly org: Uint32Array,
    private readonly origins: readonly Origin[],
  ) {
    if (arena instanceof Pieces) this.bytePieces = arena;
    else this.flatBytes = arena;
    if (keyArena instanceof Pieces) this.keyPieces = keyArena;
    else this.flatKeys = keyArena;
    this.order = new Uint32Array(owner.length);
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
  }

  /**
   * Entity bytes of every entry back to back in one buffer; entry i is
   * arena[offs[i], offs[i + 1]). A patched result's bytes are pieces of
   * earlier arenas (see Pieces): reading this copies them into one buffer
   * once (~120 MB at 10^6 entries), so what runs on every patch reads
   * through bytesOf, sameBytes and bytesWindow instead.
   */
  get arena(): Buffer {
    if (!this.flatBytes) {
      this.flatBytes = flatten(this.bytePieces!);
      this.bytePieces = undefined;
    }
    return this.flatBytes;
  }

  /** Identity keys (latin1 bytes) back to back in one buffer; copied once from pieces as `arena` is. */
  get keyArena(): Buffer {
    if (!this.flatKeys) {
      this.flatKeys = flatten(this.keyPieces!);
      this.keyPieces = undefined;
    }
    return this.flatKeys;
  }

  /**
   * The entity bytes when they are one buffer (offsets `offs`), without
   * flattening: undefined for a patched result held in pieces, whose entries
   * are read with `bytesOf` (a hot reader that takes a buffer and a range
   * uses this when it is there and `bytesOf(i)` otherwise).
   */
  get flatArena(): Buffer | undefined {
    return this.flatBytes;
  }

  /** @internal The entity bytes as they are held (EntriesBuilder). */
  get bytesSource(): Buffer | Pieces {
    return this.flatBytes ?? this.bytePieces!;
  }
  /** @internal */
  get keysSource(): Buffer | Pieces {
    return this.flatKeys ?? this.keyPieces!;
  }

  /** How many buffers the entity bytes or the keys are in, whichever are in more: 1, or a patched result's pieces. */
  get pieces(): number {
    return Math.max(this.bytePieces?.bufs.length ?? 1, this.keyPieces?.bufs.length ?? 1);
  }

  /** Entity bytes in all. */
  get byteLength(): number {
    return this.offs[this.length];
  }
  /** Identity-key bytes in all. */
  get keyByteLength(): number {
    return this.koffs[this.length];
  }

  /** Whether arena bytes [s, e) equal `other`'s arena bytes from `t` on. */
  sameBytes(s: number, e: number, other: DesiredEntries, t: number): boolean {
    const x = this.flatBytes;
    const y = other.flatBytes;
    if (x && y) return x.compare(y, t, t + e - s, s, e) === 0;
    while (s < e) {
      let a = x ? x.subarray(s, e) : this.bytePieces!.chunk(s, e);
      const b = y ? y.subarray(t, t + a.length) : other.bytePieces!.chunk(t, t + a.length);
      if (b.length < a.length) a = a.subarray(0, b.length);
      if (!a.equals(b)) return false;
      s += a.length;
      t += a.length;
    }
    return true;
  }

  /**
   * Entries [from, to) as one buffer and their offsets into it (`offs` of
   * length to - from + 1): views when the bytes are one buffer, else a copy
   * of that stretch alone.
   */
  bytesWindow(from: number, to: number): { arena: Buffer; offs: Uint32Array } {
    if (this.flatBytes) return { arena: this.flatBytes, offs: this.offs.subarray(from, to + 1) };
    const s = this.offs[from];
    const arena = Buffer.allocUnsafe(this.offs[to] - s);
    this.bytePieces!.copy(s, this.offs[to], arena, 0);
    const offs = new Uint32Array(to - from + 1);
    for (let i = from; i <= to; i++) offs[i - from] = this.offs[i] - s;
    return { arena, offs };
  }

  /** The identity keys of `pos` (emission positions) back to back: item k is keys[offs[k], offs[k + 1]). */
  keysOf(pos: ArrayLike<number>): { keys: Buffer; offs: Uint32Array } {
    const offs = new Uint32Array(pos.length + 1);
    for (let k = 0; k < pos.length; k++) offs[k + 1] = offs[k] + this.koffs[pos[k] + 1] - this.koffs[pos[k]];
    const keys = Buffer.allocUnsafe(offs[pos.length]);
    for (let k = 0; k < pos.length; k++) keys.set(this.keyBytesOf(pos[k]), offs[k]);
    return { keys, offs };
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
    const a = this.flatBytes;
    return a ? a.subarray(this.offs[i], this.offs[i + 1]) : this.bytePieces!.view(this.offs[i], this.offs[i + 1]);
  }
  keyOf(i: number): string {
    const k = this.flatKeys;
    return k ? k.toString('latin1', this.koffs[i], this.koffs[i + 1]) : this.keyPieces!.view(this.koffs[i], this.koffs[i + 1]).toString('latin1');
  }
  /** Entry i's identity key as bytes (a view). */
  keyBytesOf(i: number): Buffer {
    const k = this.flatKeys;
    return k ? k.subarray(this.koffs[i], this.koffs[i + 1]) : this.keyPieces!.view(this.koffs[i], this.koffs[i + 1]);
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
    const rank = ownerRanks;
    const owner = this.owner;
    const order = this.order;
    const starts = new Uint32Array(257);
    for (let i = 0; i < n; i++) starts[rank[owner[i]] + 1]++;
    for (let r = 1; r < starts.length; r++) starts[r] += starts[r - 1];
    for (let i = 0; i < n; i++) order[starts[rank[owner[i]]]++] = i;
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
