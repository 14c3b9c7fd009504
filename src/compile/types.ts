// What the compiler produces: desired P4Runtime entities as canonical bytes.
// Volume lives here (10^6 entries), so the entries of a switch are columns
// over one arena of encoded bytes (entries.ts); a `DesiredEntry` object is
// made only for an entry someone looks at. Nothing is decoded.
import type { DesiredEntries } from './entries.ts';

/** Where an entry came from, so a plan or an error can point at a spec file line. */
export interface Origin {
  kind: 'tenant' | 'service' | 'flow' | 'target';
  /** `tenant` or `tenant/name` */
  name: string;
  file: string;
  line: number;
}

export type EntityKind = 'table_entry' | 'action_profile_member' | 'action_profile_group';

/** What a write does to an entry; the write order (order.ts) ranks by it, diff/ produces it. */
export type ChangeKind = 'insert' | 'modify' | 'delete';

/** One entry, materialized from `DesiredEntries` (or built by hand in tests and read-backs). */
export interface DesiredEntry {
  kind: EntityKind;
  /** P4Info name of the table or action profile (for people and ordering). */
  table: string;
  /** Identity on the switch (table id + match + priority, or profile id + member/group id), canonical, latin1. */
  key: string;
  /** Canonical encoding of the whole p4.v1.Entity. */
  bytes: Buffer;
  origin: Origin;
}

/** Desired state for one switch (Target), in canonical order (see compile/order.ts). */
export interface DesiredState {
  target: string;
  entries: DesiredEntries;
  /** Ids of the tables and action profiles flowops owns on this switch; everything else is never read or written. */
  managedTableIds: number[];
  managedProfileIds: number[];
}
