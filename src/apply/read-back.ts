// Proof that a write (or its rollback) landed, at the cost of what it touched.
// Re-reading every managed table after a one-flow change read a million
// entries to check ten. Instead each touched entity is read by its identity
// (a ReadRequest carries many specific entities; they are batched) and the
// answer is paired with what the switch should now hold by the diff itself:
// every touched key present with the expected bytes, or absent when the
// expected state has no such entity. Untouched entries are not re-read —
// nothing this sync did could have changed them (a third party that did is
// drift, which the drift scan catches by reading everything).
import type { P4InfoIndex } from '../p4info/index.ts';
import { hasMeterConfig, withMeterRequest, withoutEmptyMeter } from '../p4info/entity-meter.ts';
import type { DesiredState, Origin } from '../compile/types.ts';
import { EntriesBuilder } from '../compile/entries.ts';
import { plan } from '../diff/plan.ts';
import { peekOwner } from '../p4info/entity-key.ts';
import { planSize, type Change } from '../diff/types.ts';
import type { EntityRpc } from './session.ts';

export interface ReadBackOptions {
  index: P4InfoIndex;
  /** Entities per Read request (default 2000). */
  perRead?: number;
  /**
   * Largest share of the switch's entries worth reading one by one (default
   * 0.2). A Read by identity costs the target a lookup per entity: measured
   * here, ~16 µs an entity against ~3.6 µs for each entity of a wildcard Read,
   * so touching more than about a fifth of the switch is cheaper to prove with
   * the caller's full re-read (`verify`), when it gives one.
   */
  maxShare?: number;
}

const NO_ORIGIN: Origin = { kind: 'flow', name: '', file: '', line: 0 };

/** The bytes a changed entity should have in state `at`, or undefined when it should be absent. */
export function expectedBytes(c: Change, at: 'old' | 'new'): Buffer | undefined {
  if (at === 'new') return c.kind === 'delete' ? undefined : c.bytes;
  if (c.kind === 'insert') return undefined;
  return c.kind === 'delete' ? c.bytes : c.previous;
}

/**
 * Whether the switch holds exactly state `at` for every changed entity.
 * Throws when a read fails (the caller decides what an unreadable switch means).
 */
export async function readBackMatches(session: EntityRpc, changes: readonly Change[], at: 'old' | 'new', opts: ReadBackOptions): Promise<boolean> {
  return touchedMatch(changes, at, await readTouched(session, changes, opts), opts.index);
}

/** What the switch holds of the changed entities: each read by its identity (batched Reads), at most once. */
export async function readTouched(session: EntityRpc, changes: readonly Change[], opts: Omit<ReadBackOptions, 'index'> = {}): Promise<Buffer[]> {
  const filters: Buffer[] = [];
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    // A switch returns meter configs only when asked (P4Runtime §9.1); ask when either version has one.
    filters.push(readFilter(c.key, hasMeterConfig(c.bytes) || (c.previous !== undefined && hasMeterConfig(c.previous))));
  }
  const per = opts.perRead ?? 2000;
  const live: Buffer[] = [];
  for (let i = 0; i < filters.length; i += per) {
    const got = await session.read(filters.slice(i, i + per));
    for (const e of got) live.push(withoutEmptyMeter(e));
  }
  return live;
}

/** Whether `live` (what readTouched returned) is exactly state `at` of every changed entity. */
export function touchedMatch(changes: readonly Change[], at: 'old' | 'new', live: readonly Buffer[], index: P4InfoIndex): boolean {
  if (!changes.length) return true;
  const expected = new EntriesBuilder();
  const tables = new Set<number>();
  const profiles = new Set<number>();
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    const want = expectedBytes(c, at);
    if (want) expected.push({ kind: c.entity, table: c.table, key: c.key, bytes: want }, c.origin ?? NO_ORIGIN);
    const owner = peekOwner(c.bytes);
    if (owner) (owner.kind === 'table_entry' ? tables : profiles).add(owner.id);
  }
  const state: DesiredState = { target: '', entries: expected.seal(false), managedTableIds: [...tables], managedProfileIds: [...profiles] };
  const p = plan(state, live, { index, prune: true });
  return planSize(p) === 0 && !p.extraneous?.length;
}

/**
 * A Read filter for one entity: its identity key (an Entity holding only
 * table id + match + priority, or profile id + member/group id — see
 * entityKey), asking for the meter config too when `withMeter`.
 */
export function readFilter(key: string, withMeter: boolean): Buffer {
  const k = Buffer.from(key, 'latin1');
  return withMeter ? withMeterRequest(k) : k;
}
