// The desired stage patched from the last result (desired/patch.ts): commit
// after commit through one DesiredCache, each result equal to a cold run of
// the same tree byte for byte, and the full way taken whenever a change is
// more than flow files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredCache, desiredState } from '../../src/desired/desired.ts';
import type { Pieces } from '../../src/compile/entries.ts';
import { flowYaml, signAcme, specRepo, treeOf, type FlowDef } from '../helpers/spec-repo.ts';
import { exactly } from '../helpers/desired-exact.ts';

const now = new Date('2026-01-01T00:00:00Z');
const MORE = 'tenants/acme/flows/more.yaml';
const FIRST = 'tenants/acme/flows/a.yaml';
const web: FlowDef = { name: 'web-to-api', from: 'web', to: 'api', ports: [443] };
const db: FlowDef = { name: 'api-to-db', from: 'api', to: 'db', ports: [5432] };
const cache1: FlowDef = { name: 'db-to-cache', from: 'db', to: 'cache', ports: ['6379-6390'], steer: true };

const base = () => specRepo({ targets: [{ name: 'leaf1', address: '127.0.0.1:1' }, { name: 'leaf2', address: '127.0.0.2:1' }], flows: [web] });
const signed = (file: string, flows: FlowDef[]) => {
  const text = flows.map(flowYaml).join('---\n');
  return { [file]: text, [`${file}.sig`]: signAcme(file, text) };
};
const without = (f: Record<string, string>, ...paths: string[]) => Object.fromEntries(Object.entries(f).filter(([p]) => !paths.includes(p)));

/** desiredState through `cache`, asserted equal to a cold run, and whether it was patched. */
function step(cache: DesiredCache, commit: string, files: Record<string, string>, at = now): string {
  const got = desiredState(treeOf(files, commit), { now: at, cache, keepSpecs: true });
  assert.deepEqual(exactly(got), exactly(desiredState(treeOf(files, commit), { now: at, keepSpecs: true })), `${commit}: warm = cold`);
  return cache.lastPath;
}

test('flow files added, edited, removed and added back: each commit patched from the last, each as a cold run makes it', () => {
  const cache = new DesiredCache();
  const b = base();
  assert.equal(step(cache, 'c0', b), 'full: nothing kept to patch');
  const c1 = { ...b, ...signed(MORE, [db, cache1]) };
  assert.equal(step(cache, 'c1', c1), 'patched');
  const c2 = { ...b, ...signed(MORE, [db, { ...cache1, ports: [6379], steer: false }]) };
  assert.equal(step(cache, 'c2', c2), 'patched');
  // A flow that sorts before every other, in a file of its own.
  const c3 = { ...c2, ...signed(FIRST, [{ name: 'aaa', from: 'web', to: 'db', ports: [80, 81] }]) };
  assert.equal(step(cache, 'c3', c3), 'patched');
  const c4 = without(c3, MORE, `${MORE}.sig`);
  assert.equal(step(cache, 'c4', c4), 'patched');
  // Back: the keys taken out of the kept index come in again.
  assert.equal(step(cache, 'c5', c3), 'patched');
  assert.equal(step(cache, 'c6', c3), 'patched');
  assert.equal(cache.full, 1);
  assert.equal(cache.patched, 6);
});

test('a change to more than flow files goes the full way, and the next flow change is patched again', () => {
  const cache = new DesiredCache();
  const b = base();
  step(cache, 'c0', b);
  const services = b['tenants/acme/services.yaml'] + '---\napiVersion: flowops.dev/v1\nkind: Service\nmetadata:\n  name: queue\n  tenant: acme\nspec:\n  addresses: [10.7.9.0/24]\n';
  const c1: Record<string, string> = { ...b, 'tenants/acme/services.yaml': services };
  assert.match(step(cache, 'c1', c1), /^full: tenants\/acme\/services\.yaml held more than valid flows/);
  assert.equal(step(cache, 'c2', { ...c1, ...signed(MORE, [{ name: 'web-to-queue', from: 'web', to: 'queue', ports: [5672] }]) }), 'patched');
  // The Target changed: full.
  const c3 = { ...c1, 'targets/leaf2.yaml': c1['targets/leaf2.yaml']!.replace('ports: [3, 4]', 'ports: [3, 4, 5]') };
  assert.match(step(cache, 'c3', c3), /^full: /);
});

