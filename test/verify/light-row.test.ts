// verify/light-row.ts reads the volume tables' rows straight from their
// bytes into numbers; wherever it answers, the row a person sees (match,
// action) must be exactly model/entries.ts decodeRow's, and the numbers the
// checks read (exactOf, paramOf) its values; every other entity is left to
// decodeRow. Over varied trees (the shop fixture, a generated two-tenant
// repository) and hand-made entities decodeRow reads but this reader must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { createEmitter } from '../../src/compile/emit.ts';
import { TABLES } from '../../src/compile/tables.ts';
import type { DesiredEntry } from '../../src/compile/types.ts';
import { decodeRow, type Row } from '../../src/model/entries.ts';
import { lightRow, type LightRow } from '../../src/verify/light-row.ts';
import { withMetadataBytes } from '../../src/p4info/entity.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { generateSpecs } from '../../bench/generate.ts';
import { DesiredEntries } from '../../src/compile/entries.ts';
import { factsFor, originTenant } from '../../src/verify/facts.ts';
import { verifyEntries, type VerifyResult } from '../../src/verify/verify.ts';
import { NOW, loadValid, shopRepo, v1model } from '../compile/fixture.ts';

const index = v1model();
const all = (buf: Uint8Array) => lightRow(buf, 0, buf.length, index, 3);

/** The light row as decodeRow's plain object (its own properties, as decodeRow sets them). */
function plain(r: LightRow): Row {
  const o: Row = { kind: r.kind, table: r.table, match: r.match, priority: r.priority, at: r.at, origin: r.origin };
  if (r.action) o.action = r.action;
  if (r.metadata) o.metadata = r.metadata;
  return o;
}

/** Light row and decodeRow agree on the row and on every number the checks read. */
function same(bytes: Uint8Array, what: string): LightRow | undefined {
  const light = all(bytes);
  if (!light) return undefined;
  const full = decodeRow(bytes, index, 3)!;
  assert.deepEqual(plain(light), full, what);
  for (const [name, m] of full.match) assert.equal(light.exactOf(name), Number((m as { value: bigint }).value), `${what} ${name}`);
  for (const [name, v] of full.action?.params ?? []) assert.equal(light.paramOf(name), Number(v), `${what} ${name}`);
  assert.equal(light.exactOf('no_such_field'), undefined);
  assert.equal(light.paramOf('no_such_param'), undefined);
  return light;
}

function generated(): DesiredEntry[] {
  const files = new Map([...generateSpecs({ flows: 2500, target: { name: 'bench', address: '127.0.0.1:9559' } })].map(([p, t]) => [p, Buffer.from(t)]));
  const loaded = loadSpecs(files, { now: new Date('2026-01-01T00:00:00Z'), expired: 'drop' });
  assert.deepEqual(loaded.errors, []);
  return [...compile(loaded.specs, index, 'bench', { now: new Date('2026-01-01T00:00:00Z') }).entries];
}

test('every entry of two compiled trees: the light row equals decodeRow, and it answers for the volume tables only', () => {
  for (const [name, entries] of [['shop', [...compile(loadValid(shopRepo()), index, 'leaf1', { now: NOW }).entries]], ['generated', generated()]] as const) {
    const answered = new Map<string, number>();
    for (const e of entries) if (same(e.bytes, `${name} ${e.table}`)) answered.set(e.table, (answered.get(e.table) ?? 0) + 1);
    for (const t of [TABLES.flowClassify.name, TABLES.flowPolicy.name, TABLES.tenantClassify.name]) {
      assert.equal(answered.get(t), entries.filter((e) => e.table === t).length, `${name} ${t}`);
    }
    for (const t of [TABLES.srcServiceV4.name, TABLES.nfSteer.name, TABLES.flowClassifyRange.name, TABLES.tenantRouteV4.name]) assert.ok(!answered.has(t), `${name} ${t}`);
  }
});

test('metadata, a wide value and bytes that are not an entity: equal, or left to decodeRow', () => {
  const emit = createEmitter(index);
  const policy = emit.table(TABLES.flowPolicy, { flow_id: 0x01020304 }, { action: TABLES.flowPolicy.actions.allow, params: { qid: 3 } }).bytes;
  const withMeta = withMetadataBytes(Buffer.from(policy), Buffer.from('provenance'));
  assert.equal(same(withMeta, 'metadata')!.metadata!.toString(), 'provenance');
  const classify = emit.table(TABLES.flowClassify, { tenant_id: 7, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 443 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: 0xffffffff } }).bytes;
  assert.equal(same(classify, 'classify')!.paramOf('flow_id'), 0xffffffff);
  assert.equal(all(Buffer.from([0x12, 0x05, 0x08, 0x01])), undefined); // truncated
  assert.equal(all(Buffer.from([])), undefined);
  // Shifted into the middle of a larger buffer: offsets are honoured.
  const padded = Buffer.concat([Buffer.from([1, 2, 3]), classify, Buffer.from([9])]);
  assert.deepEqual(plain(lightRow(padded, 3, 3 + classify.length, index, 3)!), plain(all(classify)!));
  // A copy for another entry shares the numbers, with its own place and origin.
  const at = all(classify)!.placed(9, { kind: 'flow', name: 'x/y', file: 'f.yaml', line: 2 });
  assert.deepEqual(plain(at), { ...decodeRow(classify, index, 9)!, origin: { kind: 'flow', name: 'x/y', file: 'f.yaml', line: 2 } });
});

