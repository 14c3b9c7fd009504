// DesiredCache keepSets: a commit seen again (a PR check's base that was the
// head of the check before) gives back the same desired set and the same
// verify results, unless a flow has expired since; directories, other
// commits and options, and caches without keepSets compile again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredCache, desiredState } from '../../src/desired/desired.ts';
import { verifyDesired } from '../../src/verify/specs.ts';
import { flowYaml, signAcme, specRepo, treeOf, type FlowDef } from '../helpers/spec-repo.ts';

const FLOW_FILE = 'tenants/acme/flows/flows.yaml';
function tree(commit: string, flows: FlowDef[]) {
  const files = specRepo({ targets: [{ name: 'leaf1', address: '127.0.0.1:1' }], flows: [] });
  const text = flows.map(flowYaml).join('---\n');
  files[FLOW_FILE] = text;
  files[`${FLOW_FILE}.sig`] = signAcme(FLOW_FILE, text);
  return treeOf(files, commit);
}
const now = new Date('2026-01-01T00:00:00Z');
const web: FlowDef = { name: 'web-to-api', from: 'web', to: 'api', ports: [443] };

test('the same commit again: the same set and verify results; another commit or other options: compiled', () => {
  const cache = new DesiredCache({ keepSets: 2 });
  const a = desiredState(tree('c1', [web]), { now, cache, keepSpecs: true });
  assert.equal(a.problems.length, 0, a.problems.map((p) => p.message).join('; '));
  assert.equal(desiredState(tree('c1', [web]), { now, cache, keepSpecs: true }), a);
  assert.equal(verifyDesired(a), verifyDesired(a));
  assert.notEqual(desiredState(tree('c1', [web]), { now, cache }), a, 'keepSpecs differs');
  const b = desiredState(tree('c2', [web, { name: 'api-to-db', from: 'api', to: 'db', ports: [5432] }]), { now, cache, keepSpecs: true });
  assert.notEqual(b, a);
  assert.ok(b.states.get('leaf1')!.entries.length > a.states.get('leaf1')!.entries.length);
  // Two kept: c1 (keepSpecs) was pushed out by the c1 without keepSpecs and c2.
  assert.notEqual(desiredState(tree('c1', [web]), { now, cache, keepSpecs: true }), a);
});

test('no keepSets, or a directory (no commit): never the same set', () => {
  const plain = new DesiredCache();
  const a = desiredState(tree('c1', [web]), { now, cache: plain });
  assert.notEqual(desiredState(tree('c1', [web]), { now, cache: plain }), a);
  const keep = new DesiredCache({ keepSets: 2 });
  const d = desiredState(tree('', [web]), { now, cache: keep });
  assert.notEqual(desiredState(tree('', [web]), { now, cache: keep }), d);
});

test('a flow that expired since the set was kept: compiled again, the flow dropped', () => {
  const cache = new DesiredCache({ keepSets: 2 });
  const expiring: FlowDef = { ...web, name: 'short', ports: [8443], expires: '2026-01-02T00:00:00Z' };
  const a = desiredState(tree('c1', [web, expiring]), { now, cache });
  assert.equal(a.nextExpiry, Date.parse('2026-01-02T00:00:00Z'));
  const before = new Date('2026-01-01T12:00:00Z');
  assert.equal(desiredState(tree('c1', [web, expiring]), { now: before, cache }), a);
  const later = new Date('2026-01-03T00:00:00Z');
  const b = desiredState(tree('c1', [web, expiring]), { now: later, cache });
  assert.notEqual(b, a);
  assert.deepEqual(b.flows.map((f) => f.name), ['acme/web-to-api']);
  assert.ok(b.states.get('leaf1')!.entries.length < a.states.get('leaf1')!.entries.length);
});
