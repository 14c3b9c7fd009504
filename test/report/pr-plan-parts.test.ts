// The PR plan's stages made proportional to the change (issue 13): each is
// compared with the way it was computed before (a walk over every flow, a
// plan() over every base entry) over a table of one-file changes, and the
// head's trust roots are tested for reuse and against a stale result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredCache, desiredState } from '../../src/desired/desired.ts';
import type { DesiredSet } from '../../src/desired/types.ts';
import { planVersions } from '../../src/diff/versions.ts';
import type { SpecSet } from '../../src/specs/spec-set.ts';
import { specKey } from '../../src/specs/spec-set.ts';
import type { SpecTree } from '../../src/source/spec-tree.ts';
import { headTrust, planPullRequest, versionPlans } from '../../src/report/github/pr-plan.ts';
import { touchedObjects } from '../../src/report/github/pr-changes.ts';
import { changeNotes } from '../../src/report/github/flow-words.ts';
import { exampleFiles, operatorRoots, resign } from '../helpers/trust.ts';
import { flowYaml } from '../helpers/spec-repo.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const WEB = 'tenants/acme/flows/web.yaml';
const OPS = 'tenants/acme/flows/ops.yaml';

let commits = 0;
const tree = (files: Record<string, string | null>): SpecTree => ({
  commit: `c${++commits}`, label: `c${commits}`, root: '', links: [],
  files: new Map(Object.entries(files).filter((e): e is [string, string] => e[1] !== null).map(([p, t]) => [p, Buffer.from(t)])),
});
const base = exampleFiles();
const edit = (changes: Record<string, string | null>) => ({ ...base, ...changes });

