// Provenance records in TableEntry.metadata: the format and its bound, and the
// round trip through the bundled target over P4Runtime: written with the
// commit that introduced each entry, read back byte-exact, never a reason to
// rewrite an entry, carried by drift reports, foreign or missing records named.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/apply/apply.ts';
import { plan } from '../../src/diff/plan.ts';
import { planSize } from '../../src/diff/types.ts';
import { desiredState } from '../../src/desired/desired.ts';
import { driftEntries } from '../../src/reconcile/live.ts';
import { p4rtConnector } from '../../src/reconcile/p4rt-switch.ts';
import type { SwitchConnection } from '../../src/reconcile/switch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { entityKey, parseEntity } from '../../src/p4info/entity.ts';
import { attribution, decodeProvenance, describeProvenance, encodeProvenance, metadataOf, RECORD_MAX, withMetadata } from '../../src/provenance/metadata.ts';
import { P4INFO } from '../helpers/reconcile-env.ts';
import { specRepo, treeOf, type FlowDef } from '../helpers/spec-repo.ts';

const C1 = '3f2a9c1d04be77aa00112233445566778899aabb';
const C2 = 'deadbeefcafe0000111122223333444455556666';

test('a record is compact, printable, bounded, and decodes to what was encoded', () => {
  const r = encodeProvenance({ kind: 'flow', name: 'acme/storefront-to-catalog' }, C1);
  assert.equal(r.toString(), 'fo1|3f2a9c1d04be|f|acme/storefront-to-catalog');
  assert.equal(r.length, 45);
  assert.deepEqual(decodeProvenance(r), { kind: 'flow', name: 'acme/storefront-to-catalog', commit: '3f2a9c1d04be' });
  const long = encodeProvenance({ kind: 'flow', name: `acme/${'é'.repeat(400)}` }, C1);
  assert.ok(long.length <= RECORD_MAX, `${long.length}`);
  assert.match(decodeProvenance(long)!.name, /~[0-9a-f]{8}$/);
  assert.equal(describeProvenance(undefined), 'no flowops metadata');
  assert.equal(describeProvenance(Buffer.from('owner=ops-team')), 'foreign metadata (14 bytes)');
  assert.equal(decodeProvenance(Buffer.alloc(RECORD_MAX + 1, 0x61)), undefined);
});

