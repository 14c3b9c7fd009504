// Validation of one entity against the pipeline, into the src/p4info entity
// values that src/p4info/entity-encode.ts turns into canonical bytes. Every
// byte string is checked against the P4Info bit width and rewritten in the
// shortest form (the spec's canonical binary string), match fields and params
// are sorted by id, zero values omitted: two clients that mean the same entry
// produce the same stored bytes, and a padded write reads back canonical.
import { Code } from '../proto/load.ts';
import { EncodeError } from '../shared/errors.ts';
import { canonical, compareUint, isMaskedLpm, isMaskedTernary, prefixMask } from '../p4info/bytes.ts';
import { encodeTableEntry } from '../p4info/entity-encode.ts';
import type { FieldMatchValue, ParamValue, TableActionValue } from '../p4info/entity-types.ts';
import { TargetError, invalid, outOfRange } from './errors.ts';
import { WireReader, WireWriter } from '../p4info/wire.ts';
import { longToNumber as toNum } from '../proto/long.ts';
import type { ActionModel, PipelineModel, TableModel } from './model.ts';

/**
 * Canonical form of an unsigned `bitwidth`-bit value (src/p4info owns the rule:
 * no leading zero bytes, zero as one 0x00 byte); a value that is empty or too
 * wide is the spec's OUT_OF_RANGE.
 */
function canonicalBytes(v: Uint8Array | undefined, bitwidth: number, what: string): Buffer {
  if (!v || v.length === 0) throw outOfRange(`${what}: empty byte string`);
  try {
    return canonical(v, bitwidth, what);
  } catch (err) {
    if (err instanceof EncodeError) throw outOfRange(err.message, err.data);
    throw err;
  }
}

/** Validates and canonicalises the match of a table entry (also used to look up an entry for Read); sorted by field id. */
export function canonicalMatch(table: TableModel, match: any[] | undefined): FieldMatchValue[] {
  const byId = new Map<number, FieldMatchValue>();
  for (const fm of match ?? []) {
    const fid = fm.field_id as number;
    const field = table.fieldById.get(fid);
    if (!field) throw invalid(`${table.name}: match field id ${fid} is not a key of the table`, { table: table.name, fieldId: fid });
    if (byId.has(fid)) throw invalid(`${table.name}: match field ${field.name} given twice`, { table: table.name, field: field.name });
    const what = `${table.name}.${field.name}`;
    const given = fm.field_match_type as string | undefined;
    const expected = field.kind.toLowerCase();
    if (field.kind === 'OTHER') throw new TargetError(Code.UNIMPLEMENTED, `${what}: match kind not supported by this target`);
    if (given !== expected) {
      throw invalid(`${what}: is a ${field.kind} field, the entry gives ${given ? given.toUpperCase() : 'no'} match`, { table: table.name, field: field.name });
    }
    const bw = field.bitwidth;
    switch (field.kind) {
      case 'EXACT': {
        byId.set(fid, { fieldId: fid, m: { kind: 'exact', value: canonicalBytes(fm.exact.value, bw, what) } });
        break;
      }
      case 'LPM': {
        const plen = fm.lpm.prefix_len as number;
        if (plen === 0) throw invalid(`${what}: an LPM prefix length of 0 is a don't-care; omit the field`, { table: table.name, field: field.name });
        if (plen < 0 || plen > bw) throw invalid(`${what}: prefix length ${plen} outside 1..${bw}`, { table: table.name, field: field.name });
        const v = canonicalBytes(fm.lpm.value, bw, what);
        if (!isMaskedLpm(v, plen, bw)) {
          throw invalid(`${what}: value has bits set past the /${plen} prefix`, { table: table.name, field: field.name });
        }
        byId.set(fid, { fieldId: fid, m: { kind: 'lpm', value: v, prefixLen: plen } });
        break;
      }
      case 'TERNARY': {
        const v = canonicalBytes(fm.ternary.value, bw, what);
        const m = canonicalBytes(fm.ternary.mask, bw, `${what} mask`);
        if (m.length === 1 && m[0] === 0) throw invalid(`${what}: an all-zero ternary mask is a don't-care; omit the field`, { table: table.name, field: field.name });
        if (!isMaskedTernary(v, m)) throw invalid(`${what}: value has bits outside the mask`, { table: table.name, field: field.name });
        byId.set(fid, { fieldId: fid, m: { kind: 'ternary', value: v, mask: m } });
        break;
      }
      case 'RANGE': {
        const lo = canonicalBytes(fm.range.low, bw, `${what} low`);
        const hi = canonicalBytes(fm.range.high, bw, `${what} high`);
        if (compareUint(lo, hi) > 0) throw invalid(`${what}: range low > high`, { table: table.name, field: field.name });
        if (lo.length === 1 && lo[0] === 0 && hi.equals(prefixMask(bw, bw))) {
          throw invalid(`${what}: a full range is a don't-care; omit the field`, { table: table.name, field: field.name });
        }
        byId.set(fid, { fieldId: fid, m: { kind: 'range', low: lo, high: hi } });
        break;
      }
      case 'OPTIONAL': {
        byId.set(fid, { fieldId: fid, m: { kind: 'optional', value: canonicalBytes(fm.optional.value, bw, what) } });
        break;
      }
    }
  }
  for (const f of table.fields) {
    if (f.kind === 'EXACT' && !byId.has(f.id)) {
      throw invalid(`${table.name}: exact field ${f.name} missing from the match`, { table: table.name, field: f.name });
    }
  }
  return [...byId.keys()].sort((a, b) => a - b).map((k) => byId.get(k)!);
}

