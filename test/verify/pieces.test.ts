// verify over a patched desired set: a commit that changes only flow files is
// patched (desired/patch.ts) and its entries are pieces over the arenas of the
// sets before it. verify's step path reads those entries where they lie
// (never flattening the whole set into one buffer) and must find exactly what
// a fresh verify of the same entries as one flat list finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredCache, desiredState } from '../../src/desired/desired.ts';
import { DesiredEntries } from '../../src/compile/entries.ts';
import { factsFor } from '../../src/verify/facts.ts';
import { verifyEntries } from '../../src/verify/verify.ts';
import { lastStats } from '../../src/verify/state.ts';
import { flowYaml, signAcme, specRepo, treeOf, type FlowDef } from '../helpers/spec-repo.ts';

const now = new Date('2026-01-01T00:00:00Z');
const web: FlowDef = { name: 'web-to-api', from: 'web', to: 'api', ports: [443] };
const db: FlowDef = { name: 'api-to-db', from: 'api', to: 'db', ports: [5432] };
const steered: FlowDef = { name: 'db-to-cache', from: 'db', to: 'cache', ports: ['6379-6390'], steer: true };
const signed = (file: string, flows: FlowDef[]) => {
  const text = flows.map(flowYaml).join('---\n');
  return { [file]: text, [`${file}.sig`]: signAcme(file, text) };
};

test('verify steps over patched sets in pieces: the same findings and usage as a fresh verify of a flat copy, and nothing flattened', () => {
  const cache = new DesiredCache();
  const base = specRepo({ targets: [{ name: 'leaf1', address: '127.0.0.1:1' }], flows: [web] });
  const commits: [string, Record<string, string>][] = [
    ['c0', base],
    ['c1', { ...base, ...signed('tenants/acme/flows/more.yaml', [db, steered]) }],
    ['c2', { ...base, ...signed('tenants/acme/flows/more.yaml', [db]), ...signed('tenants/acme/flows/a.yaml', [{ name: 'aaa', from: 'web', to: 'db', ports: [80, 81] }]) }],
    ['c3', { ...base, ...signed('tenants/acme/flows/a.yaml', [{ name: 'aaa', from: 'web', to: 'db', ports: [80] }]) }],
  ];
  let steps = 0;
  for (const [commit, files] of commits) {
    const set = desiredState(treeOf(files, commit), { now, cache, keepSpecs: true });
    assert.deepEqual(set.problems, []);
    const state = set.states.get('leaf1')!;
    const index = set.pipelines.get('leaf1')!.index;
    const facts = factsFor(set.specs!, 'leaf1');
    const got = verifyEntries('leaf1', state.entries, index, facts);
    const stats = lastStats.get('leaf1')!;
    if (commit !== 'c0') {
      assert.ok(state.entries.pieces > 1, `${commit}: patched, in pieces`);
      assert.equal(stats.path, 'step', `${commit}: the step path ran`);
      assert.equal(state.entries.flatArena, undefined, `${commit}: verify did not flatten the set`);
      steps++;
    }
    const flat = DesiredEntries.from([...state.entries]);
    assert.ok(flat.flatArena);
    // Another target name, so leaf1's kept state (the step path's) is not touched.
    assert.deepEqual(got, { ...verifyEntries('fresh', flat, index, facts), target: 'leaf1' }, `${commit}: same as a fresh verify`);
  }
  assert.equal(steps, 3);
});
