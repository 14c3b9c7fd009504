// Validation of one entity against the pipeline and its canonical encoding.
// Every byte string is checked against the P4Info bit width and rewritten in
// the shortest form (the spec's canonical binary string), match fields and
// params are sorted by id, zero values omitted: two clients that mean the
// same entry produce the same stored bytes, and a padded write reads back
// canonical.
import { Code } from '../proto/load.ts';
import { EncodeError } from '../shared/errors.ts';
import { canonical } from '../p4info/bytes.ts';
import { TargetError, invalid, outOfRange } from './errors.ts';
import { PbWriter, toNum } from './pb.ts';
import type { ActionModel, PipelineModel, TableModel } from './model.ts';

/**
 * Canonical form of an unsigned `bitwidth`-bit value (src/p4info owns the rule:
 * no leading zero bytes, zero as one 0x00 byte); a value that is empty or too
 * wide is the spec's OUT_OF_RANGE.
 */
export function canonicalBytes(v: Uint8Array | undefined, bitwidth: number, what: string): Buffer {
  if (!v || v.length === 0) throw outOfRange(`${what}: empty byte string`);
  try {
    return canonical(v, bitwidth, what);
  } catch (err) {
    if (err instanceof EncodeError) throw outOfRange(err.message, err.data);
    throw err;
  }
}

const big = (b: Buffer): bigint => BigInt('0x' + b.toString('hex'));

/** Validates and canonicalises the match of a table entry (also used to look up an entry for Read). */
export function canonicalMatch(table: TableModel, match: any[] | undefined): Buffer[] {
  const byId = new Map<number, Buffer>();
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
    const w = new PbWriter().uint(1, fid);
    const bw = field.bitwidth;
    switch (field.kind) {
      case 'EXACT': {
        w.bytes(2, new PbWriter().bytes(1, canonicalBytes(fm.exact.value, bw, what), true).finish(), true);
        break;
      }
      case 'LPM': {
        const plen = fm.lpm.prefix_len as number;
        if (plen === 0) throw invalid(`${what}: an LPM prefix length of 0 is a don't-care; omit the field`, { table: table.name, field: field.name });
        if (plen < 0 || plen > bw) throw invalid(`${what}: prefix length ${plen} outside 1..${bw}`, { table: table.name, field: field.name });
        const v = canonicalBytes(fm.lpm.value, bw, what);
        if (plen < bw && (big(v) & ((1n << BigInt(bw - plen)) - 1n)) !== 0n) {
          throw invalid(`${what}: value has bits set past the /${plen} prefix`, { table: table.name, field: field.name });
        }
        w.bytes(4, new PbWriter().bytes(1, v, true).uint(2, plen).finish(), true);
        break;
      }
      case 'TERNARY': {
        const v = canonicalBytes(fm.ternary.value, bw, what);
        const m = canonicalBytes(fm.ternary.mask, bw, `${what} mask`);
        const mb = big(m);
        if (mb === 0n) throw invalid(`${what}: an all-zero ternary mask is a don't-care; omit the field`, { table: table.name, field: field.name });
        if ((big(v) & ~mb) !== 0n) throw invalid(`${what}: value has bits outside the mask`, { table: table.name, field: field.name });
        w.bytes(3, new PbWriter().bytes(1, v, true).bytes(2, m, true).finish(), true);
        break;
      }
      case 'RANGE': {
        const lo = canonicalBytes(fm.range.low, bw, `${what} low`);
        const hi = canonicalBytes(fm.range.high, bw, `${what} high`);
        const l = big(lo);
        const h = big(hi);
        if (l > h) throw invalid(`${what}: range low > high`, { table: table.name, field: field.name });
        if (l === 0n && h === (1n << BigInt(bw)) - 1n) {
          throw invalid(`${what}: a full range is a don't-care; omit the field`, { table: table.name, field: field.name });
        }
        w.bytes(6, new PbWriter().bytes(1, lo, true).bytes(2, hi, true).finish(), true);
        break;
      }
      case 'OPTIONAL': {
        w.bytes(7, new PbWriter().bytes(1, canonicalBytes(fm.optional.value, bw, what), true).finish(), true);
        break;
      }
    }
    byId.set(fid, w.finish());
  }
  for (const f of table.fields) {
    if (f.kind === 'EXACT' && !byId.has(f.id)) {
      throw invalid(`${table.name}: exact field ${f.name} missing from the match`, { table: table.name, field: f.name });
    }
  }
  return [...byId.keys()].sort((a, b) => a - b).map((k) => byId.get(k)!);
}

/** Validates an Action message for `where` and returns its canonical encoding. */
export function canonicalAction(model: PipelineModel, action: any, where: string, allowed?: (a: ActionModel) => void): Buffer {
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
  const w = new PbWriter().uint(1, id);
  for (const pid of [...params.keys()].sort((x, y) => x - y)) {
    w.bytes(4, new PbWriter().uint(2, pid).bytes(3, params.get(pid)!, true).finish(), true);
  }
  return w.finish();
}

/** Key of a table entry inside its table: match and priority (the spec's entry identity), latin1. */
export function entryKey(fields: Buffer[], priority: number): string {
  const w = new PbWriter();
  for (const f of fields) w.bytes(2, f, true);
  w.uint(4, priority);
  return w.finish().toString('latin1');
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

export function encodeTableEntry(
  tableId: number,
  fields: Buffer[],
  action: Buffer | undefined,
  priority: number,
  extra: { isDefault?: boolean; idleTimeoutNs?: number; metadata?: Uint8Array; meter?: Buffer; counter?: Buffer } = {},
): Buffer {
  const w = new PbWriter().uint(1, tableId);
  for (const f of fields) w.bytes(2, f, true);
  w.bytes(3, action);
  w.uint(4, priority);
  w.bytes(6, extra.meter, true);
  w.bytes(7, extra.counter, true);
  w.bool(8, !!extra.isDefault);
  w.uint(9, extra.idleTimeoutNs ?? 0);
  w.bytes(11, extra.metadata);
  return w.finish();
}

export function wrapEntity(field: number, msg: Buffer): Buffer {
  return new PbWriter().bytes(field, msg, true).finish();
}

export function encodeCounterData(bytes: number, packets: number): Buffer {
  return new PbWriter().uint(1, bytes).uint(2, packets).finish();
}

export function encodeMeterConfig(mc: any, where: string): Buffer {
  const vals = ['cir', 'cburst', 'pir', 'pburst', 'eburst'].map((k) => toNum(mc?.[k]));
  if (vals.some((v) => v < 0)) throw invalid(`${where}: meter config values must be >= 0`);
  const w = new PbWriter();
  vals.forEach((v, i) => w.uint(i + 1, v));
  // Copied: it is stored, and a view would pin the writer's pooled slab.
  return Buffer.from(w.finish());
}