// Hand-encoded TableEntry entities (decodeRow reads them; the light reader only takes fields and
// params complete and in P4Info order).
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
};
const vi = (no: number, n: number) => [...varint(no << 3), ...varint(n)];
const ld = (no: number, body: number[]) => [...varint((no << 3) | 2), ...varint(body.length), ...body];
function entity(fields: [number, number[]][], params: [number, number[]][], priority = 0): Uint8Array {
  const t = index.table(TABLES.flowClassify.name);
  const a = index.action(TABLES.flowClassify.actions.setFlow.name);
  const body = [
    ...vi(1, t.id),
    ...fields.flatMap(([id, v]) => ld(2, [...vi(1, id), ...ld(2, ld(1, v))])),
    ...ld(3, ld(1, [...vi(1, a.id), ...params.flatMap(([id, v]) => ld(4, [...vi(2, id), ...ld(3, v)]))])),
    ...(priority ? vi(4, priority) : []),
  ];
  return Uint8Array.from(ld(2, body));
}

test('fields or params out of P4Info order, missing or repeated: left to decodeRow', () => {
  const t = index.table(TABLES.flowClassify.name);
  const a = index.action(TABLES.flowClassify.actions.setFlow.name);
  const fields = t.fields.map((f, i): [number, number[]] => [f.id, [i + 1]]);
  const params = a.params.map((p): [number, number[]] => [p.id, [0, 0, 1, 2]]);
  const cases: [string, Uint8Array, boolean][] = [
    ['in order', entity(fields, params), true],
    ['in order, with a priority', entity(fields, params, 5), true],
    ['zero-length value', entity([[fields[0]![0], []], ...fields.slice(1)], params), true],
    ['fields reversed', entity([...fields].reverse(), params), false],
    ['a field missing', entity(fields.slice(1), params), false],
    ['a field repeated', entity([...fields, fields[fields.length - 1]!], params), false],
    ['a param missing', entity(fields, []), false],
    ['a 7-byte value', entity([[fields[0]![0], [1, 2, 3, 4, 5, 6, 7]], ...fields.slice(1)], params), false],
  ];
  for (const [what, bytes, light] of cases) {
    assert.ok(decodeRow(bytes, index, 3), what);
    assert.equal(!!same(bytes, what), light, what);
  }
});

test('verify over light rows (compiled entries) finds exactly what it finds over decodeRow rows (a list), faults included', () => {
  const emit = createEmitter(index);
  const files = new Map([...generateSpecs({ flows: 2500, target: { name: 'bench', address: '127.0.0.1:9559' } })].map(([p, t]) => [p, Buffer.from(t)]));
  const specs = loadSpecs(files, { now: new Date('2026-01-01T00:00:00Z'), expired: 'drop' }).specs;
  const list = [...compile(specs, index, 'bench', { now: new Date('2026-01-01T00:00:00Z') }).entries];
  const facts = factsFor(specs, 'bench');
  const [a, b] = [...facts.byName.values()];
  assert.ok(a && b, 'two tenants');
  const ofA = list.find((e) => e.table === TABLES.flowClassify.name && originTenant(e.origin.name) === a.name)!.origin;
  const policy = list.find((e) => e.table === TABLES.flowPolicy.name)!;
  const faults: DesiredEntry[] = [
    // A flow of tenant a classifying into tenant b's id, for a flow id no policy has.
    { ...emit.table(TABLES.flowClassify, { tenant_id: b.id, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 22 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: 77 } }), origin: ofA },
    // A policy no classify entry sets.
    { ...emit.table(TABLES.flowPolicy, { flow_id: 78 }, { action: TABLES.flowPolicy.actions.allow, params: { qid: 1 } }), origin: ofA },
    // Tenant a classified on a VLAN and a port not its own.
    { ...emit.table(TABLES.tenantClassify, { ingress_port: 99, vlan_id: 999 }, { action: TABLES.tenantClassify.actions.setTenant, params: { tenant_id: a.id } }), origin: ofA },
    // Another origin claiming a policy's key.
    { ...policy, origin: { ...ofA, line: ofA.line + 1 } },
  ];
  const all = [...list, ...faults];
  const lines = (r: VerifyResult) => r.findings.map((f) => `${f.severity} ${f.check} ${f.table} ${f.origin ? `${f.origin.file}:${f.origin.line} ${f.origin.name}` : '-'} ${f.message} | ${f.entry ?? ''}`);
  const columns = verifyEntries('light-vs-decode', DesiredEntries.from(all), index, facts);
  const decoded = verifyEntries('light-vs-decode', all, index, facts);
  assert.deepEqual(lines(columns), lines(decoded));
  assert.deepEqual(columns.usage, decoded.usage);
  for (const check of ['cross-tenant', 'unreachable', 'duplicate-key']) assert.ok(columns.findings.some((f) => f.check === check), `${check}: ${lines(columns).join('\n')}`);
  assert.ok(columns.findings.length >= 6, lines(columns).join('\n'));
});
