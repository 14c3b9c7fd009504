// plan(): golden desired/live/plan sets in golden/*.json, plus properties on
// a compiled repo (a converged switch gives no changes however it encodes;
// applying a plan to the live set yields the desired set).
import { DesiredEntries } from '../../src/compile/entries.ts';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { plan } from '../../src/diff/plan.ts';
import type { Plan } from '../../src/diff/types.ts';
import { compile } from '../../src/compile/compile.ts';
import { compareDesired } from '../../src/compile/order.ts';
import { MANAGED_PROFILE_NAMES, MANAGED_TABLE_NAMES } from '../../src/compile/tables.ts';
import type { DesiredEntry, DesiredState } from '../../src/compile/types.ts';
import { canonicalizeEntity, describeEntity, encodeTableEntry, entityKey, parseEntity } from '../../src/p4info/entity.ts';
import { loadValid, shopRepo, v1model, NOW } from '../compile/fixture.ts';
import { encodeSpec, reencodePadded, type EntitySpec } from './entities.ts';

const index = v1model();
const here = path.dirname(fileURLToPath(import.meta.url));

interface Golden {
  about: string;
  desired: EntitySpec[];
  live: (EntitySpec & { padded?: boolean })[];
  prune?: boolean;
  plan: { insert: string[]; modify: { from: string; to: string }[]; delete: string[]; extraneous: string[]; unchanged: number };
}

function desiredState(specs: EntitySpec[]): DesiredState {
  const entries: DesiredEntry[] = specs.map((s, i) => {
    const bytes = encodeSpec(index, s);
    const p = parseEntity(bytes);
    if (p.kind === 'other') assert.fail('desired must be a table entry, member or group');
    const kind = p.kind;
    const table =
      p.kind === 'table_entry' ? index.table(p.entry.tableId).name : index.actionProfile(p.kind === 'action_profile_member' ? p.member.profileId : p.group.profileId).name;
    return { kind, table, key: entityKey(bytes), bytes, origin: { kind: 'flow', name: `golden/${i}`, file: 'golden.json', line: i + 1 } };
  });
  entries.sort(compareDesired);
  return {
    target: 'golden',
    entries: DesiredEntries.from(entries),
    managedTableIds: MANAGED_TABLE_NAMES.map((n) => index.table(n).id),
    managedProfileIds: MANAGED_PROFILE_NAMES.map((n) => index.actionProfile(n).id),
  };
}

function liveBytes(specs: Golden['live']): Buffer[] {
  return specs.map((s) => {
    const b = encodeSpec(index, s);
    return s.padded ? reencodePadded(index, b) : b;
  });
}

const d = (b: Buffer) => describeEntity(b, index);

/** Applies a plan to a live set (by key) and returns the resulting canonical bytes, sorted. */
function applyPlan(live: Buffer[], p: Plan, managed: (b: Buffer) => boolean): string[] {
  const state = new Map<string, Buffer>();
  // What the switch holds, as it would read back canonically (counters are status, not state).
  for (const b of live) if (managed(b)) state.set(entityKey(b), canonicalizeEntity(b, index));
  for (const c of p.deletes) assert.ok(state.delete(c.key), `delete of a key not on the switch: ${d(c.bytes)}`);
  for (const c of p.modifies) {
    assert.ok(state.has(c.key), `modify of a key not on the switch: ${d(c.bytes)}`);
    state.set(c.key, c.bytes);
  }
  for (const c of p.inserts) {
    assert.ok(!state.has(c.key), `insert of a key already on the switch: ${d(c.bytes)}`);
    state.set(c.key, c.bytes);
  }
  return [...state.values()].map((b) => d(b)).sort();
}

