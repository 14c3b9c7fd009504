// Turns a plan into the ordered list of updates that converges a switch, and
// splits it into Write requests. Order comes from the compiler's one
// comparator (compile/order.ts): make (inserts, modifies) before break
// (deletes), dependencies first. Requests are also cut at every change of
// dependency rank, because P4Runtime lets a server apply the updates of one
// request in any order: an entry and what it points at never share a request.
import type { Change, Plan } from '../diff/types.ts';
import { compareWrites, writeRank } from '../compile/order.ts';
import type { Update, UpdateType } from './session.ts';
import { encodeProvenance, withMetadata } from '../provenance/metadata.ts';

/** Stamp written table entries with a provenance record naming this commit (src/provenance/). */
export interface StampOptions {
  commit: string;
}

/**
 * The provenance record an insert or modify is written with, if stamping: one
 * Buffer per origin (a flow's entries share it), not one per entry.
 */
function stamper(stamp: StampOptions | undefined): (change: Change) => Buffer | undefined {
  if (!stamp) return () => undefined;
  const records = new Map<string, Buffer>();
  return (change) => {
    if (change.kind === 'delete' || change.entity !== 'table_entry' || !change.origin) return undefined;
    const k = `${change.origin.kind} ${change.origin.name}`;
    let r = records.get(k);
    if (!r) records.set(k, (r = encodeProvenance(change.origin, stamp.commit)));
    return r;
  };
}

/**
 * The update as it goes on the wire: a stamped step's entity gets its
 * provenance record here, per request, so the stamped copy of each entity
 * lives only while its request is in flight (10^6 of them held for a whole
 * first sync were hundreds of MiB).
 */
export function wireUpdate(s: { update: Update; stamp?: Buffer }): Update {
  return s.stamp ? { type: s.update.type, entity: withMetadata(s.update.entity, s.stamp) } : s.update;
}

/** The live entity as it was, provenance record included, for a rollback. */
function restored(bytes: Buffer, metadata: Buffer | undefined): Buffer {
  return metadata ? withMetadata(bytes, metadata) : bytes;
}

export interface Step {
  change: Change;
  /** The update as planned; `wireUpdate` gives what is sent. */
  update: Update;
  /** Provenance record (TableEntry.metadata) the entity is written with, if any. */
  stamp?: Buffer;
  /** Dependency level (phase × rank); requests never span two levels. */
  level: number;
}

const TYPE: Record<Change['kind'], UpdateType> = { insert: 'INSERT', modify: 'MODIFY', delete: 'DELETE' };

/**
 * Plan → ordered steps. A delete and an insert of the same key (possible when a
 * plan is assembled from several sources) are merged into one MODIFY, so an
 * entry is never absent between its old and new form.
 */
export function planSteps(plan: Plan, stamp?: StampOptions): Step[] {
  const changes: Change[] = [];
  // Keyed by the deletes (few; none on a first sync), not by the inserts (up to a million).
  const deletes = new Map<string, Change>();
  for (const d of plan.deletes) if (!deletes.has(d.key)) deletes.set(d.key, d);
  const merged = new Set<Change>();
  // Loops, not push(...spread): a million arguments overflow the stack.
  for (const ins of plan.inserts) {
    const d = deletes.size ? deletes.get(ins.key) : undefined;
    if (d && d.entity === ins.entity && !merged.has(d)) {
      merged.add(d);
      changes.push({ ...ins, kind: 'modify', previous: d.bytes });
    } else changes.push(ins);
  }
  for (const d of plan.deletes) if (!merged.has(d)) changes.push(d);
  for (const c of plan.modifies) changes.push(c);
  changes.sort(compareWrites);
  const stampOf = stamper(stamp);
  return changes.map((change) => {
    const s: Step = { change, update: { type: TYPE[change.kind], entity: change.bytes }, level: (change.kind === 'delete' ? 100 : 0) + writeRank(change.entity, change.table) };
    const r = stampOf(change);
    if (r) s.stamp = r;
    return s;
  });
}

export interface BatchLimits {
  /** Updates per request. */
  size: number;
  /** Approximate encoded bytes per request. */
  maxBytes: number;
}

/** Consecutive runs of steps: each within the limits and within one dependency level. */
export function batches<T extends { update: Update; level: number; stamp?: Buffer }>(steps: T[], limits: BatchLimits): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const s of steps) {
    // Update framing: type + entity tag/length; a stamp adds its field and may widen two lengths.
    const b = s.update.entity.length + 8 + (s.stamp ? s.stamp.length + 6 : 0);
    if (cur.length && (cur.length >= limits.size || bytes + b > limits.maxBytes || cur[0].level !== s.level)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(s);
    bytes += b;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * The update that undoes an applied step: insert → delete, delete → insert of
 * the removed entity, modify → modify back to the previous entity.
 */
export function inverse(step: Step): Step {
  const c = step.change;
  const level = 1000 - step.level; // rollback runs in reverse order; keeps levels separate
  if (c.kind === 'insert') return { change: { ...c, kind: 'delete' }, update: { type: 'DELETE', entity: c.bytes }, level };
  if (c.kind === 'delete') return { change: { ...c, kind: 'insert' }, update: { type: 'INSERT', entity: restored(c.bytes, c.liveMetadata) }, level };
  if (!c.previous) throw new Error(`modify of ${c.table} has no previous entity to roll back to`);
  return { change: { ...c, bytes: c.previous, previous: c.bytes }, update: { type: 'MODIFY', entity: restored(c.previous, c.liveMetadata) }, level };
}
