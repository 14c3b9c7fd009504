// A one-file change through a warm DesiredCache (what the reconciler and the
// PR check keep): the caches that spare the unchanged files — parsed files,
// compiled flows, flow ids, flow summaries, port counts — never serve what the
// changed file said before. Each step is checked against a cold run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredCache, desiredState } from '../../src/desired/desired.ts';
import type { DesiredSet } from '../../src/desired/types.ts';
import { Codes } from '../../src/specs/codes.ts';
import { flowYaml, signAcme, specRepo, treeOf, type FlowDef } from '../helpers/spec-repo.ts';

const FLOW_FILE = 'tenants/acme/flows/flows.yaml';
const now = new Date('2026-01-01T00:00:00Z');
const web: FlowDef = { name: 'web-to-api', from: 'web', to: 'api', ports: [443] };
const db: FlowDef = { name: 'api-to-db', from: 'api', to: 'db', ports: [5432] };

/** A repo whose flow file holds `flows`, signed unless `sig` gives the .sig text; `quota` on the Target. */
function files(flows: FlowDef[], opts: { sig?: string; quota?: number } = {}): Record<string, string> {
  const f = specRepo({ targets: [{ name: 'leaf1', address: '127.0.0.1:1' }], flows: [] });
  const text = flows.map(flowYaml).join('---\n');
  f[FLOW_FILE] = text;
  f[`${FLOW_FILE}.sig`] = opts.sig ?? signAcme(FLOW_FILE, text);
  if (opts.quota !== undefined) f['targets/leaf1.yaml'] += `  quota: { entries: ${opts.quota} }\n`;
  return f;
}

const plain = (s: DesiredSet) => ({
  problems: s.problems.map((p) => `${p.code} ${p.pos.file}:${p.pos.line} ${p.message}`),
  flows: s.flows.map((f) => JSON.stringify(f)),
  entries: [...(s.states.get('leaf1')?.entries ?? [])].map((e) => `${e.table} ${e.key} ${e.bytes.toString('hex')} ${e.origin.name}`),
});

/** desiredState with the warm cache, asserted equal to a cold run of the same tree. */
function warm(cache: DesiredCache, commit: string, f: Record<string, string>): DesiredSet {
  const got = desiredState(treeOf(f, commit), { now, cache });
  assert.deepEqual(plain(got), plain(desiredState(treeOf(f, commit), { now })), commit);
  return got;
}

test('a flow file edited and re-signed: the new ports, ids and summaries, as a cold run gives them', () => {
  const cache = new DesiredCache();
  const a = warm(cache, 'c1', files([web, db]));
  assert.equal(a.problems.length, 0, a.problems.map((p) => p.message).join('; '));
  const b = warm(cache, 'c2', files([{ ...web, ports: [443, 8443] }, db]));
  assert.deepEqual(b.flows.find((f) => f.name === 'acme/web-to-api')!.spec.ports, [443, 8443]);
  assert.equal(b.states.get('leaf1')!.entries.length, a.states.get('leaf1')!.entries.length + 1);
  // A flow renamed in the same file: a new id, the old one gone.
  const c = warm(cache, 'c3', files([{ ...web, name: 'web-to-api-v2' }, db]));
  assert.deepEqual(c.flows.map((f) => f.name).sort(), ['acme/api-to-db', 'acme/web-to-api-v2']);
  // Summaries are shared between sets: nobody may change one.
  assert.throws(() => ((c.flows[0]!.spec as { ports?: unknown[] }).ports as unknown[]).push(1));
});

test('a file edited after signing: refused even when its old version was verified and compiled', () => {
  const cache = new DesiredCache();
  const good = files([web, db]);
  assert.equal(warm(cache, 'c1', good).problems.length, 0);
  const tampered = files([{ ...web, ports: [443, 22] }, db], { sig: good[`${FLOW_FILE}.sig`] });
  const t = warm(cache, 'c2', tampered);
  assert.deepEqual(t.problems.map((p) => p.code), [Codes.sigBad]);
  assert.equal(t.states.size, 0);
  // And the good version again: applied again.
  assert.equal(warm(cache, 'c3', good).problems.length, 0);
});

test('a quota that fitted is exceeded by a one-file change: refused, though the file\'s other flows were counted before', () => {
  const cache = new DesiredCache();
  const fit = warm(cache, 'c0', files([web, db])).states.get('leaf1')!.entries.length;
  assert.equal(warm(cache, 'c1', files([web, db], { quota: fit })).problems.length, 0);
  const over = warm(cache, 'c2', files([{ ...web, ports: [443, 8443] }, db], { quota: fit }));
  assert.deepEqual(over.problems.map((p) => p.code), [Codes.quota]);
  assert.match(over.problems[0]!.message, new RegExp(`needs ${fit + 1} entries`));
  // Ports with the same count but other numbers: fits again.
  assert.equal(warm(cache, 'c3', files([{ ...web, ports: [8443] }, db], { quota: fit })).problems.length, 0);
});
