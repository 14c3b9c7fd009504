// Entities for people: one line with names from the P4Info, or a full
// protobufjs decode. Only what is shown to someone is ever decoded.
import protobuf from 'protobufjs';
import { protoType } from '../proto/load.ts';
import { formatValue, hintFor } from './bytes.ts';
import type { P4InfoIndex, TableInfo } from './index.ts';
import { sortedMatch, sortedParams } from './entity-encode.ts';
import { parseEntity } from './entity-parse.ts';
import type { FieldMatchValue, ParamValue } from './entity-types.ts';

/** Full protobufjs decode, for display and debugging only (never on the bulk path). */
export function decodeEntity(entity: Uint8Array): protobuf.Message & Record<string, any> {
  return protoType('p4.v1.Entity').decode(entity) as protobuf.Message & Record<string, any>;
}

function fmtField(bytes: Buffer, bitwidth: number, name: string): string {
  return formatValue(bytes, bitwidth, hintFor(name, bitwidth));
}

function describeParams(index: P4InfoIndex, actionId: number, params: ParamValue[]): string {
  if (!index.hasAction(actionId)) return `action#${actionId}(${params.map((p) => `${p.paramId}=0x${p.value.toString('hex')}`).join(', ')})`;
  const a = index.action(actionId);
  const ps = sortedParams(params).map((p) => {
    const info = a.params.find((x) => x.id === p.paramId);
    return info ? `${info.name}=${fmtField(p.value, info.bitwidth, info.name)}` : `${p.paramId}=0x${p.value.toString('hex')}`;
  });
  return `${a.name}(${ps.join(', ')})`;
}

function describeMatch(t: TableInfo | undefined, fm: FieldMatchValue): string {
  const f = t?.fields.find((x) => x.id === fm.fieldId);
  const name = f?.name ?? `field#${fm.fieldId}`;
  const bw = f?.bitwidth ?? 0;
  const fmt = (b: Buffer) => (f ? fmtField(b, bw, name) : '0x' + b.toString('hex'));
  const m = fm.m;
  switch (m.kind) {
    case 'exact':
      return `${name}=${fmt(m.value)}`;
    case 'optional':
      return `${name}=${fmt(m.value)}?`;
    case 'lpm':
      return `${name}=${fmt(m.value)}/${m.prefixLen}`;
    case 'ternary':
      return `${name}=${fmt(m.value)}&&&${fmt(m.mask)}`;
    case 'range':
      return `${name}=${fmt(m.low)}..${fmt(m.high)}`;
  }
}

/**
 * One line for people, e.g.
 * `ingress.flow_classify tenant_id=7 src_service=3 … → ingress.set_flow(flow_id=0x1a2b3c4d)`.
 * Names come from the P4Info; ids it does not know are shown as `table#id`.
 */
export function describeEntity(entity: Uint8Array, index: P4InfoIndex): string {
  const p = parseEntity(entity);
  switch (p.kind) {
    case 'table_entry': {
      const v = p.entry;
      const t = index.hasTable(v.tableId) ? index.table(v.tableId) : undefined;
      const parts = [t?.name ?? `table#${v.tableId}`];
      if (v.isDefaultAction) parts.push('(default)');
      for (const fm of sortedMatch(v.match)) parts.push(describeMatch(t, fm));
      if (v.priority) parts.push(`priority=${v.priority}`);
      let line = parts.join(' ');
      const a = v.action;
      if (a?.kind === 'action') line += ` → ${describeParams(index, a.actionId, a.params)}`;
      else if (a?.kind === 'member') line += ` → member ${a.memberId}`;
      else if (a?.kind === 'group') line += ` → group ${a.groupId}`;
      if (v.meterConfig) {
        const m = v.meterConfig;
        line += ` meter(cir=${m.cir}, cburst=${m.cburst}, pir=${m.pir}, pburst=${m.pburst})`;
      }
      if (v.counterData) line += ` [packets=${v.counterData.packetCount} bytes=${v.counterData.byteCount}]`;
      return line;
    }
    case 'action_profile_member': {
      const m = p.member;
      const prof = index.hasActionProfile(m.profileId) ? index.actionProfile(m.profileId).name : `profile#${m.profileId}`;
      return `${prof} member ${m.memberId} → ${describeParams(index, m.actionId, m.params)}`;
    }
    case 'action_profile_group': {
      const g = p.group;
      const prof = index.hasActionProfile(g.profileId) ? index.actionProfile(g.profileId).name : `profile#${g.profileId}`;
      const ms = [...g.members].sort((a, b) => a.memberId - b.memberId).map((m) => `${m.memberId}×${m.weight}`);
      return `${prof} group ${g.groupId} members [${ms.join(', ')}]${g.maxSize ? ` max_size=${g.maxSize}` : ''}`;
    }
    default:
      return `entity kind #${p.fieldNo} (${entity.length} bytes)`;
  }
}
