// Which table or action profile a live entity belongs to, read straight off
// the wire without decoding it, so entities of tables flowops does not manage
// are skipped for the price of a few varints.
import { WireReader, WIRE_LEN, WIRE_VARINT } from '../p4info/wire.ts';
import type { EntityKind } from '../compile/types.ts';

/** p4.v1.Entity oneof field numbers → our kinds. */
const ENTITY_FIELDS: Record<number, EntityKind> = { 2: 'table_entry', 3: 'action_profile_member', 4: 'action_profile_group' };

export interface EntityOwner {
  kind: EntityKind;
  /** table_id of a TableEntry, action_profile_id of a member or group. */
  id: number;
}

/**
 * The kind and owning table/profile of an encoded p4.v1.Entity, or undefined
 * for any other entity (counters, meters, PRE…). Field 1 is `table_id` in
 * TableEntry and `action_profile_id` in ActionProfileMember/Group alike; it is
 * searched for rather than assumed first, since a switch may order fields
 * differently.
 */
export function peekOwner(entity: Uint8Array): EntityOwner | undefined {
  const r = new WireReader(entity);
  while (r.next()) {
    const kind = ENTITY_FIELDS[r.fieldNo];
    if (!kind || r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const inner = r.sub();
    let id = 0;
    while (inner.next()) {
      if (inner.fieldNo === 1 && inner.wireType === WIRE_VARINT) id = inner.varint();
      else inner.skip();
    }
    return { kind, id };
  }
  return undefined;
}
