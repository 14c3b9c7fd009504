// Read filters (P4Runtime spec, "Wildcard reads"): an entity with only its
// table or profile id set reads every entry of that table or profile. Also
// the one normalisation a read needs before diffing (empty meter configs).
import { WireReader, WireWriter, WIRE_LEN } from '../p4info/wire.ts';

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

/**
 * A switch asked for meter configs answers `meter_config {}` for entries that
 * have none; that means the same as no field, and desired entries have no
 * field. Drops the empty field (a copy only for the entities that carry it),
 * so the diff compares like with like.
 */
export function withoutEmptyMeter(entity: Buffer): Buffer {
  const r = new WireReader(entity);
  let outerTag = r.pos;
  while (r.next()) {
    if (r.fieldNo !== 2 || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    let tag = inner.pos;
    while (inner.next()) {
      if (inner.fieldNo === 6 && inner.wireType === WIRE_LEN) {
        const [vs, ve] = inner.lenRange();
        if (vs === ve) {
          const body = Buffer.concat([entity.subarray(s, tag), entity.subarray(ve, e)]);
          const out = new WireWriter(body.length + 16);
          out.bytesField(2, body);
          return Buffer.concat([entity.subarray(0, outerTag), out.finish(), entity.subarray(e)]);
        }
      } else inner.skip();
      tag = inner.pos;
    }
    return entity;
  }
  return entity;
}
