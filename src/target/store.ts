// Forwarding state of one device. Volume lives here, so entries are kept as
// canonical Entity bytes in latin1 strings (one-byte strings: about 16 bytes
// of overhead each, no Buffer object), keyed by match+priority per table.
// Counters, meter configs and profile references sit in side maps only for
// the tables that have them.

export interface Counter { packets: number; bytes: number }
export interface Ref { group: boolean; id: number }

export class Store {
  /** table id → entry key → canonical p4.v1.Entity bytes (latin1). */
  readonly tables = new Map<number, Map<string, string>>();
  /** table id → canonical Entity of the default entry (latin1); set for every table at commit. */
  readonly defaults = new Map<number, string>();
  readonly counters = new Map<number, Map<string, Counter>>();
  readonly meters = new Map<number, Map<string, Buffer>>();
  /** Indirect tables: the member or group an entry points at. */
  readonly refs = new Map<number, Map<string, Ref>>();
  /** profile id → member id → canonical Entity bytes. */
  readonly members = new Map<number, Map<number, string>>();
  /** profile id → group id → canonical Entity bytes and member ids. */
  readonly groups = new Map<number, Map<number, { entity: string; members: number[] }>>();
  /** How many groups and entries use a member / entries use a group: deletion is refused while > 0. */
  readonly memberRefs = new Map<number, Map<number, number>>();
  readonly groupRefs = new Map<number, Map<number, number>>();

  static sub<K, V>(m: Map<number, Map<K, V>>, id: number): Map<K, V> {
    let s = m.get(id);
    if (!s) { s = new Map(); m.set(id, s); }
    return s;
  }

  clear(): void {
    for (const m of [this.tables, this.defaults, this.counters, this.meters, this.refs, this.members, this.groups, this.memberRefs, this.groupRefs]) m.clear();
  }

  entryCount(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  addRef(profileId: number, ref: Ref, delta: number): void {
    const m = Store.sub(ref.group ? this.groupRefs : this.memberRefs, profileId);
    const n = (m.get(ref.id) ?? 0) + delta;
    if (n) m.set(ref.id, n);
    else m.delete(ref.id);
  }

  refCount(profileId: number, group: boolean, id: number): number {
    return (group ? this.groupRefs : this.memberRefs).get(profileId)?.get(id) ?? 0;
  }
}
