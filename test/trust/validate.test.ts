// The trust model's attacks (issue 11, docs/trust.md) through `flowops
// validate --trust` in-process, on copies of flows-example-repo/: every one of
// them validates on a tree signed only per flow file, and is refused here with
// the file named.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';
import { readTreeFiles } from '../helpers/git-repo.ts';
import { demoSeed, EXAMPLE_KEYS, resign } from '../helpers/trust.ts';
import { wideFlows } from '../helpers/trust.ts';
import { generateSeed, publicKeyOf } from '../../src/specs/signature.ts';
import { flowYaml } from '../helpers/spec-repo.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-trust-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const TRUST = path.join(EXAMPLE_KEYS, 'operator.pub');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(c, _e, done) { append(String(c)); done(); } });
  const code = await main(argv, { env: {}, cwd: tmp, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal });
  return { code, out, err };
}

const example = (): Record<string, string | null> => Object.fromEntries(Object.entries(readTreeFiles(EXAMPLE_REPO)).filter(([p]) => !p.startsWith('.example-keys/')));

let n = 0;
function writeRepo(files: Record<string, string | null>): string {
  const dir = path.join(tmp, `repo-${++n}`);
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) continue;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

async function validate(files: Record<string, string | null>) {
  const dir = writeRepo(files);
  const legacy = await run(['validate', '--require-signatures', dir]);
  const trusted = await run(['validate', '--trust', TRUST, dir]);
  return { legacy, trusted };
}

const ACME_TENANT = 'tenants/acme/tenant.yaml';
const ACME_SERVICES = 'tenants/acme/services.yaml';
const OPS = 'tenants/acme/flows/ops.yaml';

test('the example repo is valid under its pinned operator key; another operator key trusts nothing', async () => {
  const dir = writeRepo(example());
  assert.equal((await run(['validate', '--trust', TRUST, dir])).code, 0);
  const other = Buffer.from(publicKeyOf(generateSeed())).toString('base64');
  const r = await run(['validate', '--operator-key', other, dir]);
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /manifests\/operator\.manifest:1:1 .*not signed by a pinned operator key/);
});

test('attack: replacing a tenant key and re-signing its files with the new key is refused', async () => {
  const files = example();
  const evil = generateSeed();
  files[ACME_TENANT] = files[ACME_TENANT]!.replace(/publicKey: \S+/, `publicKey: ${Buffer.from(publicKeyOf(evil)).toString('base64')}`);
  files['tenants/acme/flows/evil.yaml'] = flowYaml({ name: 'evil', from: 'storefront', to: 'catalog', ports: [22] }).replace('tenant: acme', 'tenant: acme');
  Object.assign(files, resign(files, 'acme', { seed: evil }));
  const { trusted } = await validate(files);
  assert.equal(trusted.code, 1);
  assert.match(trusted.out, new RegExp(`${ACME_TENANT}:1:1 .*does not match its digest in manifests/operator\\.manifest`));
  assert.match(trusted.out, /manifests\/tenants\/acme\.manifest:1:1 .*no operator-signed Tenant acme|acme\.manifest.*not signed/);
});

test('a key rotation the operator signs is accepted', async () => {
  const files = example();
  const next = generateSeed();
  files[ACME_TENANT] = files[ACME_TENANT]!.replace(/publicKey: \S+/, `publicKey: ${Buffer.from(publicKeyOf(next)).toString('base64')}`);
  Object.assign(files, resign(files, 'operator'));
  // Old tenant-key manifest no longer verifies: the tenant re-signs with its new key.
  assert.equal((await validate(files)).trusted.code, 1);
  Object.assign(files, resign(files, 'acme', { seed: next }));
  assert.equal((await validate(files)).trusted.code, 0);
});

