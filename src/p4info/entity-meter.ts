// Read-side normalisation of direct meter configs: the one place that knows an
// empty `meter_config {}` means the same as none.
import { withoutTableEntryField } from './entity-field.ts';

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