test('a kept flow that expires goes the full way (dropped, with a warning); a result with warnings is not patched from', () => {
  const cache = new DesiredCache();
  const b = { ...base(), ...signed(MORE, [{ ...db, expires: '2026-06-01T00:00:00Z' }]) };
  step(cache, 'c0', b);
  assert.equal(step(cache, 'c1', { ...b, ...signed(FIRST, [cache1]) }), 'patched');
  const later = new Date('2026-07-01T00:00:00Z');
  assert.equal(step(cache, 'c2', { ...b, ...signed(FIRST, [cache1]) }, later), 'full: a flow expired since');
  assert.equal(step(cache, 'c3', b, later), 'full: nothing kept to patch');
  // An added flow already expired: full.
  const c4 = without(b, MORE, `${MORE}.sig`);
  step(cache, 'c4', c4, later);
  assert.equal(step(cache, 'c5', { ...c4, ...signed(FIRST, [{ ...cache1, expires: '2026-06-01T00:00:00Z' }]) }, later), 'full: an added flow is expired');
});

test('a signature that changes alone is verified again; a broken one goes the full way and is refused', () => {
  const cache = new DesiredCache();
  const b = { ...base(), ...signed(MORE, [db]) };
  step(cache, 'c0', b);
  // The same signature without its newline: another .sig file, verified again, still good.
  assert.equal(step(cache, 'c1', { ...b, [`${MORE}.sig`]: signAcme(MORE, b[MORE]!).trim() }), 'patched');
  assert.equal(step(cache, 'c2', { ...b, [`${MORE}.sig`]: signAcme(MORE, b[MORE]! + '# another text\n') }), 'full: a signature problem');
  assert.equal(step(cache, 'c3', without(b, `${MORE}.sig`)), 'full: nothing kept to patch');
});

test('patched results keep the unchanged entries in the arenas they were compiled into; a chain of patches, looked at only at the end, is each a cold run', () => {
  const cache = new DesiredCache();
  const b = base();
  const commits: [string, Record<string, string>][] = [
    ['c0', b],
    ['c1', { ...b, ...signed(MORE, [db, cache1]) }],
    ['c2', { ...b, ...signed(MORE, [db]), ...signed(FIRST, [{ name: 'aaa', from: 'web', to: 'db', ports: [80, 81] }]) }],
    ['c3', { ...b, ...signed(FIRST, [{ name: 'aaa', from: 'web', to: 'db', ports: [80] }]) }],
    ['c4', { ...b, ...signed(MORE, [cache1]), ...signed(FIRST, [{ name: 'aaa', from: 'web', to: 'db', ports: [80] }]) }],
  ];
  const got = commits.map(([c, files]) => desiredState(treeOf(files, c), { now, cache, keepSpecs: true }));
  assert.equal(cache.patched, commits.length - 1);
  const cold = got[0]!.states.get('leaf1')!.entries;
  for (const set of got.slice(1)) {
    const e = set.states.get('leaf1')!.entries;
    assert.ok(e.pieces > 1, `${set.commit}: in pieces`);
    // The first entry (a tenant's, never changed) is still a view of the cold compile's arena.
    assert.equal(e.bytesOf(0).buffer, cold.bytesOf(0).buffer, `${set.commit}: shares the cold arena`);
    // A patch's own bytes are held in fitted buffers: no piece keeps a mostly empty 64 KiB buffer alive.
    const pieces = e.bytesSource as Pieces;
    for (const b of pieces.bufs) if (b.buffer !== cold.bytesOf(0).buffer) assert.ok(b.buffer.byteLength <= b.length + 8192, `${set.commit}: a piece of ${b.length} bytes holds ${b.buffer.byteLength}`);
  }
  // Looked at from the last to the first: flattening one leaves the others' pieces alone.
  for (let i = got.length - 1; i >= 0; i--) {
    const [c, files] = commits[i]!;
    assert.deepEqual(exactly(got[i]!), exactly(desiredState(treeOf(files, c), { now, keepSpecs: true })), `${c}: warm = cold`);
  }
  // The compile cache moved on with the patches (it no longer holds the cold entries):
  // a change that goes the full way copies the unchanged flows from the last patch's entries.
  const leaf1 = got[got.length - 1]!;
  assert.equal(cache.compiled.flowsOf('leaf1', leaf1.pipelines.get('leaf1')!.index)?.src, leaf1.states.get('leaf1')!.entries);
  const last = commits[commits.length - 1]![1];
  const c5 = { ...last, 'targets/leaf2.yaml': last['targets/leaf2.yaml']!.replace('ports: [3, 4]', 'ports: [3, 4, 5]') };
  const hits = cache.compiled.hits;
  assert.match(step(cache, 'c5', c5), /^full: /);
  assert.ok(cache.compiled.hits > hits, 'cached flows copied');
});