test('attack: unsigned Service, Tenant and Target changes are refused, naming the file', async () => {
  const cases: [string, (t: string) => string][] = [
    [ACME_SERVICES, (t) => t.replace('10.1.1.0/24', '10.1.0.0/23')],
    [ACME_TENANT, (t) => t.replace(/port: (\d+)/, 'port: 5')],
    ['targets/leaf1.yaml', (t) => t.replace(/address: \S+/, 'address: 203.0.113.9:9559')],
  ];
  for (const [file, edit] of cases) {
    const files = example();
    const before = files[file];
    files[file] = edit(files[file]!);
    assert.notEqual(files[file], before, `${file} edited`);
    const { legacy, trusted } = await validate(files);
    assert.equal(legacy.code, 0, `${file}: per-flow signatures do not cover it`);
    assert.equal(trusted.code, 1, file);
    assert.match(trusted.out, new RegExp(`${file}:1:1 .*does not match its digest`));
  }
});

test('a tenant cannot sign an operator document (ownership by kind)', async () => {
  const files = example();
  // A Target smuggled into the tenant's own folder and listed in the tenant's manifest.
  files['tenants/acme/leaf9.yaml'] = files['targets/leaf1.yaml']!.replace('name: leaf1', 'name: leaf9');
  const tenantList = resign(files, 'acme');
  const { trusted } = await validate({ ...files, ...tenantList });
  assert.equal(trusted.code, 1);
  assert.match(trusted.out, /tenants\/acme\/leaf9\.yaml:\d+:\d+ .*a Target is signed by the operator, but tenants\/acme\/leaf9\.yaml is listed by tenant\/acme|leaf9\.yaml.*not listed/);
});

test('attack: a flow file its tenant deleted and re-signed away cannot be restored', async () => {
  const files = example();
  const old = files[OPS]!;
  files[OPS] = null;
  files[OPS + '.sig'] = null;
  Object.assign(files, resign(files, 'acme'));
  assert.equal((await validate(files)).trusted.code, 0);
  files[OPS] = old;
  files[OPS + '.sig'] = example()[OPS + '.sig']!;
  const { legacy, trusted } = await validate(files);
  assert.equal(legacy.code, 0, 'its old .sig still verifies');
  assert.equal(trusted.code, 1);
  assert.match(trusted.out, new RegExp(`${OPS}:1:1 .*not listed in any signed manifest`));
});

test('attack: 512 services × 34 flows × 128 single ports are refused before compiling, naming tenant, table and numbers', async () => {
  const files = example();
  Object.assign(files, wideFlows());
  Object.assign(files, resign(files, 'acme'));
  const t0 = process.hrtime.bigint();
  const { trusted } = await validate(files);
  const rss = process.memoryUsage().rss;
  assert.equal(trusted.code, 1, trusted.out);
  assert.match(trusted.out, /table flow_classify of leaf\d holds 2097152 entries; this commit needs \d+ \(tenant acme: \d+/);
  assert.ok(process.hrtime.bigint() - t0 >= 0n && rss < 2e9, 'refused without materialising the entries');
});

test('a tenant quota on the Target refuses a commit over it, naming tenant, table and numbers', async () => {
  const files = example();
  files['targets/leaf1.yaml'] = files['targets/leaf1.yaml']!.replace('spec:\n', 'spec:\n  quota: { entries: 100000, tables: { flow_classify: 5 } }\n');
  Object.assign(files, resign(files, 'operator'));
  const { trusted } = await validate(files);
  assert.equal(trusted.code, 1);
  assert.match(trusted.out, /targets\/leaf1\.yaml:\d+:\d+ spec\.quota: tenant \w+ needs \d+ entries in table flow_classify on leaf1; its quota there is 5/);
});

test('flowops sign --tenant writes the manifest with serial + 1; --operator the operator one', async () => {
  const dir = writeRepo(example());
  const r = await run(['sign', '--key', path.join(EXAMPLE_KEYS, 'acme.key'), '--tenant', 'acme', '--repo', dir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /signed manifests\/tenants\/acme\.manifest: serial 2, \d+ files/);
  const wrong = await run(['sign', '--key', path.join(EXAMPLE_KEYS, 'globex.key'), '--tenant', 'acme', '--repo', dir]);
  assert.equal(wrong.code, 1);
  assert.match((await run(['sign', '--key', path.join(EXAMPLE_KEYS, 'operator.key'), '--operator', '--repo', dir])).out, /operator\.manifest: serial 2/);
  assert.equal((await run(['validate', '--trust', TRUST, dir])).code, 0);
  void demoSeed;
});