/** One-file changes of the example repository (signatures are not required without trust roots). */
const changes: { name: string; head: Record<string, string | null> }[] = [
  { name: 'a flow added to a file', head: edit({ [OPS]: base[OPS]! + '---\n' + flowYaml({ name: 'pr-added', from: 'storefront', to: 'catalog', ports: [2222] }) }) },
  { name: 'a new flow file', head: edit({ 'tenants/acme/flows/new.yaml': flowYaml({ name: 'pr-new', from: 'storefront', to: 'catalog', ports: [2223] }) }) },
  { name: 'a flow file removed', head: edit({ [OPS]: null }) },
  { name: 'a flow edited (ports)', head: edit({ [WEB]: base[WEB]!.replace(/ports: \[([0-9]+)/, (_m, p) => `ports: [${Number(p) + 1}`) }) },
  { name: 'lines moved only', head: edit({ [WEB]: '# moved\n' + base[WEB]! }) },
  { name: 'the tenant edited', head: edit({ 'tenants/acme/tenant.yaml': base['tenants/acme/tenant.yaml']!.replace(/vlan: (\d+)/, (_m, v) => `vlan: ${Number(v) + 50}`) }) },
];

const sets = (head: Record<string, string | null>) => {
  const cache = new DesiredCache();
  const b = desiredState(tree(base), { now: NOW, cache, keepSpecs: true, signatures: 'warn' });
  const h = desiredState(tree(head), { now: NOW, cache, keepSpecs: true, signatures: 'warn' });
  assert.deepEqual(h.problems, []);
  return { b, h };
};

/** What touchedObjects computed before: maps of every flow and tenant, compared by content. */
function touchedByMaps(b: SpecSet, h: SpecSet): string[] {
  const index = (s: SpecSet) => new Map<string, object>([...s.flows.map((f) => [`flow ${specKey(f)}`, f] as const), ...s.tenants.map((t) => [`tenant ${specKey(t)}`, t] as const)]);
  const content = (d: object) => JSON.stringify({ ...d, source: undefined });
  const x = index(b);
  const y = index(h);
  const out = new Set<string>();
  for (const [k, d] of y) if (!x.has(k) || content(x.get(k)!) !== content(d)) out.add(k);
  for (const k of x.keys()) if (!y.has(k)) out.add(k);
  return [...out].sort();
}

const planOf = (ps: ReturnType<typeof planVersions>) => ps.map((p) => ({ target: p.target, plan: p.plan }));

for (const c of changes) {
  test(`PR plan parts equal the full computation: ${c.name}`, () => {
    const { b, h } = sets(c.head);
    // Plans: planDelta per target against plan() over every base entry.
    assert.deepEqual(planOf(versionPlans(b, h)), planOf(planVersions(b, h)));
    // Touched objects: the merge walk against maps of every object.
    assert.deepEqual(touchedObjects(b.specs, h.specs), touchedByMaps(b.specs!, h.specs!));
    // Notes: a note for each touched object and each origin asked for, the same words as a note for every object.
    const all = changeNotes(b.specs, h.specs, [...h.specs!.flows.map((f) => `flow:${specKey(f)}`), ...b.specs!.flows.map((f) => `flow:${specKey(f)}`), ...h.specs!.tenants.map((t) => `tenant:${specKey(t)}`)]);
    const asked = `flow:${specKey(h.specs!.flows[0]!)}`;
    const some = changeNotes(b.specs, h.specs, [asked]);
    const touched = touchedObjects(b.specs, h.specs).map((t) => t.replace(' ', ':'));
    // (also objects re-read unchanged from an edited file: their note says so, as before)
    for (const k of [...touched, asked]) assert.ok(some.has(k), k);
    for (const [k, v] of some) assert.equal(v, all.get(k), k);
    for (const k of touched) assert.doesNotMatch(some.get(k)!, /^spec unchanged/, k);
  });
}

test('a flow whose entries change while its spec does not gets "spec unchanged" only when the plan names it', () => {
  const { b, h } = sets(changes[0]!.head);
  const other = h.specs!.flows.find((f) => specKey(f) !== 'acme/pr-added')!;
  const notes = changeNotes(b.specs, h.specs, [`flow:${specKey(other)}`, 'flow:acme/no-such-flow']);
  assert.match(notes.get(`flow:${specKey(other)}`)!, /^spec unchanged \(/);
  assert.match(notes.get('flow:acme/pr-added')!, /^new: /);
  assert.equal(notes.has('flow:acme/no-such-flow'), false);
});

test("head trust roots: one object per (roots, base serials by content); other serials, another", () => {
  const roots = operatorRoots();
  const serials = { operator: { serial: 3, digest: 'a' }, 'tenant:acme': { serial: 5, digest: 'b' } };
  const same = headTrust(roots, { 'tenant:acme': { serial: 5, digest: 'b' }, operator: { serial: 3, digest: 'a' } });
  assert.equal(headTrust(roots, structuredClone(serials)), same);
  assert.deepEqual(same, { ...roots, previous: { 'tenant:acme': { serial: 5, digest: 'b' }, operator: { serial: 3, digest: 'a' } } });
  assert.notEqual(headTrust(roots, { ...serials, 'tenant:acme': { serial: 6, digest: 'b' } }), same);
  assert.notEqual(headTrust(roots, { ...serials, 'tenant:acme': { serial: 5, digest: 'c' } }), same);
  assert.notEqual(headTrust(operatorRoots(), serials), same);
});

/** A DesiredCache that counts the sets it had to make (a kept set found again is not kept again). */
class CountingCache extends DesiredCache {
  made = 0;
  override keep(key: string, trust: Parameters<DesiredCache['keep']>[1], set: DesiredSet): void {
    this.made++;
    super.keep(key, trust, set);
  }
}

test('the PR check under trust roots: a head checked again is not compiled again; under a base with other serials it is judged afresh (no stale result)', async () => {
  const roots = operatorRoots();
  const cache = new CountingCache({ keepSets: 2 });
  const signed = base;
  const flowAdded = { ...signed, [OPS]: signed[OPS]! + '---\n' + flowYaml({ name: 'pr-added', from: 'storefront', to: 'catalog', ports: [2222] }) };
  const headFiles = { ...flowAdded, ...resign(flowAdded, 'acme') };
  const baseTree = tree(signed);
  const headTree = tree(headFiles);
  const check = async (b: SpecTree) => (await planPullRequest({ repo: { owner: 'net', repo: 'intent' }, pr: 1, baseRef: 'main', fetched: { base: b, head: headTree }, now: NOW, trust: roots, cache })).report;

  const first = await check(baseTree);
  assert.deepEqual(first.problems, []);
  assert.equal(cache.made, 2);
  const again = await check(baseTree);
  assert.deepEqual(again.problems, []);
  assert.equal(cache.made, 2, 'base and head both found kept');

  // The base moves on: acme signed other files with the serial the head uses. The head kept
  // from the checks above (judged against the old serials) must not be served.
  const other = { ...signed, [WEB]: signed[WEB]! + '---\n' + flowYaml({ name: 'merged-first', from: 'storefront', to: 'catalog', ports: [2224] }) };
  const movedBase = tree({ ...other, ...resign(other, 'acme') });
  const stale = await check(movedBase);
  assert.equal(cache.made, 4);
  assert.ok(stale.problems.some((p) => /changed its files but kept serial/.test(p.message)), JSON.stringify(stale.problems));
});
