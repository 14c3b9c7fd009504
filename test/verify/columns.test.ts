// verify reads compiled entries as slots in columns (verify/columns.ts) and
// keeps, per target, a flow index of positions that each step moves to the
// next set (verify/state.ts). Over a generated two-tenant tree and a chain of
// changes with faults (one larger than the room the kept index has left),
// every step must take the step path and find exactly
// what a full verify of the same entries finds — both a fresh pass over the
// compiled entries and a decoded plain list — and every slot must read what
// decodeRow reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { createEmitter } from '../../src/compile/emit.ts';
import { DesiredEntries } from '../../src/compile/entries.ts';
import { TABLES } from '../../src/compile/tables.ts';
import type { DesiredEntry, Origin } from '../../src/compile/types.ts';
import { decodeRow, describeRow } from '../../src/model/entries.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { encodeTableEntry, parseEntity } from '../../src/p4info/entity.ts';
import { generateSpecs } from '../../bench/generate.ts';
import { Columns } from '../../src/verify/columns.ts';
import { factsFor, originTenant } from '../../src/verify/facts.ts';
import { verifyEntries, type VerifyResult } from '../../src/verify/verify.ts';
import { lastStats } from '../../src/verify/state.ts';
import { v1model } from '../compile/fixture.ts';

const index = v1model();
const emit = createEmitter(index);
const now = new Date('2026-01-01T00:00:00Z');
const files = new Map([...generateSpecs({ flows: 2500, target: { name: 'bench', address: '127.0.0.1:9559' } })].map(([p, t]) => [p, Buffer.from(t)]));
const specs = loadSpecs(files, { now, expired: 'drop' }).specs;
const base: DesiredEntry[] = [...compile(specs, index, 'bench', { now }).entries];
const facts = factsFor(specs, 'bench');
const [tenantA, tenantB] = [...facts.byName.values()];

const num = (e: DesiredEntry, field: string) => Number((decodeRow(e.bytes, index, 0)!.match.get(field) as { value: bigint }).value);
/** Flow name → its flow id and origin, in spec order. */
const flows = base.filter((e) => e.table === TABLES.flowPolicy.name).map((e) => ({ id: num(e, 'flow_id'), origin: e.origin }));
const steered = new Set(base.filter((e) => e.table === TABLES.nfSteer.name).map((e) => e.origin.name));

