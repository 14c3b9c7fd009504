// Compares two P4Infos by meaning: the objects a controller programs against
// (tables, keys, match kinds, widths, actions, params, ids, action profiles,
// counters, meters, packet metadata), not their text. Docs, annotation order
// and the order objects are listed in do not matter. Objects are paired by id
// (the P4Runtime identity) and then by name, so a rename reads as a rename and
// a renumbering as a renumbering, and references between objects (a table's
// actions, implementation, direct resources) are compared through that
// pairing. Each difference is one sentence.
import protobuf from 'protobufjs';
import { protoType } from '../proto/load.ts';

type Info = any;
type Obj = { preamble: { id: number; name: string; annotations: string[] } } & Record<string, any>;

const SECTIONS = [
  ['tables', 'table'],
  ['actions', 'action'],
  ['action_profiles', 'action profile'],
  ['counters', 'counter'],
  ['direct_counters', 'direct counter'],
  ['meters', 'meter'],
  ['direct_meters', 'direct meter'],
  ['controller_packet_metadata', 'packet metadata'],
  ['value_sets', 'value set'],
  ['registers', 'register'],
  ['digests', 'digest'],
] as const;

function plain(p: protobuf.Message | Record<string, unknown>): Info {
  const t = protoType('p4.config.v1.P4Info');
  const msg = p instanceof protobuf.Message ? p : t.fromObject(p);
  return t.toObject(msg, { longs: Number, enums: String, defaults: true, arrays: true });
}

const hex = (id: number) => '0x' + (id >>> 0).toString(16).padStart(8, '0');

interface Pairing {
  pairs: [Obj, Obj][];
  removed: Obj[];
  added: Obj[];
}

/** Pairs objects by id, then the rest by name. */
function pair(as: Obj[], bs: Obj[]): Pairing {
  const pairs: [Obj, Obj][] = [];
  const restA: Obj[] = [];
  const bById = new Map(bs.map((b) => [b.preamble.id, b]));
  const used = new Set<Obj>();
  for (const a of as) {
    const b = bById.get(a.preamble.id);
    if (b && !used.has(b)) {
      pairs.push([a, b]);
      used.add(b);
    } else restA.push(a);
  }
  const removed: Obj[] = [];
  const bByName = new Map(bs.filter((b) => !used.has(b)).map((b) => [b.preamble.name, b]));
  for (const a of restA) {
    const b = bByName.get(a.preamble.name);
    if (b && !used.has(b)) {
      pairs.push([a, b]);
      used.add(b);
    } else removed.push(a);
  }
  return { pairs, removed, added: bs.filter((b) => !used.has(b)) };
}

/** Elements of two lists keyed by `key`, for keys, params and metadata. */
function pairBy<T>(as: T[], bs: T[], key: (x: T) => string | number): { both: [T, T][]; onlyA: T[]; onlyB: T[] } {
  const bm = new Map(bs.map((b) => [key(b), b]));
  const am = new Map(as.map((a) => [key(a), a]));
  return {
    both: as.filter((a) => bm.has(key(a))).map((a) => [a, bm.get(key(a))!] as [T, T]),
    onlyA: as.filter((a) => !bm.has(key(a))),
    onlyB: bs.filter((b) => !am.has(key(b))),
  };
}

function setDiff(what: string, a: string[], b: string[], out: string[]): void {
  const sa = new Set(a);
  const sb = new Set(b);
  for (const x of [...sa].sort()) if (!sb.has(x)) out.push(`${what} ${x} removed`);
  for (const x of [...sb].sort()) if (!sa.has(x)) out.push(`${what} ${x} added`);
}

