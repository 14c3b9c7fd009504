// The identity keys of one target's compiled entries, kept from one compile to
// the next so that a patch (compile.ts patchFlows) checks only the keys it
// adds, not all 10^6 again. The base is the duplicate-key check's own sorted
// hashes over a full compile's key arena (8 bytes a key, compared against that
// arena: no copy); keys removed since are marked dead in it, keys added since
// sit in a small map. Equal answers to a fresh check of the whole arena: a key
// is present iff it is in the map or at a live base slot.
import { SortedHashes } from './bytes-index.ts';
import type { DesiredEntries } from './entries.ts';

export class KeyIndex {
  private dead?: Uint8Array;
  private readonly added = new Map<string, number>();
  private readonly baseLength: number;

  private constructor(
    private readonly base: SortedHashes,
    /** The base entries' keys, back to back. */
    private readonly keys: Buffer,
    private readonly koffs: Uint32Array,
    /** The entries the index describes now (moved on by every patch). */
    public entries: DesiredEntries,
  ) {
    this.baseLength = koffs.length - 1;
  }

  /** Over `entries`' keys; undefined when two are equal. */
  static of(entries: DesiredEntries): KeyIndex | undefined {
    const keys = entries.keyArena;
    const base = SortedHashes.over(keys, entries.koffs);
    if (!base || base.hasDuplicate(keys, entries.koffs)) return undefined;
    return new KeyIndex(base, keys, entries.koffs, entries);
  }

  /** So many keys added since the base that it is time to index the entries afresh. */
  get worn(): boolean {
    return this.added.size > (this.baseLength >> 2) + 4096;
  }

  /** The live base position holding `key`, or -1. */
  private find(key: Buffer): number {
    const { keys, koffs, dead } = this;
    return this.base.find(key, (i) => {
      if (dead && dead[i] !== 0) return false;
      const s = koffs[i];
      return koffs[i + 1] - s === key.length && keys.compare(key, 0, key.length, s, s + key.length) === 0;
    });
  }

  /** Takes one occurrence of `key` out; false when it is not there (the index does not describe the entries it was given). */
  remove(key: Buffer): boolean {
    const s = key.toString('latin1');
    const n = this.added.get(s);
    if (n !== undefined) {
      if (n > 1) this.added.set(s, n - 1);
      else this.added.delete(s);
      return true;
    }
    const at = this.find(key);
    if (at < 0) return false;
    (this.dead ??= new Uint8Array(this.baseLength))[at] = 1;
    return true;
  }

  /** Puts `key` in; false (and nothing added) when it is there already: two entries with one identity. */
  add(key: Buffer): boolean {
    const s = key.toString('latin1');
    if (this.added.has(s) || this.find(key) >= 0) return false;
    this.added.set(s, 1);
    return true;
  }
}
