// Helpers over live (read-back) entities: a live snapshot as a DesiredState
// (to prove a rollback restored it) and drift entries for people.
import type { DesiredState } from '../compile/types.ts';
import { EntriesBuilder } from '../compile/entries.ts';
import type { Plan } from '../diff/types.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { canonicalizeEntity, describeEntity, entityKey, peekOwner } from '../p4info/entity.ts';
import type { DriftEntry } from '../report/events.ts';
import { describeProvenance } from '../provenance/metadata.ts';

/** The managed part of a live snapshot as a desired state: "be exactly like this again". */
export function stateFromLive(live: readonly Buffer[], like: DesiredState, index: P4InfoIndex): DesiredState {
  const tables = new Set(like.managedTableIds);
  const profiles = new Set(like.managedProfileIds);
  const entries = new EntriesBuilder();
  const origin = { kind: 'target' as const, name: like.target, file: '(live)', line: 0 };
  for (const buf of live) {
    const owner = peekOwner(buf);
    if (!owner) continue;
    const managed = owner.kind === 'table_entry' ? tables.has(owner.id) : profiles.has(owner.id);
    if (!managed) continue;
    const bytes = canonicalizeEntity(buf, index);
    const table = owner.kind === 'table_entry' ? index.table(owner.id).name : index.actionProfile(owner.id).name;
    entries.push({ kind: owner.kind, table, key: entityKey(bytes), bytes }, origin);
  }
  return { target: like.target, entries: entries.seal(), managedTableIds: like.managedTableIds, managedProfileIds: like.managedProfileIds };
}

function describe(bytes: Buffer, index: P4InfoIndex): string {
  try {
    return describeEntity(bytes, index);
  } catch (err) {
    return `(undecodable entity: ${(err as Error).message})`;
  }
}

/** Plan of desired-vs-live as drift entries: missing (to insert), modified, extraneous (to delete). */
export function driftEntries(p: Plan, index: P4InfoIndex, limit = 1000): DriftEntry[] {
  const out: DriftEntry[] = [];
  // What the switch holds is named by its provenance record: who wrote it, at which commit — or that nobody flowops did.
  const whose = (c: { entity: string; liveMetadata?: Buffer }) => (c.entity === 'table_entry' ? `; written by: ${describeProvenance(c.liveMetadata)}` : '');
  const push = (kind: DriftEntry['kind'], table: string, bytes: Buffer, prev?: Buffer, provenance = '') => {
    if (out.length >= limit) return;
    const d = describe(bytes, index);
    out.push({ kind, table, description: prev ? `${d} (switch has: ${describe(prev, index)}${provenance})` : provenance ? `${d} (${provenance.slice(2)})` : d });
  };
  // Indexed, stopping at the limit: a plan's inserts are made when read (diff/insert-list.ts).
  for (let k = 0; k < p.inserts.length && out.length < limit; k++) {
    const c = p.inserts[k];
    push('missing', c.table, c.bytes);
  }
  for (const c of p.modifies) push('modified', c.table, c.bytes, c.previous, whose(c));
  for (const c of p.deletes) push('extraneous', c.table, c.bytes, undefined, whose(c));
  return out;
}
