// Reading an entity in any wire form back into values (views into the input,
// no copies), and re-encoding it canonically after checking it against the
// P4Info — the slow path, for switches whose encoding differs from ours.
import { EncodeError } from '../shared/errors.ts';
import { canonical } from './bytes.ts';
import type { ActionInfo, P4InfoIndex } from './index.ts';
import { WIRE_LEN, WIRE_VARINT, WireReader } from './wire.ts';
import { encodeGroup, encodeMember, encodeTableEntry } from './entity-encode.ts';
import {
  E_GROUP,
  E_MEMBER,
  E_TABLE_ENTRY,
  FM_EXACT,
  FM_LPM,
  FM_OPTIONAL,
  FM_RANGE,
  FM_TERNARY,
  type CounterDataValue,
  type FieldMatchValue,
  type GroupValue,
  type MatchValue,
  type MemberValue,
  type MeterConfigValue,
  type ParamValue,
  type ParsedEntity,
  type TableEntryValue,
} from './entity-types.ts';

function signed64(v: bigint): bigint | number {
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

function parseAction(r: WireReader): { actionId: number; params: ParamValue[] } {
  let actionId = 0;
  const params: ParamValue[] = [];
  while (r.next()) {
    if (r.fieldNo === 1 && r.wireType === WIRE_VARINT) actionId = r.varint();
    else if (r.fieldNo === 4 && r.wireType === WIRE_LEN) {
      const pr = r.sub();
      let paramId = 0;
      let value: Buffer = Buffer.alloc(0);
      while (pr.next()) {
        if (pr.fieldNo === 2 && pr.wireType === WIRE_VARINT) paramId = pr.varint();
        else if (pr.fieldNo === 3 && pr.wireType === WIRE_LEN) value = pr.bytes();
        else pr.skip();
      }
      params.push({ paramId, value });
    } else r.skip();
  }
  return { actionId, params };
}

function parseMatch(r: WireReader): FieldMatchValue {
  let fieldId = 0;
  let m: MatchValue | undefined;
  while (r.next()) {
    if (r.fieldNo === 1 && r.wireType === WIRE_VARINT) {
      fieldId = r.varint();
      continue;
    }
    if (r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const kind = r.fieldNo;
    const sr = r.sub();
    let a: Buffer = Buffer.alloc(0);
    let b: Buffer = Buffer.alloc(0);
    let plen = 0;
    while (sr.next()) {
      if (sr.fieldNo === 1 && sr.wireType === WIRE_LEN) a = sr.bytes();
      else if (sr.fieldNo === 2 && sr.wireType === WIRE_LEN) b = sr.bytes();
      else if (sr.fieldNo === 2 && sr.wireType === WIRE_VARINT) plen = sr.int32();
      else sr.skip();
    }
    if (kind === FM_EXACT) m = { kind: 'exact', value: a };
    else if (kind === FM_LPM) m = { kind: 'lpm', value: a, prefixLen: plen };
    else if (kind === FM_TERNARY) m = { kind: 'ternary', value: a, mask: b };
    else if (kind === FM_RANGE) m = { kind: 'range', low: a, high: b };
    else if (kind === FM_OPTIONAL) m = { kind: 'optional', value: a };
    else throw new EncodeError('UNSUPPORTED_MATCH', `field match kind ${kind} (e.g. "other") is not supported`, { fieldId, kind });
  }
  if (!m) throw new EncodeError('EMPTY_MATCH', `field match for field ${fieldId} has no value`, { fieldId });
  return { fieldId, m };
}

function parseTableEntry(r: WireReader): TableEntryValue {
  const v: TableEntryValue = { tableId: 0, match: [], priority: 0 };
  while (r.next()) {
    switch (r.fieldNo) {
      case 1:
        v.tableId = r.varint();
        break;
      case 2:
        v.match.push(parseMatch(r.sub()));
        break;
      case 3: {
        const ar = r.sub();
        while (ar.next()) {
          if (ar.fieldNo === 1 && ar.wireType === WIRE_LEN) v.action = { kind: 'action', ...parseAction(ar.sub()) };
          else if (ar.fieldNo === 2 && ar.wireType === WIRE_VARINT) v.action = { kind: 'member', memberId: ar.varint() };
          else if (ar.fieldNo === 3 && ar.wireType === WIRE_VARINT) v.action = { kind: 'group', groupId: ar.varint() };
          else if (ar.fieldNo === 4) throw new EncodeError('UNSUPPORTED_ACTION', 'one-shot action_profile_action_set is not supported', { tableId: v.tableId });
          else ar.skip();
        }
        break;
      }
      case 4:
        v.priority = r.int32();
        break;
      case 6: {
        const mr = r.sub();
        const mc: MeterConfigValue = { cir: 0, cburst: 0, pir: 0, pburst: 0 };
        while (mr.next()) {
          if (mr.wireType !== WIRE_VARINT) mr.skip();
          else if (mr.fieldNo === 1) mc.cir = signed64(mr.varint64());
          else if (mr.fieldNo === 2) mc.cburst = signed64(mr.varint64());
          else if (mr.fieldNo === 3) mc.pir = signed64(mr.varint64());
          else if (mr.fieldNo === 4) mc.pburst = signed64(mr.varint64());
          else mr.skip();
        }
        v.meterConfig = mc;
        break;
      }
      case 7: {
        const cr = r.sub();
        const cd: CounterDataValue = { byteCount: 0, packetCount: 0 };
        while (cr.next()) {
          if (cr.wireType !== WIRE_VARINT) cr.skip();
          else if (cr.fieldNo === 1) cd.byteCount = signed64(cr.varint64());
          else if (cr.fieldNo === 2) cd.packetCount = signed64(cr.varint64());
          else cr.skip();
        }
        v.counterData = cd;
        break;
      }
      case 8:
        v.isDefaultAction = r.varint() !== 0;
        break;
      case 11:
        // TableEntry.metadata: opaque to the switch; flowops writes its provenance record there.
        if (r.wireType === WIRE_LEN) v.metadata = r.bytes();
        else r.skip();
        break;
      default:
        // idle timeout, const, meter_counter_data: not modelled.
        r.skip();
    }
  }
  return v;
}

/** Reads an entity at wire level into values (byte strings are views into `entity`). */
export function parseEntity(entity: Uint8Array): ParsedEntity {
  const r = new WireReader(entity);
  while (r.next()) {
    if (r.wireType !== WIRE_LEN) {
      r.skip();
      continue;
    }
    const fieldNo = r.fieldNo;
    const sr = r.sub();
    if (fieldNo === E_TABLE_ENTRY) return { kind: 'table_entry', entry: parseTableEntry(sr) };
    if (fieldNo === E_MEMBER) {
      const m: MemberValue = { profileId: 0, memberId: 0, actionId: 0, params: [] };
      while (sr.next()) {
        if (sr.fieldNo === 1 && sr.wireType === WIRE_VARINT) m.profileId = sr.varint();
        else if (sr.fieldNo === 2 && sr.wireType === WIRE_VARINT) m.memberId = sr.varint();
        else if (sr.fieldNo === 3 && sr.wireType === WIRE_LEN) Object.assign(m, parseAction(sr.sub()));
        else sr.skip();
      }
      return { kind: 'action_profile_member', member: m };
    }
    if (fieldNo === E_GROUP) {
      const g: GroupValue = { profileId: 0, groupId: 0, members: [] };
      while (sr.next()) {
        if (sr.fieldNo === 1 && sr.wireType === WIRE_VARINT) g.profileId = sr.varint();
        else if (sr.fieldNo === 2 && sr.wireType === WIRE_VARINT) g.groupId = sr.varint();
        else if (sr.fieldNo === 3 && sr.wireType === WIRE_LEN) {
          const mr = sr.sub();
          let memberId = 0;
          let weight = 0;
          while (mr.next()) {
            if (mr.fieldNo === 1 && mr.wireType === WIRE_VARINT) memberId = mr.varint();
            else if (mr.fieldNo === 2 && mr.wireType === WIRE_VARINT) weight = mr.int32();
            else mr.skip();
          }
          g.members.push({ memberId, weight });
        } else if (sr.fieldNo === 4 && sr.wireType === WIRE_VARINT) g.maxSize = sr.int32();
        else sr.skip();
      }
      if (!g.maxSize) delete g.maxSize;
      return { kind: 'action_profile_group', group: g };
    }
    return { kind: 'other', fieldNo };
  }
  return { kind: 'other', fieldNo: 0 };
}

/**
 * Canonical bytes for an entity in any wire form (the slow path, for
 * switches whose encoding differs from ours). Byte strings are checked
 * against the P4Info bit widths. Read-only status (counter_data) is dropped
 * unless `keepCounters`, so a live entry compares equal to the desired one.
 * Entity kinds flowops does not model are returned unchanged.
 */
export function canonicalizeEntity(entity: Uint8Array, index: P4InfoIndex, opts: { keepCounters?: boolean } = {}): Buffer {
  const p = parseEntity(entity);
  switch (p.kind) {
    case 'table_entry': {
      const v = p.entry;
      const t = index.table(v.tableId);
      const match = v.match.map((fm) => {
        const f = index.tableField(t, fm.fieldId);
        const what = `${t.name}.${f.name}`;
        const m = fm.m;
        switch (m.kind) {
          case 'exact':
          case 'optional':
            return { fieldId: fm.fieldId, m: { kind: m.kind, value: canonical(m.value, f.bitwidth, what) } } as FieldMatchValue;
          case 'lpm':
            return { fieldId: fm.fieldId, m: { kind: 'lpm', value: canonical(m.value, f.bitwidth, what), prefixLen: m.prefixLen } } as FieldMatchValue;
          case 'ternary':
            return {
              fieldId: fm.fieldId,
              m: { kind: 'ternary', value: canonical(m.value, f.bitwidth, what), mask: canonical(m.mask, f.bitwidth, what + ' mask') },
            } as FieldMatchValue;
          case 'range':
            return {
              fieldId: fm.fieldId,
              m: { kind: 'range', low: canonical(m.low, f.bitwidth, what + ' low'), high: canonical(m.high, f.bitwidth, what + ' high') },
            } as FieldMatchValue;
        }
      });
      let action = v.action;
      if (action?.kind === 'action') {
        const a = index.action(action.actionId);
        action = { kind: 'action', actionId: a.id, params: canonicalParams(index, a, action.params) };
      }
      const out: TableEntryValue = { tableId: v.tableId, match, priority: v.priority, action, meterConfig: v.meterConfig, isDefaultAction: v.isDefaultAction };
      if (opts.keepCounters) out.counterData = v.counterData;
      return encodeTableEntry(out);
    }
    case 'action_profile_member': {
      const m = p.member;
      index.actionProfile(m.profileId);
      const a = index.action(m.actionId);
      return encodeMember({ ...m, params: canonicalParams(index, a, m.params) });
    }
    case 'action_profile_group':
      index.actionProfile(p.group.profileId);
      return encodeGroup(p.group);
    default:
      return Buffer.from(entity);
  }
}

function canonicalParams(index: P4InfoIndex, a: ActionInfo, params: ParamValue[]): ParamValue[] {
  return params.map((pv) => {
    const pi = index.actionParam(a, pv.paramId);
    return { paramId: pv.paramId, value: canonical(pv.value, pi.bitwidth, `${a.name}(${pi.name})`) };
  });
}