/** A small deterministic generator (mulberry32): the same chain on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const classify = (tenant: number, port: number, flow: number, origin: Origin): DesiredEntry => ({
  ...emit.table(TABLES.flowClassify, { tenant_id: tenant, src_service: 1, dst_service: 2, ip_proto: 17, l4_dst_port: port }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: flow } }),
  origin,
});

type Change = (list: DesiredEntry[], pick: <T>(xs: T[]) => T, step: number) => DesiredEntry[];
const changes: Record<string, Change> = {
  // A flow of tenant A classifying into tenant B's id (cross-tenant).
  foreign: (list, pick, step) => {
    const f = pick(flows.filter((x) => originTenant(x.origin.name) === tenantA!.name));
    return [...list, classify(tenantB!.id, 20000 + step, f.id, f.origin)];
  },
  // An entry of tenant A setting a flow whose policy is tenant B's.
  crossPolicy: (list, pick, step) => {
    const f = pick(flows.filter((x) => originTenant(x.origin.name) === tenantB!.name));
    const a = pick(flows.filter((x) => originTenant(x.origin.name) === tenantA!.name));
    return [...list, classify(tenantA!.id, 30000 + step, f.id, a.origin)];
  },
  // A flow loses its classify entries (unreachable) or its policy.
  dropClassify: (list, pick) => {
    const f = pick(flows);
    return list.filter((e) => !(e.table === TABLES.flowClassify.name && e.origin === f.origin));
  },
  dropPolicy: (list, pick) => {
    const f = pick(flows);
    return list.filter((e) => !(e.table === TABLES.flowPolicy.name && e.origin === f.origin));
  },
  // A steered flow loses its steering entry (it now needs a route).
  dropSteer: (list, pick) => {
    const f = pick(flows.filter((x) => steered.has(x.origin.name)));
    return list.filter((e) => !(e.table === TABLES.nfSteer.name && e.origin === f.origin));
  },
  // A policy no classify entry sets (unreachable), under a fresh flow id.
  orphan: (list, pick, step) => {
    const f = pick(flows);
    return [...list, { ...emit.table(TABLES.flowPolicy, { flow_id: 0x7f000000 + step }, { action: TABLES.flowPolicy.actions.allow, params: { qid: 1 } }), origin: f.origin }];
  },
  // A classify entry naming a flow id nothing else has.
  stray: (list, pick, step) => [...list, classify(tenantA!.id, 40000 + step, 0x7e000000 + step, pick(flows).origin)],
  // A classify entry whose action sets no flow (the flows that name none are judged as one).
  noFlow: (list, pick, step) => {
    const e = classify(tenantB!.id, 50000 + step, 1, pick(flows).origin);
    const p = parseEntity(e.bytes);
    assert.equal(p.kind, 'table_entry');
    // The default-only action, which the emitter refuses: a hostile entry verify must still judge.
    const bytes = encodeTableEntry({ ...(p as Extract<typeof p, { kind: 'table_entry' }>).entry, action: { kind: 'action', actionId: index.action('ingress.no_match').id, params: [] } });
    return [...list, { ...e, bytes }];
  },
  // Every entry of a flow moves a line down (findings must name the new line).
  moved: (list, pick) => {
    const f = pick(flows);
    const to: Origin = { ...f.origin, line: f.origin.line + 1 };
    return list.map((e) => (e.origin === f.origin ? { ...e, origin: to } : e));
  },
  // Many entries for one flow at once: more than the room the kept index has left (it grows).
  many: (list, pick, step) => {
    const f = pick(flows.filter((x) => originTenant(x.origin.name) === tenantA!.name));
    return [...list, ...Array.from({ length: 1500 }, (_, i) => classify(tenantA!.id, 2 * i + (step % 2), f.id, f.origin))];
  },
  // Back to the base set.
  revert: () => base,
};

const lines = (r: VerifyResult) => r.findings.map((f) => `${f.severity} ${f.check} ${f.table} ${f.origin ? `${f.origin.file}:${f.origin.line} ${f.origin.name}` : '-'} ${f.message} | ${f.entry ?? ''}`);

test('a chain of changes with faults: each step equals a full verify of the same entries', () => {
  const random = rng(13);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const target = 'columns-chain';
  let list = base;
  const b = verifyEntries(target, DesiredEntries.from(list), index, facts);
  assert.equal(lastStats.get(target)!.path, 'full');
  assert.deepEqual(b.findings, []);
  const names = Object.keys(changes);
  const seen = new Set<string>();
  for (let step = 0; step < 30; step++) {
    // Every change at least once, then at random; faults pile up until a revert.
    const name = step < names.length ? names[step]! : pick(names);
    list = changes[name]!(list, pick, step);
    const entries = DesiredEntries.from(list);
    const got = verifyEntries(target, entries, index, facts);
    const stats = lastStats.get(target)!;
    assert.equal(stats.path, 'step', `${step} ${name}: ${JSON.stringify(stats)}`);
    assert.ok(stats.flows <= 24, `${step} ${name}: judged ${stats.flows} of ${flows.length} flows again`);
    const fresh = verifyEntries(`${target}-fresh-${step}`, entries, index, facts);
    assert.equal(lastStats.get(`${target}-fresh-${step}`)!.path, 'full');
    assert.deepEqual(lines(got), lines(fresh), `${step} ${name}`);
    assert.deepEqual(got.usage, fresh.usage, `${step} ${name}`);
    const decoded = verifyEntries(target, list.map((e) => ({ ...e })), index, facts);
    assert.deepEqual(lines(got), lines(decoded), `${step} ${name}`);
    for (const f of got.findings) seen.add(f.check);
  }
  for (const check of ['cross-tenant', 'unreachable']) assert.ok(seen.has(check), `${check} found along the chain`);
});

test('every slot of the columns reads what decodeRow reads; slots at positions are those positions', () => {
  const faulty = changes.foreign!(changes.dropSteer!(base, (xs) => xs[0]!, 0), (xs) => xs[1]!, 1);
  const entries = DesiredEntries.from(faulty);
  const cols = Columns.ofEntries(entries, index);
  const fields = ['tenant_id', 'src_service', 'dst_service', 'flow_id', 'vlan_id', 'ingress_port', 'no_such'];
  const params = ['flow_id', 'tenant_id', 'qid', 'service_id', 'no_such'];
  const check = (c: Columns, slot: number, k: number) => {
    const e = entries.at(k);
    const r = decodeRow(e.bytes, index, k, e.origin);
    assert.equal(c.has(slot), !!r, `${k}`);
    if (!r) return;
    assert.equal(c.position(slot), k);
    assert.equal(c.table(slot), r.table);
    assert.equal(c.kind(slot), r.kind);
    assert.equal(c.origin(slot), e.origin);
    assert.equal(c.actionName(slot), r.action?.name);
    assert.equal(c.groupId(slot), r.groupId);
    for (const f of fields) {
      const m = r.match.get(f);
      assert.equal(c.exact(slot, f), m && (m.kind === 'exact' || m.kind === 'optional') ? Number(m.value) : undefined, `${k} ${f}`);
    }
    for (const p of params) {
      const v: bigint | undefined = r.action?.params.get(p);
      assert.equal(c.param(slot, p), v === undefined ? undefined : Number(v), `${k} ${p}`);
    }
    assert.equal(describeRow(c.row(slot)), describeRow(r));
    assert.equal(c.row(slot).origin, e.origin);
  };
  for (let k = 0; k < entries.length; k++) check(cols, k, k);
  const some = [0, 5, 17, entries.length - 1];
  const at = Columns.atPositions(entries, index, some);
  some.forEach((k, j) => check(at, j, k));
});
