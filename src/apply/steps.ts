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

/** The entity to write for an insert or modify: with the provenance record when stamping, as planned otherwise. */
function written(change: Change, stamp: StampOptions | undefined): Buffer {
  if (!stamp || change.kind === 'delete' || change.entity !== 'table_entry' || !change.origin) return change.bytes;
  return withMetadata(change.bytes, encodeProvenance(change.origin, stamp.commit));
}

/** The live entity as it was, provenance record included, for a rollback. */
function restored(bytes: Buffer, metadata: Buffer | undefined): Buffer {
  return metadata ? withMetadata(bytes, metadata) : bytes;
}

export interface Step {
  change: Change;
  update: Update;
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
  const inserts = new Map(plan.inserts.map((c) => [c.key, c]));
  for (const d of plan.deletes) {
    const ins = inserts.get(d.key);
    if (ins && ins.entity === d.entity) {
      inserts.delete(d.key);
      changes.push({ ...ins, kind: 'modify', previous: d.bytes });
    } else changes.push(d);
  }
  // Loops, not push(...spread): a million arguments overflow the stack.
  for (const c of inserts.values()) changes.push(c);
  for (const c of plan.modifies) changes.push(c);
  changes.sort(compareWrites);
  return changes.map((change) => ({
    change,
    update: { type: TYPE[change.kind], entity: written(change, stamp) },
    level: (change.kind === 'delete' ? 100 : 0) + writeRank(change.entity, change.table),
  }));
}

export interface BatchLimits {
  /** Updates per request. */
  size: number;
  /** Approximate encoded bytes per request. */
  maxBytes: number;
}

/** Consecutive runs of steps: each within the limits and within one dependency level. */
export function batches<T extends { update: Update; level: number }>(steps: T[], limits: BatchLimits): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const s of steps) {
    const b = s.update.entity.length + 8; // Update framing: type + entity tag/length
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