describe('plan: golden sets', () => {
  for (const file of fs.readdirSync(path.join(here, 'golden')).filter((f) => f.endsWith('.json')).sort()) {
    const g = JSON.parse(fs.readFileSync(path.join(here, 'golden', file), 'utf8')) as Golden;
    test(`${file}: ${g.about}`, () => {
      const desired = desiredState(g.desired);
      const live = liveBytes(g.live);
      const p = plan(desired, live, { index, prune: g.prune });
      assert.deepEqual(
        {
          insert: p.inserts.map((c) => d(c.bytes)),
          modify: p.modifies.map((c) => ({ from: d(c.previous!), to: d(c.bytes) })),
          delete: p.deletes.map((c) => d(c.bytes)),
          extraneous: (p.extraneous ?? []).map((c) => d(c.bytes)),
          unchanged: p.unchanged,
        },
        g.plan,
      );
      // Inserts and modifies write exactly the desired bytes and carry their origin.
      for (const c of [...p.inserts, ...p.modifies]) {
        const want = desired.entries.find((e) => e.key === c.key)!;
        assert.ok(c.bytes.equals(want.bytes));
        assert.deepEqual(c.origin, want.origin);
        assert.equal(c.table, want.table);
      }
      for (const c of p.deletes) assert.equal(c.key, entityKey(c.bytes));
      if (g.prune !== false) {
        const managedIds = new Set([...desired.managedTableIds, ...desired.managedProfileIds]);
        const managed = (b: Buffer) => {
          const e = parseEntity(b);
          return e.kind === 'table_entry' ? managedIds.has(e.entry.tableId) : e.kind === 'other' ? false : managedIds.has(e.kind === 'action_profile_member' ? e.member.profileId : e.group.profileId);
        };
        assert.deepEqual(applyPlan(live, p, managed), desired.entries.map((e) => d(e.bytes)).sort());
      }
    });
  }
});

describe('plan: a compiled repo', () => {
  const desired = compile(loadValid(shopRepo()), index, 'leaf1', { now: NOW });

  test('converged switch, canonical or padded encoding, any order: zero changes', () => {
    for (const live of [desired.entries.map((e) => Buffer.from(e.bytes)), desired.entries.map((e) => reencodePadded(index, e.bytes)).reverse()]) {
      const p = plan(desired, live, { index });
      assert.deepEqual([p.inserts.length, p.modifies.length, p.deletes.length, p.unchanged], [0, 0, 0, desired.entries.length]);
    }
  });

  test('empty switch: every entry is an insert, in write order', () => {
    const p = plan(desired, [], { index });
    assert.equal(p.inserts.length, desired.entries.length);
    const tables = p.inserts.map((c) => c.table);
    assert.ok(tables.indexOf('ingress.flow_policy') < tables.indexOf('ingress.flow_classify'));
    assert.equal(tables[0], 'ingress.nf_selector');
  });

  test('a switch holding a second copy of an entry: the copy is reported, never deleted by key', () => {
    const e = desired.entries.find((x) => x.table === 'ingress.flow_policy')!;
    const live = [...desired.entries.map((x) => x.bytes), reencodePadded(index, e.bytes)];
    const p = plan(desired, live, { index });
    assert.equal(p.deletes.length, 0);
    assert.equal(p.extraneous?.length, 1);
    assert.equal(p.unchanged, desired.entries.length);
  });
});

describe('plan: entries flowops could not have written', () => {
  test('a live value wider than its field is replaced by key (modify), not a crash', () => {
    const desired = compile(loadValid(shopRepo()), index, 'leaf1', { now: NOW });
    const policy = desired.entries.find((e) => e.table === 'ingress.flow_policy')!;
    // allow(qid) with a 2-byte qid of 0x0100 (qid is bit<5>): same key, bad action.
    const p0 = parseEntity(policy.bytes);
    assert.equal(p0.kind, 'table_entry');
    const te = (p0 as Extract<typeof p0, { kind: 'table_entry' }>).entry;
    const bad = encodeTableEntry({ ...te, action: { kind: 'action', actionId: index.action('ingress.allow').id, params: [{ paramId: 1, value: Buffer.from([1, 0]) }] } });
    const live = desired.entries.filter((e) => e.key !== policy.key).map((e) => e.bytes).concat([bad]);
    const p = plan(desired, live, { index });
    assert.equal(p.modifies.length, 1);
    assert.ok(p.modifies[0].bytes.equals(policy.bytes));
    assert.ok(p.modifies[0].previous!.equals(bad));
    assert.deepEqual([p.inserts.length, p.deletes.length, p.unchanged], [0, 0, desired.entries.length - 1]);
  });
});
