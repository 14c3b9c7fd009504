// Turns a plan into the ordered list of updates that converges a switch, and
// splits it into Write requests. Order comes from the compiler's one
// comparator (compile/order.ts): make (inserts, modifies) before break
// (deletes), dependencies first. Requests are also cut at every change of
// dependency rank, because P4Runtime lets a server apply the updates of one
// request in any order: an entry and what it points at never share a request.
import type { Change, Plan } from '../diff/types.ts';
import type { Origin } from '../compile/types.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import { compareWrites, writeRank } from '../compile/order.ts';
import { insertOf, insertRun } from '../diff/insert-list.ts';
import { rankOf } from '../diff/write-order.ts';
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
function stamper(stamp: StampOptions | undefined): (change: Pick<Change, 'kind' | 'entity' | 'origin'>) => Buffer | undefined {
  if (!stamp) return () => undefined;
  const records = new Map<string, Buffer>();
  // Origins are shared objects (one per flow in a DesiredEntries): found by identity first, no string per entry.
  const byOrigin = new Map<Origin, Buffer>();
  return (change) => {
    const o = change.origin;
    if (change.kind === 'delete' || change.entity !== 'table_entry' || !o) return undefined;
    let r = byOrigin.get(o);
    if (r) return r;
    const k = `${o.kind} ${o.name}`;
    r = records.get(k);
    if (!r) records.set(k, (r = encodeProvenance(o, stamp.commit)));
    byOrigin.set(o, r);
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

/** Marks a `StepList` reference to one of its Change objects (the rest are arena positions). */
const OBJ = 0x80000000;

/**
 * The ordered steps of a plan without an object per step: a first sync's
 * million inserts stay positions in the desired arena (diff/insert-list.ts),
 * the few modifies and deletes stay Changes, and a step is made — `at(k)`,
 * or just its wire update, `wire(k)` — only when a request is sent or an
 * applied step is undone. Per step: a reference and a level (6 bytes).
 */
export class StepList {
  readonly length: number;
  /** Dependency level of each step (phase × rank); requests never span two levels. */
  readonly levels: Uint16Array;
  private readonly stampOf: (change: Pick<Change, 'kind' | 'entity' | 'origin'>) => Buffer | undefined;

  /** @internal use orderSteps */
  constructor(
    private readonly refs: Uint32Array,
    levels: Uint16Array,
    private readonly objs: readonly Change[],
    private readonly entries: DesiredEntries | undefined,
    stamp: StampOptions | undefined,
  ) {
    this.length = refs.length;
    this.levels = levels;
    this.stampOf = stamper(stamp);
  }

  kindAt(k: number): Change['kind'] {
    const r = this.refs[k];
    return r & OBJ ? this.objs[r & ~OBJ].kind : 'insert';
  }

  change(k: number): Change {
    const r = this.refs[k];
    return r & OBJ ? this.objs[r & ~OBJ] : insertOf(this.entries!, r);
  }

  /** Step k as an object. */
  at(k: number): Step {
    const change = this.change(k);
    const s: Step = { change, update: { type: TYPE[change.kind], entity: change.bytes }, level: this.levels[k] };
    const r = this.stampOf(change);
    if (r) s.stamp = r;
    return s;
  }

  /** Step k's update as it goes on the wire (stamped); nothing else is made. */
  wire(k: number): Update {
    const r = this.refs[k];
    if (r & OBJ) return wireUpdate(this.at(k));
    const e = this.entries!;
    const bytes = e.bytesOf(r);
    const stamp = this.stampOf({ kind: 'insert', entity: e.kindOf(r), origin: e.originOf(r) });
    return { type: 'INSERT', entity: stamp ? withMetadata(bytes, stamp) : bytes };
  }

  /** Encoded size of step k's update, about: what `batches` cuts requests by. */
  size(k: number): number {
    const r = this.refs[k];
    if (r & OBJ) return updateSize(this.at(k));
    const e = this.entries!;
    const stamp = this.stampOf({ kind: 'insert', entity: e.kindOf(r), origin: e.originOf(r) });
    return e.offs[r + 1] - e.offs[r] + 8 + (stamp ? stamp.length + 6 : 0);
  }

  /** Every step as an object (tests; small plans). */
  toArray(): Step[] {
    const out: Step[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) out[k] = this.at(k);
    return out;
  }
}

/** Update framing: type + entity tag/length; a stamp adds its field and may widen two lengths. */
function updateSize(s: { update: Update; stamp?: Buffer }): number {
  return s.update.entity.length + 8 + (s.stamp ? s.stamp.length + 6 : 0);
}

/**
 * Plan → ordered steps. A delete and an insert of the same key (possible when a
 * plan is assembled from several sources) are merged into one MODIFY, so an
 * entry is never absent between its old and new form.
 *
 * Order is compareWrites (compile/order.ts) over all changes. The inserts of a
 * plan from diff/ are already in that order among themselves (positions, not
 * objects); the other changes are sorted and merged in: phase and rank alone
 * decide between an insert and a modify or delete, since a modify precedes an
 * insert of its rank and deletes follow every make.
 */
export function orderSteps(plan: Plan, stamp?: StampOptions): StepList {
  // Keyed by the deletes (few; none on a first sync), not by the inserts (up to a million).
  const deletes = new Map<string, Change>();
  for (const d of plan.deletes) if (!deletes.has(d.key)) deletes.set(d.key, d);
  const merged = new Set<Change>();
  const objs: Change[] = [];
  const run = insertRun(plan.inserts);
  let ins: Uint32Array = new Uint32Array(0);
  const mergeInto = (i: Change): boolean => {
    const d = deletes.get(i.key);
    if (!d || d.entity !== i.entity || merged.has(d)) return false;
    merged.add(d);
    objs.push({ ...i, kind: 'modify', previous: d.bytes });
    return true;
  };
  if (run) {
    ins = run.at;
    if (deletes.size) {
      // Only an insert whose key has a delete's length can share its key.
      const lens = new Set<number>();
      for (const k of deletes.keys()) lens.add(k.length);
      const e = run.entries;
      const keep: number[] = [];
      let dropped = false;
      for (let k = 0; k < ins.length; k++) {
        const i = ins[k];
        if (lens.has(e.koffs[i + 1] - e.koffs[i]) && deletes.has(e.keyOf(i)) && mergeInto(plan.inserts[k])) dropped = true;
        else keep.push(i);
      }
      if (dropped) ins = Uint32Array.from(keep);
    }
  } else {
    // Loops, not push(...spread): a million arguments overflow the stack.
    for (const i of plan.inserts) if (!(deletes.size && mergeInto(i))) objs.push(i);
  }
  for (const d of plan.deletes) if (!merged.has(d)) objs.push(d);
  for (const c of plan.modifies) objs.push(c);
  objs.sort(compareWrites);

  const n = objs.length + ins.length;
  const refs = new Uint32Array(n);
  const levels = new Uint16Array(n);
  const rank = run ? rankOf(run.entries) : () => 0;
  let o = 0;
  let k = 0;
  for (let j = 0; j < n; j++) {
    const c = o < objs.length ? objs[o] : undefined;
    const insRank = k < ins.length ? rank(ins[k]) : -1;
    const cRank = c ? writeRank(c.entity, c.table) : -1;
    // An object goes first unless the next insert precedes it: c is a delete, or of a higher rank.
    // (With inserts as positions, the objects are modifies and deletes only.)
    const objFirst = c !== undefined && (insRank < 0 || (c.kind !== 'delete' && cRank <= insRank));
    if (objFirst) {
      refs[j] = OBJ | o++;
      levels[j] = (c!.kind === 'delete' ? 100 : 0) + cRank;
    } else {
      refs[j] = ins[k++];
      levels[j] = insRank;
    }
  }
  return new StepList(refs, levels, objs, run?.entries, stamp);
}

/** Plan → ordered steps as objects (see `orderSteps`, which apply uses). */
export function planSteps(plan: Plan, stamp?: StampOptions): Step[] {
  return orderSteps(plan, stamp).toArray();
}

export interface BatchLimits {
  /** Updates per request. */
  size: number;
  /** Approximate encoded bytes per request. */
  maxBytes: number;
}

/**
 * Where each request starts: consecutive runs of steps, each within the limits
 * and within one dependency level. Request i is steps [bounds[i], bounds[i + 1]).
 */
export function batchBounds(n: number, level: (k: number) => number, size: (k: number) => number, limits: BatchLimits): Uint32Array {
  const out: number[] = [0];
  let count = 0;
  let bytes = 0;
  for (let k = 0; k < n; k++) {
    const b = size(k);
    if (count && (count >= limits.size || bytes + b > limits.maxBytes || level(k - count) !== level(k))) {
      out.push(k);
      count = 0;
      bytes = 0;
    }
    count++;
    bytes += b;
  }
  if (n) out.push(n);
  return Uint32Array.from(out);
}

/** Consecutive runs of step objects: each within the limits and within one dependency level. */
export function batches<T extends { update: Update; level: number; stamp?: Buffer }>(steps: T[], limits: BatchLimits): T[][] {
  const b = batchBounds(steps.length, (k) => steps[k].level, (k) => updateSize(steps[k]), limits);
  const out: T[][] = [];
  for (let i = 0; i + 1 < b.length; i++) out.push(steps.slice(b[i], b[i + 1]));
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
