// Recompiling with a CompileCache gives exactly what a fresh compile gives:
// unchanged flow documents (shared by the SpecCache) reuse their entries,
// and anything a flow's entries depend on — its own file, its tenant's id,
// its services' class ids, its steering group — makes it compile again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, CompileCache } from '../../src/compile/compile.ts';
import type { DesiredState } from '../../src/compile/types.ts';
import { loadSpecs, SpecCache } from '../../src/specs/load.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { shopRepo, v1model, NOW, FLOWS, TENANT, V1MODEL_P4INFO } from './fixture.ts';

const index = v1model();
const plain = (s: DesiredState) => s.entries.map((e) => [e.kind, e.table, e.key, e.bytes.toString('hex'), e.origin.name, e.origin.file, e.origin.line]);

function run(files: Map<string, string>, specCache: SpecCache, cache: CompileCache) {
  const { specs, errors } = loadSpecs(files, { now: NOW, expired: 'drop', cache: specCache });
  assert.deepEqual(errors, []);
  const before = { hits: cache.hits, misses: cache.misses };
  const cachedState = compile(specs, index, 'leaf1', { now: NOW, cache });
  const fresh = compile(loadSpecs(files, { now: NOW, expired: 'drop' }).specs, index, 'leaf1', { now: NOW });
  assert.deepEqual(plain(cachedState), plain(fresh));
  return { hits: cache.hits - before.hits, misses: cache.misses - before.misses };
}

test('unchanged flows are reused, changed ones recompiled, and the result equals a fresh compile', () => {
  const specCache = new SpecCache();
  const cache = new CompileCache();
  const files = shopRepo();
  assert.deepEqual(run(files, specCache, cache), { hits: 0, misses: 3 });
  assert.deepEqual(run(files, specCache, cache), { hits: 3, misses: 0 });

  // One flow file edited: its flows are new documents.
  const edited = new Map(files).set('tenants/shop/flows.yaml', FLOWS.replace('ports: [5432]', 'ports: [5432, 5433]'));
  assert.deepEqual(run(edited, specCache, cache), { hits: 0, misses: 3 });
  assert.deepEqual(run(edited, specCache, cache), { hits: 3, misses: 0 });

  // The tenant's id changes: the flow files are the same documents, but every entry changes.
  const renumbered = new Map(edited).set('tenants/shop/tenant.yaml', TENANT.replace(/\bid: \d+/, 'id: 42'));
  assert.notEqual(renumbered.get('tenants/shop/tenant.yaml'), edited.get('tenants/shop/tenant.yaml'));
  assert.deepEqual(run(renumbered, specCache, cache), { hits: 0, misses: 3 });

  // A new firewall instance: new member, group re-weighted; the steered flow's group id stays (hashed from the name), so it is reused.
  const grown = new Map(renumbered).set(
    'tenants/shop/tenant.yaml',
    renumbered.get('tenants/shop/tenant.yaml')!.replace('weight: 3 }', 'weight: 3 }\n        - { name: fw-c, port: 22, mac: "02:00:00:00:0f:0c" }'),
  );
  assert.match(grown.get('tenants/shop/tenant.yaml')!, /fw-c/);
  assert.deepEqual(run(grown, specCache, cache), { hits: 3, misses: 0 });
});

test('a cache built against another P4Info index is not used', () => {
  const cache = new CompileCache();
  const specCache = new SpecCache();
  const files = shopRepo();
  run(files, specCache, cache);
  const { specs } = loadSpecs(files, { now: NOW, expired: 'drop', cache: specCache });
  const before = cache.hits;
  compile(specs, P4InfoIndex.fromFile(V1MODEL_P4INFO), 'leaf1', { now: NOW, cache });
  assert.equal(cache.hits, before);
});
