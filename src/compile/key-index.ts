// The identity keys of one target's compiled entries, kept from one compile to
// the next so that a patch (compile.ts patchFlows) checks only the keys it
// adds, not all 10^6 again. The base is the duplicate-key check's own index over
// a full compile's key arena (no copy); keys removed since are marked dead in
// it, keys added since sit in a small map. Equal answers to a fresh check of
// the whole arena: a key is present iff it is in the map or at a live base slot.
import { BytesIndex } from './bytes-index.ts';
import type { DesiredEntries } from './entries.ts';

export class KeyIndex {
  private dead?: Uint8Array;
  private readonly added = new Map<string, number>();
  private readonly live = (i: number) => !this.dead || this.dead[i] === 0;

  /** `base`: an index over `entries`' identity keys, with no two equal. */
  constructor(
    private readonly base: BytesIndex,
    private readonly baseLength: number,
    /** The entries the index describes now (moved on by every patch). */
    public entries: DesiredEntries,
  ) {}

  /** Over `entries`' keys; undefined when two are equal. */
  static of(entries: DesiredEntries): KeyIndex | undefined {
    const base = BytesIndex.uniqueOver(entries.keyArena, entries.koffs);
    return base && new KeyIndex(base, entries.length, entries);
  }

  /** So many keys added since the base that it is time to index the entries afresh. */
  get worn(): boolean {
    return this.added.size > (this.baseLength >> 2) + 4096;
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
    const at = this.base.find(key, this.live);
    if (at < 0) return false;
    (this.dead ??= new Uint8Array(this.baseLength))[at] = 1;
    return true;
  }

  /** Puts `key` in; false (and nothing added) when it is there already: two entries with one identity. */
  add(key: Buffer): boolean {
    const s = key.toString('latin1');
    if (this.added.has(s) || this.base.find(key, this.live) >= 0) return false;
    this.added.set(s, 1);
    return true;
  }
}
