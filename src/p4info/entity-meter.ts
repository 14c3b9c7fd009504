// Direct meter configs on the wire: the one place that knows an empty
// `meter_config {}` means the same as none, and how a Read asks for them.
import { ENTITY_TABLE_ENTRY, tableEntryField, withoutTableEntryField } from './entity-field.ts';
import { WireReader, WireWriter, WIRE_LEN } from './wire.ts';

/** p4.v1.TableEntry.meter_config. */
const METER_CONFIG = 6;

/**
 * A switch asked for meter configs answers `meter_config {}` for entries that
 * have none; that means the same as no field, and desired entries have no
 * field. Drops the empty field (a copy only for the entities that carry it),
 * so the diff compares like with like.
 */
export function withoutEmptyMeter(entity: Buffer): Buffer {
  return withoutTableEntryField(entity, METER_CONFIG, (vs, ve) => vs === ve);
}

/** TableEntry field 6 (meter_config), empty. */
const METER_REQUEST = Buffer.from([(METER_CONFIG << 3) | WIRE_LEN, 0x00]);

/**
 * A table entry with an empty `meter_config` added, which makes a Read of it
 * return its meter config too (P4Runtime §9.1: a switch returns meter configs
 * only when asked). Any other entity comes back as it is.
 */
export function withMeterRequest(entity: Buffer): Buffer {
  const r = new WireReader(entity);
  if (!r.next() || r.fieldNo !== ENTITY_TABLE_ENTRY || r.wireType !== WIRE_LEN) return entity;
  const [s, e] = r.lenRange();
  const w = new WireWriter(e - s + 16);
  w.bytesField(ENTITY_TABLE_ENTRY, Buffer.concat([entity.subarray(s, e), METER_REQUEST]));
  return w.finish();
}

/** Whether an encoded Entity is a table entry carrying a meter_config. */
export function hasMeterConfig(entity: Buffer): boolean {
  return tableEntryField(entity, METER_CONFIG) !== undefined;
}
