// Read filters (P4Runtime spec, "Wildcard reads"): an entity with only its
// table or profile id set reads every entry of that table or profile. Also
// the one normalisation a read needs before diffing (empty meter configs).
import { WireWriter } from '../p4info/wire.ts';

const w = new WireWriter(64);

function idOnly(entityField: number, idField: number, id: number): Buffer {
  w.reset();
  const m = w.begin(entityField);
  w.uintField(idField, id);
  w.end(m);
  return w.finish();
}

/** Entity{table_entry{table_id}}: all entries of one table (the default entry is not included). */
export function wildcardTable(tableId: number): Buffer {
  return idOnly(2, 1, tableId);
}

/** Entity{table_entry{}}: all entries of all tables. */
export function wildcardAllTables(): Buffer {
  return idOnly(2, 1, 0);
}

/** Entity{action_profile_member{action_profile_id}}. */
export function wildcardMembers(profileId: number): Buffer {
  return idOnly(3, 1, profileId);
}

/** Entity{action_profile_group{action_profile_id}}. */
export function wildcardGroups(profileId: number): Buffer {
  return idOnly(4, 1, profileId);
}

/** Entity{table_entry{table_id, is_default_action}}: the default entry of one table. */
export function defaultEntryRead(tableId: number): Buffer {
  w.reset();
  const m = w.begin(2);
  w.uintField(1, tableId);
  w.boolField(8, true);
  w.end(m);
  return w.finish();
}

/** Entity{direct_counter_entry{table_entry{table_id}}}: counters of every entry of one table. */
export function directCounterRead(tableId: number): Buffer {
  w.reset();
  const m = w.begin(8);
  const t = w.begin(1);
  w.uintField(1, tableId);
  w.end(t);
  w.end(m);
  return w.finish();
}

/**
 * Entity{table_entry{table_id, meter_config{}}}: every entry of a table with
 * its direct meter config. Meter configs come back only when the filter asks
 * for them (P4Runtime §9.1); without them a rate-limited entry would always
 * look modified.
 */
export function wildcardTableWithMeter(tableId: number): Buffer {
  w.reset();
  const e = w.begin(2);
  w.uintField(1, tableId);
  const m = w.begin(6);
  w.end(m);
  w.end(e);
  return w.finish();
}

export { withoutEmptyMeter } from '../p4info/entity-meter.ts';
