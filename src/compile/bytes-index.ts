// An exact-bytes lookup over the desired entries, for the diff's fast path
// (and compile's duplicate-key check over the identity keys).
// A Map<string, …> keyed by latin1 strings does the same job, but it makes a
// string per entry on both sides and hashes it in C++; on 10^6 entries that
// was ~2 s here. This open-addressing table hashes the bytes in place
// (word-wise, see hashBytes) and compares candidates byte by byte against one contiguous copy
// of the desired bytes, so a lookup allocates nothing and touches two cache
// lines (the slot, the candidate's bytes) rather than a Buffer object each.

export class BytesIndex {
  /** Pairs per slot: [position + 1 (0 = empty), hash]. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** All items' bytes back to back; item i is arena[offs[i], offs[i + 1]). */
  private readonly arena: Buffer;
  private readonly offs: Uint32Array;

  /** Over items already back to back: item i is arena[offs[i], offs[i + 1]) (no copy). */
  static over(arena: Buffer, offs: Uint32Array): BytesIndex {
    return new BytesIndex([], arena, offs);
  }

  private duplicate = false;

  constructor(items: readonly Uint8Array[], srcArena?: Buffer, srcOffs?: Uint32Array, stopAtDuplicate = false) {
    if (srcArena && srcOffs) {
      const arena = srcArena;
      const offs = srcOffs;
      const n = offs.length - 1;
      let cap = 16;
      while (cap < n * 2) cap *= 2;
      this.mask = cap - 1;
      this.slots = new Int32Array(cap * 2);
      this.arena = arena;
      this.offs = offs;
      for (let i = 0; i < n; i++) {
        const h = hashBytes(arena, offs[i], offs[i + 1]);
        let p = h & this.mask;
        while (this.slots[2 * p] !== 0) {
          if (stopAtDuplicate && this.slots[2 * p + 1] === h && this.sameItems(this.slots[2 * p] - 1, i)) {
            this.duplicate = true;
            return;
          }
          p = (p + 1) & this.mask;
        }
        this.slots[2 * p] = i + 1;
        this.slots[2 * p + 1] = h;
      }
      return;
    }
    const n = items.length;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * 2);
    this.offs = new Uint32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.offs[i] = total;
      total += items[i].length;
    }
    this.offs[n] = total;
    this.arena = Buffer.allocUnsafe(total);
    const arena = this.arena;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      // A JS copy loop: a native copy per small item costs more than this.
      let o = this.offs[i];
      for (let k = 0; k < item.length; k++) arena[o++] = item[k];
      const h = hashBytes(item);
      let p = h & this.mask;
      while (this.slots[2 * p] !== 0) p = (p + 1) & this.mask;
      this.slots[2 * p] = i + 1;
      this.slots[2 * p + 1] = h;
    }
  }

  /**
   * Whether two items are equal (compile: two entries with one identity key).
   * Each item's hash and position are packed into one float (hash bits above,
   * position below: exact while they fit 53 bits), the floats sorted natively,
   * and only neighbours with equal hashes compared byte by byte: sequential
   * passes over 8 bytes per item instead of a 16 MB open-addressing table
   * probed at random (cache misses were most of its 0.4 s at 10^6 keys).
   */
  static hasDuplicate(arena: Buffer, offs: Uint32Array): boolean {
    const n = offs.length - 1;
    if (n < 2) return false;
    const sorted = SortedHashes.over(arena, offs);
    if (!sorted) return new BytesIndex([], arena, offs, true).duplicate;
    return sorted.hasDuplicate(arena, offs);
  }

  /** The index over items already back to back, or undefined when two are equal (what hasDuplicate checks, kept for lookups). */
  static uniqueOver(arena: Buffer, offs: Uint32Array): BytesIndex | undefined {
    const idx = new BytesIndex([], arena, offs, true);
    return idx.duplicate ? undefined : idx;
  }

  private sameItems(i: number, j: number): boolean {
    const a = this.arena;
    const s = this.offs[i];
    const t = this.offs[j];
    const n = this.offs[i + 1] - s;
    if (n !== this.offs[j + 1] - t) return false;
    for (let k = 0; k < n; k++) if (a[s + k] !== a[t + k]) return false;
    return true;
  }

  /**
   * Position of an item whose bytes equal `b` and for which `free(i)` holds
   * (duplicates are tried in turn), or -1.
   */
  find(b: Uint8Array, free: (i: number) => boolean = () => true): number {
    const h = hashBytes(b);
    const slots = this.slots;
    let p = h & this.mask;
    for (;;) {
      const v = slots[2 * p];
      if (v === 0) return -1;
      if (slots[2 * p + 1] === h && this.equalsItem(v - 1, b) && free(v - 1)) return v - 1;
      p = (p + 1) & this.mask;
    }
  }

  private equalsItem(i: number, b: Uint8Array): boolean {
    const start = this.offs[i];
    const n = this.offs[i + 1] - start;
    if (n !== b.length) return false;
    const a = this.arena;
    for (let k = 0; k < n; k++) if (a[start + k] !== b[k]) return false;
    return true;
  }
}

