// The trust model in the real reconciler (docs/trust.md): flows-example-repo/
// in a Git repo, two bundled P4Runtime targets on port 0, the operator key
// pinned in the config. Refused commits leave every switch as it was; the
// highest serial per signer survives a restart (serials.json beside the status file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Bench, entityCount } from '../helpers/reconcile-env.ts';
import { commitFiles, initRepo, readTreeFiles } from '../helpers/git-repo.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';
import { OPERATOR_PUB, resign } from '../helpers/trust.ts';
import { wideFlows } from '../helpers/trust.ts';
import { generateSeed, publicKeyOf } from '../../src/specs/signature.ts';
import { flowYaml } from '../helpers/spec-repo.ts';

const OPS = 'tenants/acme/flows/ops.yaml';
const ACME_TENANT = 'tenants/acme/tenant.yaml';
const example = (): Record<string, string | null> => Object.fromEntries(Object.entries(readTreeFiles(EXAMPLE_REPO)).filter(([p]) => !p.startsWith('.example-keys/')).map(([p, b]) => [p, b.toString()]));

async function setUp() {
  const bench = new Bench();
  const [a, b] = [await bench.startTarget(), await bench.startTarget()];
  const files = example();
  await initRepo(bench.repo, files as Record<string, string>);
  const config = {
    trust: { operatorKeys: [OPERATOR_PUB] },
    stateFile: path.join(bench.dir, 'state.json'),
    targets: { leaf1: { address: `127.0.0.1:${a.port}` }, leaf2: { address: `127.0.0.1:${b.port}` } },
  };
  const counts = () => [entityCount(a.state.snapshot()), entityCount(b.state.snapshot())];
  return { bench, files, config, counts };
}

test('attack through the reconciler: a deleted flow restored with its old manifest is refused, also after a restart', async () => {
  const { bench, files, config, counts } = await setUp();
  try {
    const r = bench.reconciler(config);
    const first = await r.sync('test');
    assert.deepEqual(first!.problems ?? [], []);
    assert.ok(counts()[0] > 0);
    const serialsFile = path.join(bench.dir, 'serials.json');
    assert.equal(JSON.parse(fs.readFileSync(serialsFile, 'utf8'))['tenant/acme'].serial, 1);

    // acme revokes its ops flows: deletes the file, re-signs (serial 2).
    const deleted = { ...files, [OPS]: null, [OPS + '.sig']: null };
    const manifest2 = resign(deleted, 'acme');
    await commitFiles(bench.repo, { [OPS]: null, [OPS + '.sig']: null, ...manifest2 });
    const second = await r.sync('test');
    assert.deepEqual(second!.problems ?? [], []);
    const afterDelete = counts();
    assert.equal(JSON.parse(fs.readFileSync(serialsFile, 'utf8'))['tenant/acme'].serial, 2);

    // The attacker restores the file, its .sig and the old manifest (serial 1) from history.
    await commitFiles(bench.repo, { [OPS]: files[OPS]!, [OPS + '.sig']: files[OPS + '.sig']!, 'manifests/tenants/acme.manifest': files['manifests/tenants/acme.manifest']! });
    const third = await r.sync('test');
    assert.ok(third!.problems!.some((p) => p.code === 'TRUST_ROLLBACK' && p.pos.file === 'manifests/tenants/acme.manifest' && /serial 1 of tenant\/acme is below 2/.test(p.message)), JSON.stringify(third!.problems));
    assert.deepEqual(counts(), afterDelete, 'nothing written');
    await r.stop();

    // A new reconciler on the same state directory remembers serial 2.
    const again = bench.reconciler(config);
    const fourth = await again.sync('test');
    assert.ok(fourth!.problems!.some((p) => p.code === 'TRUST_ROLLBACK'), 'refused after a restart');
    assert.deepEqual(counts(), afterDelete);
  } finally {
    await bench.close();
  }
});

test('attack through the reconciler: key replacement + re-sign, unsigned Target change, and a 2M-entry commit write nothing', async () => {
  const { bench, files, config, counts } = await setUp();
  try {
    const r = bench.reconciler(config);
    assert.deepEqual((await r.sync('test'))!.problems ?? [], []);
    const converged = counts();

    const evil = generateSeed();
    const tenant = files[ACME_TENANT]!.replace(/publicKey: \S+/, `publicKey: ${Buffer.from(publicKeyOf(evil)).toString('base64')}`);
    const evilFlow = flowYaml({ name: 'evil', from: 'storefront', to: 'catalog', ports: [2222] });
    const swapped = { ...files, [ACME_TENANT]: tenant, 'tenants/acme/flows/evil.yaml': evilFlow };
    await commitFiles(bench.repo, { [ACME_TENANT]: tenant, 'tenants/acme/flows/evil.yaml': evilFlow, ...resign(swapped, 'acme', { seed: evil }) });
    const ev = await r.sync('test');
    assert.ok(ev!.problems!.some((p) => p.pos.file === ACME_TENANT && p.code === 'TRUST_DIGEST'), JSON.stringify(ev!.problems));
    assert.deepEqual(counts(), converged);

    await commitFiles(bench.repo, { ...Object.fromEntries(Object.keys(swapped).map((k) => [k, files[k] ?? null])), 'targets/leaf1.yaml': files['targets/leaf1.yaml']!.replace('deviceId: 1', 'deviceId: 7') });
    const ev2 = await r.sync('test');
    assert.ok(ev2!.problems!.some((p) => p.pos.file === 'targets/leaf1.yaml' && p.code === 'TRUST_DIGEST'), JSON.stringify(ev2!.problems));

    const wide = wideFlows();
    const big = { ...files, ...wide };
    await commitFiles(bench.repo, { 'targets/leaf1.yaml': files['targets/leaf1.yaml']!, ...wide, ...resign(big, 'acme') });
    const ev3 = await r.sync('test');
    assert.ok(ev3!.problems!.some((p) => p.code === 'CAPACITY_TABLE_FULL' && /flow_classify of leaf1 holds 2097152 entries; this commit needs \d+ \(tenant acme/.test(p.message)), JSON.stringify(ev3!.problems));
    assert.deepEqual(counts(), converged, 'nothing written');
  } finally {
    await bench.close();
  }
});
