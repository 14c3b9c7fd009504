// The write-order comparator: a total order whose precedence is the one its
// doc comment states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWrites, compareDesired, writeRank, type Orderable } from '../../src/compile/order.ts';
import { TABLES, PROFILES } from '../../src/compile/tables.ts';
import type { ChangeKind } from '../../src/diff/types.ts';

const P = PROFILES.nfSelector.name;
const targets: Pick<Orderable, 'entity' | 'table'>[] = [
  { entity: 'action_profile_member', table: P },
  { entity: 'action_profile_group', table: P },
  ...Object.values(TABLES).map((t) => ({ entity: 'table_entry' as const, table: t.name })),
  { entity: 'table_entry', table: 'ingress.something_else' },
];
const kinds: ChangeKind[] = ['insert', 'modify', 'delete'];
const all: Orderable[] = [];
for (const t of targets) for (const kind of kinds) for (const key of ['a', 'b']) all.push({ ...t, kind, key });

test('total order: reflexive, antisymmetric, transitive over every combination', () => {
  for (const a of all) {
    assert.equal(compareWrites(a, a), 0);
    for (const b of all) {
      const ab = Math.sign(compareWrites(a, b));
      assert.ok(ab === -Math.sign(compareWrites(b, a)));
      if (ab === 0) assert.deepEqual(a, b);
      for (const c of all) if (ab < 0 && compareWrites(b, c) < 0) assert.ok(compareWrites(a, c) < 0);
    }
  }
});

const sorted = [...all].sort(compareWrites);
const pos = (kind: ChangeKind, table: string, entity: Orderable['entity'] = 'table_entry') =>
  sorted.findIndex((o) => o.kind === kind && o.table === table && o.entity === entity);

test('every make (insert/modify) comes before every delete', () => {
  const lastMake = Math.max(...sorted.map((o, i) => (o.kind !== 'delete' ? i : -1)));
  const firstDelete = sorted.findIndex((o) => o.kind === 'delete');
  assert.ok(lastMake < firstDelete);
});

test('make: members → groups → tenant → services → routes → policy/steer → flow_classify', () => {
  const chain = [
    pos('insert', P, 'action_profile_member'),
    pos('insert', P, 'action_profile_group'),
    pos('insert', TABLES.tenantClassify.name),
    pos('insert', TABLES.srcServiceV4.name),
    pos('insert', TABLES.tenantRouteV4.name),
    pos('insert', TABLES.flowPolicy.name),
    pos('insert', TABLES.flowClassify.name),
  ];
  assert.deepEqual(chain, [...chain].sort((a, b) => a - b));
  assert.ok(pos('insert', TABLES.nfSteer.name) < pos('insert', TABLES.flowClassify.name));
  // modifies run before inserts of the same rank
  assert.ok(pos('modify', TABLES.flowPolicy.name) < pos('insert', TABLES.flowPolicy.name));
});

test('delete: the reverse — flow_classify → policy/steer → … → groups → members', () => {
  const chain = [
    pos('delete', TABLES.flowClassify.name),
    pos('delete', TABLES.flowPolicy.name),
    pos('delete', TABLES.tenantRouteV6.name),
    pos('delete', TABLES.dstServiceV6.name),
    pos('delete', TABLES.tenantClassifyVni.name),
    pos('delete', P, 'action_profile_group'),
    pos('delete', P, 'action_profile_member'),
  ];
  assert.deepEqual(chain, [...chain].sort((a, b) => a - b));
  assert.ok(pos('delete', TABLES.nfSteer.name) < pos('delete', P, 'action_profile_group'));
});

test('within one kind and rank, the key decides', () => {
  const a = { kind: 'insert' as const, entity: 'table_entry' as const, table: TABLES.flowPolicy.name, key: '\x01' };
  const b = { ...a, table: TABLES.nfSteer.name, key: '\x02' };
  assert.ok(compareWrites(a, b) < 0 && compareWrites(b, a) > 0);
  assert.equal(writeRank('table_entry', TABLES.flowPolicy.name), writeRank('table_entry', TABLES.nfSteer.name));
});

test('compareDesired is the make order', () => {
  const d = targets.map((t, i) => ({ kind: t.entity, table: t.table, key: String(i) }));
  const viaWrites = [...d].sort((x, y) => compareWrites({ ...x, entity: x.kind, kind: 'insert' }, { ...y, entity: y.kind, kind: 'insert' }));
  assert.deepEqual([...d].sort(compareDesired), viaWrites);
});
