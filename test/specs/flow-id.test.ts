// Flow ids: the derivation checked against node:crypto, determinism
// regardless of input order, and collision handling (forced with a tiny id
// width and with an injected hash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { assignFlowIds, flowIdCandidate, verifyFlowId, FLOW_ID_DOMAIN } from '../../src/specs/flow-id.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { Codes } from '../../src/specs/codes.ts';
import { baseRepo, flowYaml, pub, seeds } from './fixtures.ts';

/** The scheme of docs/flow-ids.md, written independently with node:crypto. */
function reference(publicKey: Buffer, name: string, counter: number, bits = 32): number {
  const digest = createHash('sha512')
    .update(Buffer.concat([Buffer.from(FLOW_ID_DOMAIN, 'utf8'), publicKey, Buffer.from(name, 'utf8'), Buffer.from([counter])]))
    .digest();
  return digest.readUInt32BE(0) >>> (32 - bits);
}

/** A repo with `n` extra acme flows (web → db, one port each, so none overlap). */
function repoWithFlows(n: number): Map<string, string> {
  const files = baseRepo();
  const docs = Array.from({ length: n }, (_, i) =>
    flowYaml('acme', `f-${String(i).padStart(3, '0')}`, `  from: { service: web }\n  to: { service: db }\n  protocol: tcp\n  ports: [${10000 + i}]\n  action: allow\n`),
  );
  files.set('flows/many.yaml', docs.join('---\n'));
  return files;
}

const acmeKey = Buffer.from(pub(seeds.acme), 'base64');

test('an id is the first 4 bytes of SHA-512(domain || key || tenant/name || counter)', () => {
  assert.equal(FLOW_ID_DOMAIN, 'flowops/flow-id/v1');
  for (const [name, counter] of [['acme/web-to-db', 0], ['acme/web-to-db', 1], ['acme/ünïcode', 0], ['beta/x', 255]] as const) {
    assert.equal(flowIdCandidate(acmeKey, name, counter), reference(acmeKey, name, counter));
  }
  const r = loadSpecs(baseRepo());
  const ids = assignFlowIds(r.specs);
  assert.deepEqual(ids.get('acme/web-to-db'), { id: reference(acmeKey, 'acme/web-to-db', 0), counter: 0 });
  assert.equal(ids.idOf(r.specs.flows[0]!), reference(acmeKey, 'acme/web-to-db', 0));
});

test('ids are deterministic and independent of file layout and flow order', () => {
  const a = loadSpecs(repoWithFlows(30)).specs;
  const reversed = { ...a, flows: [...a.flows].reverse() };
  const first = assignFlowIds(a);
  const second = assignFlowIds(reversed);
  assert.deepEqual([...first].sort(), [...second].sort());
  assert.equal(first.size, 31);
  // Moving a flow to another file does not change its id.
  const moved = repoWithFlows(30);
  moved.set('flows/elsewhere.yaml', moved.get('flows/acme.yaml')!);
  moved.delete('flows/acme.yaml');
  assert.deepEqual(assignFlowIds(loadSpecs(moved).specs).get('acme/web-to-db'), first.get('acme/web-to-db'));
});

test('verifyFlowId accepts the id under the right key and rejects it under another', () => {
  const id = flowIdCandidate(acmeKey, 'acme/web-to-db', 0);
  assert.equal(verifyFlowId(acmeKey, 'acme/web-to-db', id), 0);
  assert.equal(verifyFlowId(acmeKey, 'acme/web-to-db', flowIdCandidate(acmeKey, 'acme/web-to-db', 7)), 7);
  assert.equal(verifyFlowId(Buffer.from(pub(seeds.beta), 'base64'), 'acme/web-to-db', id), undefined);
  assert.equal(verifyFlowId(acmeKey, 'acme/other', id), undefined);
  assert.equal(verifyFlowId(acmeKey, 'acme/web-to-db', 0), undefined);
});