/**
 * Items' hashes and positions packed into one float each (hash bits above,
 * position below: exact while they fit 53 bits) and sorted: 8 bytes an item,
 * half an open-addressing BytesIndex, built by sequential passes and a native
 * sort. Items with equal hashes are neighbours; a lookup is a binary search.
 * What compile's duplicate-key check makes, and keeps for a later patch's
 * key checks (key-index.ts).
 */
export class SortedHashes {
  private constructor(
    private readonly packed: Float64Array,
    private readonly scale: number,
    private readonly drop: number,
  ) {}

  /** Over items i = arena[offs[i], offs[i + 1]); undefined past 2^37 items (no 16 hash bits left). */
  static over(arena: Buffer, offs: Uint32Array): SortedHashes | undefined {
    const n = offs.length - 1;
    let posBits = 1;
    while (2 ** posBits < n) posBits++;
    const hashBits = 53 - posBits;
    if (hashBits < 16) return undefined;
    const scale = 2 ** posBits;
    const drop = 32 - Math.min(32, hashBits);
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = (hashBytes(arena, offs[i], offs[i + 1]) >>> drop) * scale + i;
    packed.sort();
    return new SortedHashes(packed, scale, drop);
  }

  /** Whether two of the items it was made over are equal. */
  hasDuplicate(arena: Buffer, offs: Uint32Array): boolean {
    const { packed, scale } = this;
    const n = packed.length;
    const same = (i: number, j: number): boolean => {
      const s = offs[i];
      const t = offs[j];
      const len = offs[i + 1] - s;
      if (len !== offs[j + 1] - t) return false;
      for (let k = 0; k < len; k++) if (arena[s + k] !== arena[t + k]) return false;
      return true;
    };
    for (let a = 0; a < n; ) {
      const h = Math.floor(packed[a] / scale);
      let b = a + 1;
      while (b < n && Math.floor(packed[b] / scale) === h) b++;
      // Items with one hash: almost always a single pair at most.
      for (let x = a; x < b; x++) for (let y = x + 1; y < b; y++) if (same(packed[x] % scale, packed[y] % scale)) return true;
      a = b;
    }
    return false;
  }

  /** Positions of the items whose hash is that of `b`, in turn, until `visit` returns true (then that position), else -1. */
  find(b: Uint8Array, visit: (i: number) => boolean): number {
    const { packed, scale } = this;
    const h = hashBytes(b) >>> this.drop;
    const low = h * scale;
    let lo = 0;
    let hi = packed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (packed[mid] < low) lo = mid + 1;
      else hi = mid;
    }
    for (let x = lo; x < packed.length && Math.floor(packed[x] / scale) === h; x++) {
      const i = packed[x] % scale;
      if (visit(i)) return i;
    }
    return -1;
  }
}

/**
 * A 32-bit hash of a byte string, as a signed int (what an Int32Array slot
 * holds). Murmur3's mixing over 4-byte words: entities are 30-70 bytes that
 * share long prefixes (table id, field ids), and taking a word at a time is
 * twice as fast as a byte-wise FNV here.
 */
export function hashBytes(b: Uint8Array, start = 0, end = b.length): number {
  const n = end;
  let h = (end - start) | 0;
  let i = start;
  for (; i + 4 <= n; i += 4) {
    let k = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h = Math.imul(h ^ k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; i < n; i++) h = Math.imul(h ^ b[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
