// An exact-bytes lookup over the desired entries, for the diff's fast path.
// A Map<string, …> keyed by latin1 strings does the same job, but it makes a
// string per entry on both sides and hashes it in C++; on 10^6 entries that
// was ~2 s here. This open-addressing table hashes the bytes in place
// (FNV-1a) and compares candidates byte by byte against one contiguous copy
// of the desired bytes, so a lookup allocates nothing and touches two cache
// lines (the slot, the candidate's bytes) rather than a Buffer object each.

export class BytesIndex {
  /** Pairs per slot: [position + 1 (0 = empty), hash]. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** All items' bytes back to back; item i is arena[offs[i], offs[i + 1]). */
  private readonly arena: Buffer;
  private readonly offs: Uint32Array;

  constructor(items: readonly Uint8Array[]) {
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
      // Copy and hash in one pass (a native copy per small item costs more than this loop).
      let h = 0x811c9dc5 | 0;
      let o = this.offs[i];
      for (let k = 0; k < item.length; k++) {
        const c = item[k];
        arena[o++] = c;
        h = Math.imul(h ^ c, 0x01000193);
      }
      let p = h & this.mask;
      while (this.slots[2 * p] !== 0) p = (p + 1) & this.mask;
      this.slots[2 * p] = i + 1;
      this.slots[2 * p + 1] = h;
    }
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

/** FNV-1a, 32-bit, as a signed int (what an Int32Array slot holds). */
export function hashBytes(b: Uint8Array): number {
  let x = 0x811c9dc5 | 0;
  for (let i = 0; i < b.length; i++) {
    x ^= b[i];
    x = Math.imul(x, 0x01000193);
  }
  return x;
}
