// Pairs desired entries with what a switch holds and says what to change.
//
// Volume lives here (10^6 entries each side), so nothing is decoded on the
// common path: every desired entry's canonical bytes go in an exact-bytes
// index (bytes-index.ts: a Map keyed by latin1 strings, minus the strings),
// and a live entity whose bytes are identical is unchanged — one hash lookup,
// no parsing (a wildcard Read comes as one arena, p4info/entity-list.ts: not
// even a Buffer per entity). Only live entities that miss are looked at more closely:
//   1. skipped when their table/profile is not managed by flowops (peek);
//   2. canonicalized (a switch may pad values or order fields differently) and
//      looked up again — a hit is unchanged too;
//   3. keyed: a desired entry with the same identity that has not been matched
//      yet → modify; none → extraneous (delete, or kept with prune=false).
// Desired entries left unmatched are inserts. Step 3 only consults the few
// desired entries no live entity matched in step 1 or 2, so one changed flow
// among a million costs a handful of key computations, not a million.
import type { DesiredState } from '../compile/types.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { canonicalizeEntity, entityKey, metadataBytes, withoutMetadata } from '../p4info/entity.ts';
import type { Change, Plan } from './types.ts';
import { FlowopsError } from '../shared/errors.ts';
import { peekOwner } from '../p4info/entity-key.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import { entityListOf } from '../p4info/entity-list.ts';
import { compareWrites } from '../compile/order.ts';
import { insertList } from './insert-list.ts';
import { insertOrder } from './write-order.ts';

export interface PlanOptions {
  /** Delete live entries Git does not ask for (default true). With false they are listed in `extraneous` only. */
  prune?: boolean;
  index: P4InfoIndex;
}

export function plan(desired: DesiredState, live: readonly Buffer[], opts: PlanOptions): Plan {
  const prune = opts.prune ?? true;
  const index = opts.index;
  const entries = desired.entries;
  const n = entries.length;

  // Desired canonical bytes → emission position (the entries' own arena, no
  // copy). `matched[i]` marks entries a live entity accounts for.
  // (None when nothing was read: a first sync's plan is all inserts, no lookup.)
  const byBytes = live.length ? BytesIndex.over(entries.arena, entries.offs) : undefined;
  const matched = new Uint8Array(n);
  const free = (i: number) => matched[i] === 0;

  const managedTables = new Set(desired.managedTableIds);
  const managedProfiles = new Set(desired.managedProfileIds);

  let unchanged = 0;
  const misses: Buffer[] = [];
  // Provenance metadata (TableEntry.metadata) never takes part in the diff,
  // and every entry flowops wrote carries one: drop it first, then one lookup.
  const arena = entityListOf(live);
  if (arena) {
    // A wildcard Read's arena (p4info/entity-list.ts): each entity is copied
    // without its record into one scratch buffer and looked up through a
    // view of it kept per length, so a hit makes no object at all.
    let scratch = Buffer.allocUnsafe(1024);
    let views: Buffer[] = [];
    for (let k = 0; k < arena.length; k++) {
      if (arena.lengthOf(k) > scratch.length) {
        scratch = Buffer.allocUnsafe(2 * arena.lengthOf(k));
        views = [];
      }
      const len = arena.strippedInto(k, scratch);
      const i = byBytes!.find((views[len] ??= scratch.subarray(0, len)), free);
      if (i >= 0) {
        matched[i] = 1;
        unchanged++;
      } else misses.push(arena.bytesOf(k));
    }
  } else {
    for (const buf of live) {
      // One scan, one copy (the same Buffer when there is no record).
      const i = byBytes!.find(withoutMetadata(buf), free);
      if (i >= 0) {
        matched[i] = 1;
        unchanged++;
      } else misses.push(buf);
    }
  }

  // Slow path: canonical form and identity of live entities that missed.
  const pending: { canon: Buffer; key: string; owner: string; metadata?: Buffer }[] = [];
  for (const buf of misses) {
    const owner = peekOwner(buf);
    if (!owner) continue;
    const managed = owner.kind === 'table_entry' ? managedTables.has(owner.id) : managedProfiles.has(owner.id);
    if (!managed) continue;
    let canon: Buffer;
    try {
      canon = canonicalizeEntity(buf, index);
    } catch (err) {
      // A value wider than its field, an action the P4Info lacks: the switch
      // holds something flowops cannot have written. It is replaced or
      // deleted by key like any other stray entry, never a reason to stop.
      if (!(err instanceof FlowopsError)) throw err;
      canon = buf;
    }
    const i = byBytes!.find(canon, free);
    if (i >= 0) {
      matched[i] = 1;
      unchanged++;
      continue;
    }
    const name = owner.kind === 'table_entry' ? index.table(owner.id).name : index.actionProfile(owner.id).name;
    pending.push({ canon, key: entityKey(canon), owner: name, metadata: owner.kind === 'table_entry' ? metadataBytes(buf) : undefined });
  }

  // Identity → position, for the desired entries still unmatched only, and
  // only when some live entity is left to pair by identity.
  const byKey = new Map<string, number>();
  if (pending.length) for (let i = 0; i < n; i++) if (matched[i] === 0) byKey.set(entries.keyOf(i), i);

  const modifies: Change[] = [];
  const deletes: Change[] = [];
  const extraneous: Change[] = [];
  let allKeys: Set<string> | undefined; // built only when some live entity has no desired partner
  for (const p of pending) {
    const i = byKey.get(p.key);
    const kind = peekOwner(p.canon)!.kind;
    if (i !== undefined) {
      byKey.delete(p.key);
      matched[i] = 1;
      const d = entries.entryOf(i);
      const c: Change = { kind: 'modify', entity: d.kind, table: d.table, key: d.key, bytes: d.bytes, previous: p.canon, origin: d.origin };
      if (p.metadata) c.liveMetadata = p.metadata;
      modifies.push(c);
    } else {
      // A second live entity with the identity of an entry already matched
      // cannot exist on a conforming switch; deleting it by key would delete
      // the good one, so it is reported, never deleted.
      allKeys ??= keySet(entries);
      const dup = allKeys.has(p.key);
      const change: Change = { kind: 'delete', entity: kind, table: p.owner, key: p.key, bytes: p.canon };
      if (p.metadata) change.liveMetadata = p.metadata;
      if (prune && !dup) deletes.push(change);
      else extraneous.push(change);
    }
  }
  // Inserts: the unmatched positions, in write order, no object each (insert-list.ts).
  let left = 0;
  for (let i = 0; i < n; i++) left += 1 - matched[i];
  const at = new Uint32Array(left);
  for (let k = 0, j = 0; k < n; k++) {
    const i = entries.order[k];
    if (matched[i] === 0) at[j++] = i;
  }
  const inserts = insertList(entries, insertOrder(entries, at));
  modifies.sort(compareWrites);
  deletes.sort(compareWrites);
  extraneous.sort(compareWrites);
  return { inserts, modifies, deletes, unchanged, extraneous };
}

function keySet(entries: DesiredEntries): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < entries.length; i++) out.add(entries.keyOf(i));
  return out;
}