/** Lists how P4Info `b` differs from `a` by meaning; empty when they mean the same. */
export function compareP4Info(a: protobuf.Message | Record<string, unknown>, b: protobuf.Message | Record<string, unknown>): string[] {
  const A = plain(a);
  const B = plain(b);
  const out: string[] = [];
  if ((A.pkg_info?.arch ?? '') !== (B.pkg_info?.arch ?? '')) out.push(`arch "${A.pkg_info?.arch ?? ''}" → "${B.pkg_info?.arch ?? ''}"`);

  // Pair every section first, so references can be translated from b's ids to a's.
  const pairings = new Map<string, Pairing>();
  const bToA = new Map<number, number>();
  const nameA = new Map<number, string>();
  const nameB = new Map<number, string>();
  for (const [sec] of SECTIONS) {
    const p = pair(A[sec] ?? [], B[sec] ?? []);
    pairings.set(sec, p);
    for (const [x, y] of p.pairs) bToA.set(y.preamble.id, x.preamble.id);
    for (const x of A[sec] ?? []) nameA.set(x.preamble.id, x.preamble.name);
    for (const y of B[sec] ?? []) nameB.set(y.preamble.id, y.preamble.name);
  }
  // A reference as one comparable token: a's id for paired objects, otherwise a marked b id.
  const refA = (id: number) => (id ? `${id}` : '');
  const refB = (id: number) => (id ? (bToA.has(id) ? `${bToA.get(id)}` : `b${id}`) : '');
  const showA = (id: number) => (id ? nameA.get(id) ?? hex(id) : 'none');
  const showB = (id: number) => (id ? nameB.get(id) ?? hex(id) : 'none');

  for (const [sec, kind] of SECTIONS) {
    const p = pairings.get(sec)!;
    for (const x of p.removed) out.push(`${kind} ${x.preamble.name} (${hex(x.preamble.id)}) removed`);
    for (const y of p.added) out.push(`${kind} ${y.preamble.name} (${hex(y.preamble.id)}) added`);
    for (const [x, y] of p.pairs) {
      const label = `${kind} ${y.preamble.name}`;
      if (x.preamble.name !== y.preamble.name) out.push(`${kind} ${hex(x.preamble.id)} renamed ${x.preamble.name} → ${y.preamble.name}`);
      if (x.preamble.id !== y.preamble.id) out.push(`${label}: id ${hex(x.preamble.id)} → ${hex(y.preamble.id)}`);
      setDiff(`${label}: annotation`, x.preamble.annotations, y.preamble.annotations, out);
      const d: string[] = [];
      const field = (what: string, va: unknown, vb: unknown) => {
        if (va !== vb) d.push(`${what} ${String(va)} → ${String(vb)}`);
      };
      switch (sec) {
        case 'tables': {
          const keys = pairBy<any>(x.match_fields, y.match_fields, (f) => f.id);
          for (const f of keys.onlyA) d.push(`key ${f.name} (id ${f.id}) removed`);
          for (const f of keys.onlyB) d.push(`key ${f.name} (id ${f.id}) added`);
          for (const [fa, fb] of keys.both) {
            if (fa.name !== fb.name) d.push(`key ${fa.id} renamed ${fa.name} → ${fb.name}`);
            field(`key ${fb.name} width`, fa.bitwidth, fb.bitwidth);
            field(`key ${fb.name} match`, (fa.other_match_type || fa.match_type).toLowerCase(), (fb.other_match_type || fb.match_type).toLowerCase());
            setDiff(`key ${fb.name} annotation`, fa.annotations, fb.annotations, d);
          }
          const refs = pairBy<any>(
            x.action_refs.map((r: any) => ({ ...r, k: refA(r.id) })),
            y.action_refs.map((r: any) => ({ ...r, k: refB(r.id) })),
            (r) => r.k,
          );
          for (const r of refs.onlyA) d.push(`action ${showA(r.id)} removed`);
          for (const r of refs.onlyB) d.push(`action ${showB(r.id)} added`);
          for (const [ra, rb] of refs.both) {
            field(`action ${showB(rb.id)} scope`, ra.scope, rb.scope);
            setDiff(`action ${showB(rb.id)} annotation`, ra.annotations, rb.annotations, d);
          }
          if (refA(x.const_default_action_id) !== refB(y.const_default_action_id)) {
            d.push(`const default action ${showA(x.const_default_action_id)} → ${showB(y.const_default_action_id)}`);
          }
          if (refA(x.implementation_id) !== refB(y.implementation_id)) d.push(`implementation ${showA(x.implementation_id)} → ${showB(y.implementation_id)}`);
          const dr = pairBy<string>(x.direct_resource_ids.map(refA), y.direct_resource_ids.map(refB), (s) => s);
          for (const r of dr.onlyA) d.push(`direct resource ${showA(Number(r))} removed`);
          for (const r of dr.onlyB) d.push(`direct resource ${showB(Number(r.replace(/^b/, '')))} added`);
          field('size', x.size, y.size);
          field('idle timeout', x.idle_timeout_behavior, y.idle_timeout_behavior);
          field('const table', x.is_const_table, y.is_const_table);
          field('initial entries', x.has_initial_entries, y.has_initial_entries);
          break;
        }
        case 'actions': {
          const ps = pairBy<any>(x.params, y.params, (q) => q.id);
          for (const q of ps.onlyA) d.push(`param ${q.name} (id ${q.id}) removed`);
          for (const q of ps.onlyB) d.push(`param ${q.name} (id ${q.id}) added`);
          for (const [qa, qb] of ps.both) {
            if (qa.name !== qb.name) d.push(`param ${qa.id} renamed ${qa.name} → ${qb.name}`);
            field(`param ${qb.name} width`, qa.bitwidth, qb.bitwidth);
          }
          break;
        }
        case 'action_profiles': {
          const ts = pairBy<string>(x.table_ids.map(refA), y.table_ids.map(refB), (s) => s);
          for (const t of ts.onlyA) d.push(`table ${showA(Number(t))} removed`);
          for (const t of ts.onlyB) d.push(`table ${showB(Number(t.replace(/^b/, '')))} added`);
          field('with_selector', x.with_selector, y.with_selector);
          field('size', x.size, y.size);
          field('max_group_size', x.max_group_size, y.max_group_size);
          field('selector size semantics', x.sum_of_members ? 'sum_of_members' : 'sum_of_weights', y.sum_of_members ? 'sum_of_members' : 'sum_of_weights');
          break;
        }
        case 'counters':
        case 'meters':
          field('unit', x.spec?.unit, y.spec?.unit);
          field('size', x.size, y.size);
          break;
        case 'direct_counters':
        case 'direct_meters':
          field('unit', x.spec?.unit, y.spec?.unit);
          if (refA(x.direct_table_id) !== refB(y.direct_table_id)) d.push(`table ${showA(x.direct_table_id)} → ${showB(y.direct_table_id)}`);
          break;
        case 'controller_packet_metadata': {
          const ms = pairBy<any>(x.metadata, y.metadata, (m) => m.id);
          for (const m of ms.onlyA) d.push(`field ${m.name} (id ${m.id}) removed`);
          for (const m of ms.onlyB) d.push(`field ${m.name} (id ${m.id}) added`);
          for (const [ma, mb] of ms.both) {
            if (ma.name !== mb.name) d.push(`field ${ma.id} renamed ${ma.name} → ${mb.name}`);
            field(`field ${mb.name} width`, ma.bitwidth, mb.bitwidth);
          }
          break;
        }
        case 'value_sets':
        case 'registers':
          field('size', x.size, y.size);
          break;
      }
      for (const line of d) out.push(`${label}: ${line}`);
    }
  }
  return out;
}