describe('provenance through the bundled target', () => {
  let target: RunningTarget;
  let sw: SwitchConnection;
  const address = () => `127.0.0.1:${target.port}`;
  const flows: FlowDef[] = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, from: 'web', to: 'api', ports: [1000 + i] }));
  const stateFor = (fl: FlowDef[]) => {
    const files = new Map(Object.entries(specRepo({ targets: [{ name: 'leaf1', address: address() }], flows: fl })).map(([k, v]) => [k, Buffer.from(v)]));
    const d = desiredState(treeOf(files, 'test'), { now: new Date() });
    assert.deepEqual(d.problems, []);
    return { desired: d.states.get('leaf1')!, index: d.pipelines.get('leaf1')!.index, pipe: d.pipelines.get('leaf1')! };
  };
  const limits = { size: 100, maxBytes: 1 << 20 };

  before(async () => {
    target = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
    sw = await p4rtConnector()({ name: 'leaf1', address: address(), deviceId: 1, electionId: 5, insecure: true }, silentLogger);
    const { pipe } = stateFor(flows);
    await sw.ensurePipeline(pipe, 'push');
  });
  after(async () => {
    await sw?.close();
    await target?.stop();
  });

  test('every written table entry reads back with its record byte-exact; the diff against it is empty; a new commit rewrites only what changed', async () => {
    const { desired, index } = stateFor(flows);
    const r = await applyPlan(sw, plan(desired, await sw.readManaged(desired, index), { index }), { limits, provenance: { commit: C1 } });
    assert.equal(r.ok, true);
    const live = await sw.readManaged(desired, index);
    const tableEntries = live.filter((b) => parseEntity(b).kind === 'table_entry');
    assert.equal(tableEntries.length, desired.entries.filter((e) => e.kind === 'table_entry').length);
    const originOf = new Map(desired.entries.map((e) => [e.key, e.origin]));
    for (const b of tableEntries) {
      const o = originOf.get(entityKey(withMetadataStripped(b)))!;
      assert.ok(o, 'every live entry is attributed to a spec');
      assert.deepEqual(metadataOf(b), encodeProvenance(o, C1), 'byte-exact record on read-back');
      assert.equal(attribution(b), 'flowops');
    }
    assert.equal(planSize(plan(desired, live, { index })), 0, 'metadata never makes an entry differ');

    // Commit 2 changes one flow's port: only its entries are written, and only they carry commit 2.
    const next = stateFor([{ ...flows[0]!, ports: [2000] }, ...flows.slice(1)]);
    const p2 = plan(next.desired, live, { index });
    assert.ok(planSize(p2) > 0 && planSize(p2) <= 3, `${planSize(p2)} changes`);
    assert.equal((await applyPlan(sw, p2, { limits, provenance: { commit: C2 } })).ok, true);
    const after2 = await sw.readManaged(next.desired, index);
    const commits = new Map<string, number>();
    for (const b of after2) {
      const p = decodeProvenance(metadataOf(b));
      if (p) commits.set(`${p.commit} ${p.name}`, (commits.get(`${p.commit} ${p.name}`) ?? 0) + 1);
    }
    const newer = [...commits.keys()].filter((k) => k.startsWith('deadbeefcafe'));
    assert.deepEqual(newer, ['deadbeefcafe acme/f0'], [...commits.keys()].join('\n'));
    assert.ok([...commits.keys()].some((k) => k === '3f2a9c1d04be acme/f1'));
  });

  test('drift names an entry with no record, one with a foreign record, and who wrote a modified one', async () => {
    const { desired, index } = stateFor(flows);
    await applyPlan(sw, plan(desired, await sw.readManaged(desired, index), { index }), { limits, provenance: { commit: C1 } });
    // Hand-written entries on the switch: a flow_classify entry with no metadata, one with someone else's.
    const template = desired.entries.find((e) => e.table === 'ingress.flow_classify')!.bytes;
    const p = parseEntity(template);
    assert.equal(p.kind, 'table_entry');
    const mk = (port: number) => {
      const e = (p as any).entry;
      const match = e.match.map((m: any, i: number) => (i === e.match.length - 1 ? { ...m, m: { kind: 'exact', value: Buffer.from([port >> 8, port & 0xff]) } } : m));
      return { ...e, match };
    };
    const { encodeTableEntry } = await import('../../src/p4info/entity.ts');
    const bare = encodeTableEntry(mk(3333));
    const foreign = withMetadata(encodeTableEntry(mk(4444)), Buffer.from('owner=ops-team'));
    await sw.write([{ type: 'INSERT', entity: bare }, { type: 'INSERT', entity: foreign }]);
    const drift = driftEntries(plan(desired, await sw.readManaged(desired, index), { index }), index);
    const extraneous = drift.filter((d) => d.kind === 'extraneous').map((d) => d.description);
    assert.equal(extraneous.length, 2, extraneous.join('\n'));
    assert.ok(extraneous.some((d) => /l4_dst_port=3333.*written by: no flowops metadata/.test(d)), extraneous.join('\n'));
    assert.ok(extraneous.some((d) => /l4_dst_port=4444.*written by: foreign metadata \(14 bytes\)/.test(d)), extraneous.join('\n'));
    await sw.write([{ type: 'DELETE', entity: bare }, { type: 'DELETE', entity: foreign }]);
  });
});

function withMetadataStripped(b: Buffer): Buffer {
  const p = parseEntity(b);
  if (p.kind !== 'table_entry') return b;
  return withMetadata(b, Buffer.alloc(0));
}
