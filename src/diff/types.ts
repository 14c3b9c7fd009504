// The result of pairing desired entries with live ones. Pure data; rendering
// lives in report/, ordering and writing in apply/.
import type { ChangeKind, EntityKind, Origin } from '../compile/types.ts';

export type { ChangeKind };

export interface Change {
  kind: ChangeKind;
  entity: EntityKind;
  table: string;
  key: string;
  /** Entity to write: desired for insert/modify, live for delete. */
  bytes: Buffer;
  /** Live entity replaced by a modify (for display and for rollback). */
  previous?: Buffer;
  /** Spec that asked for it (absent for deletes of entries Git no longer has). */
  origin?: Origin;
  /** TableEntry.metadata the switch holds for a modified or deleted entry (provenance; never compared). */
  liveMetadata?: Buffer;
}

export interface Plan {
  /**
   * In write order. From plan() and planDelta() a read-only view over the
   * desired arena whose elements are made when read (insert-list.ts). A
   * proxy: `structuredClone` refuses it and `util.inspect` shows `[]`; copy
   * it (`[...plan.inserts]`) to clone or print it.
   */
  inserts: readonly Change[];
  modifies: Change[];
  deletes: Change[];
  unchanged: number;
  /**
   * Live entries Git does not ask for that are kept, not deleted: all of them
   * with prune=false (shown as drift), and any live duplicate of a key already
   * matched. Absent or empty when there are none.
   */
  extraneous?: Change[];
}

export function planSize(p: Plan): number {
  return p.inserts.length + p.modifies.length + p.deletes.length;
}