/** Validates an Action message for `where` and returns it as a TableAction value, params canonical and sorted by id. */
export function canonicalAction(model: PipelineModel, action: any, where: string, allowed?: (a: ActionModel) => void): TableActionValue & { kind: 'action' } {
  const id = action?.action_id ?? 0;
  const a = model.action(id, where);
  allowed?.(a);
  const params = new Map<number, Buffer>();
  for (const p of action.params ?? []) {
    const pm = a.params.get(p.param_id);
    if (!pm) throw invalid(`${where}: action ${a.name} has no param id ${p.param_id}`, { action: a.name, paramId: p.param_id });
    if (params.has(p.param_id)) throw invalid(`${where}: action ${a.name} param ${pm.name} given twice`, { action: a.name, param: pm.name });
    params.set(p.param_id, canonicalBytes(p.value, pm.bitwidth, `${a.name}.${pm.name}`));
  }
  for (const pm of a.params.values()) {
    if (!params.has(pm.id)) throw invalid(`${where}: action ${a.name} param ${pm.name} missing`, { action: a.name, param: pm.name });
  }
  const sorted: ParamValue[] = [...params.keys()].sort((x, y) => x - y).map((pid) => ({ paramId: pid, value: params.get(pid)! }));
  return { kind: 'action', actionId: id, params: sorted };
}

/**
 * Key of a table entry inside its table: match and priority (the spec's entry identity), latin1 —
 * the TableEntry body of an entry with no table id and nothing else.
 */
export function entryKey(fields: FieldMatchValue[], priority: number): string {
  const entity = encodeTableEntry({ tableId: 0, match: fields, priority });
  const r = new WireReader(entity);
  r.next();
  return entity.toString('latin1', r.lenRange()[0]);
}

/** Priority rule: > 0 exactly when the table has a ternary, range or optional key. */
export function checkPriority(table: TableModel, priority: number): void {
  if (table.needsPriority && !(priority > 0)) {
    throw invalid(`${table.name}: priority must be > 0 (table has ternary/range/optional keys)`, { table: table.name, priority });
  }
  if (!table.needsPriority && priority !== 0) {
    throw invalid(`${table.name}: priority must be 0 (table has only exact/LPM keys)`, { table: table.name, priority });
  }
}

export function encodeCounterData(bytes: number, packets: number): Buffer {
  return new WireWriter(24).uintField(1, bytes).uintField(2, packets).view();
}

export function encodeMeterConfig(mc: any, where: string): Buffer {
  const vals = ['cir', 'cburst', 'pir', 'pburst', 'eburst'].map((k) => toNum(mc?.[k]));
  if (vals.some((v) => v < 0)) throw invalid(`${where}: meter config values must be >= 0`);
  const w = new WireWriter(64);
  vals.forEach((v, i) => w.uintField(i + 1, v));
  // Copied: it is stored, and a view would pin the writer's pooled slab.
  return w.finish();
}