test('collisions with an injected hash: the first by tenant/name keeps counter 0, the others move, with warnings', () => {
  // A hash that ignores everything but the counter byte: every flow wants id counter+1.
  const hash = (msg: Uint8Array) => {
    const out = new Uint8Array(64);
    out[3] = msg[msg.length - 1]! + 1;
    return out;
  };
  const { specs } = loadSpecs(repoWithFlows(2));
  const ids = assignFlowIds(specs, { hash });
  assert.deepEqual(Object.fromEntries(ids), {
    'acme/f-000': { id: 1, counter: 0 },
    'acme/f-001': { id: 2, counter: 1 },
    'acme/web-to-db': { id: 3, counter: 2 },
  });
  assert.deepEqual(
    ids.warnings.map((w) => [w.code, w.field, w.data.flow, w.data.collidesWith]),
    [
      [Codes.flowIdCollision, 'metadata.name', 'acme/f-001', ['acme/f-000']],
      [Codes.flowIdCollision, 'metadata.name', 'acme/web-to-db', ['acme/f-000', 'acme/f-001']],
    ],
  );
  assert.equal(ids.warnings[1]!.pos!.file, 'flows/acme.yaml');
  // loadSpecs reports the same collisions as warnings, never as errors.
  const loaded = loadSpecs(repoWithFlows(2), { flowIds: { hash } });
  assert.deepEqual(loaded.errors, []);
  assert.equal(loaded.warnings.filter((w) => w.code === Codes.flowIdCollision).length, 2);
});

test('collisions with a tiny id width: ids stay unique and non-zero, each move is justified', () => {
  const bits = 6;
  const { specs } = loadSpecs(repoWithFlows(25));
  const ids = assignFlowIds(specs, { bits });
  const names = [...ids.keys()].sort();
  assert.equal(names.length, 26);
  const values = names.map((n) => ids.get(n)!.id);
  assert.equal(new Set(values).size, values.length, 'ids are unique');
  assert.ok(values.every((v) => v > 0 && v < 64));
  let moved = 0;
  names.forEach((name, i) => {
    const { id, counter } = ids.get(name)!;
    assert.equal(id, reference(acmeKey, name, counter, bits));
    // Every smaller counter was 0 or held by a flow that sorts earlier.
    const earlier = new Set(names.slice(0, i).map((n) => ids.get(n)!.id));
    let collided = false;
    for (let c = 0; c < counter; c++) {
      const want = reference(acmeKey, name, c, bits);
      assert.ok(want === 0 || earlier.has(want), `${name} counter ${c} (id ${want}) was free`);
      if (want !== 0) collided = true;
    }
    if (collided) moved++;
  });
  assert.ok(moved > 0, '26 flows in 63 ids must collide');
  assert.equal(ids.warnings.length, moved);
});

test('kept ids follow the key: the same flow names under a rotated tenant key get the new key\'s ids', () => {
  // assignFlowIds keeps counter-0 ids by (key, name) across calls; a new key must never be served an old id.
  const specsWith = (key: string) => ({
    tenants: [{ metadata: { name: 'acme' }, spec: { publicKey: key } }],
    flows: ['acme/a', 'acme/b'].map((n) => ({ metadata: { tenant: 'acme', name: n.slice(5) } })),
  }) as unknown as Parameters<typeof assignFlowIds>[0];
  const betaKey = Buffer.from(pub(seeds.beta), 'base64');
  const before = assignFlowIds(specsWith(acmeKey.toString('base64')));
  const after = assignFlowIds(specsWith(betaKey.toString('base64')));
  for (const name of ['acme/a', 'acme/b']) {
    assert.equal(before.get(name)!.id, reference(acmeKey, name, 0));
    assert.equal(after.get(name)!.id, reference(betaKey, name, 0));
    assert.notEqual(after.get(name)!.id, before.get(name)!.id);
  }
});
