// The trust model on pull requests (docs/trust.md): the real PR check — a Git
// repo served by `git http-backend`, results posted through @octokit/rest to
// the OpenAPI-validating GitHub test server — with the operator key pinned.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { GitHubServer } from '../helpers/github-server.ts';
import type { GitHubClient } from '../../src/report/github/client.ts';
import { Outbox } from '../../src/report/github/outbox.ts';
import { PrChecker } from '../../src/report/github/pr-check.ts';
import { ghPair } from '../github/fixtures.ts';
import { exampleFile, startPrRepo, type PrRepo } from '../github/pr-repo.ts';
import { readTreeFiles } from '../helpers/git-repo.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';
import { operatorRoots, resign } from '../helpers/trust.ts';
import { wideFlows } from '../helpers/trust.ts';
import { generateSeed, publicKeyOf } from '../../src/specs/signature.ts';
import { flowYaml } from '../helpers/spec-repo.ts';

let gh: GitHubServer;
let client: GitHubClient;
let repo: PrRepo;
const outboxes: Outbox[] = [];
const REPO = 'net/intent';
const ACME_TENANT = 'tenants/acme/tenant.yaml';
const OPS = 'tenants/acme/flows/ops.yaml';

before(async () => {
  ({ gh, client } = await ghPair({}));
  repo = await startPrRepo();
});
after(async () => {
  for (const o of outboxes) o.close();
  await gh.close();
  await repo.close();
});

function checker() {
  const outbox = new Outbox({ client, retryMs: 0 });
  outboxes.push(outbox);
  return new PrChecker({
    client, outbox, repo: { owner: 'net', repo: 'intent' }, branch: 'main', trust: operatorRoots(),
    git: { url: repo.url, gitdir: path.join(repo.root, `trust-cache-${outboxes.length}`) },
  });
}

const mainFiles = (): Record<string, string | null> => Object.fromEntries(Object.entries(readTreeFiles(EXAMPLE_REPO)).filter(([p]) => !p.startsWith('.example-keys/')));

async function check(number: number, changes: Record<string, string | null>, parent?: string) {
  const sha = await repo.pushPr(number, changes, parent);
  gh.addPull(REPO, { number, head: { ref: `pr-${number}`, sha }, base: { ref: 'main', sha: repo.main } });
  const report = (await checker().check(number))!;
  return { sha, report, status: gh.latestStatus(REPO, sha, 'flowops/plan')!, body: gh.comments(REPO, number)[0]?.body ?? '' };
}

test('attack: a PR replacing a tenant key and re-signing with it fails, naming the Tenant file', async () => {
  const files = mainFiles();
  const evil = generateSeed();
  files[ACME_TENANT] = exampleFile(ACME_TENANT).replace(/publicKey: \S+/, `publicKey: ${Buffer.from(publicKeyOf(evil)).toString('base64')}`);
  files['tenants/acme/flows/evil.yaml'] = flowYaml({ name: 'evil', from: 'storefront', to: 'catalog', ports: [2222] });
  const changes = { [ACME_TENANT]: files[ACME_TENANT], 'tenants/acme/flows/evil.yaml': files['tenants/acme/flows/evil.yaml'], ...resign(files, 'acme', { seed: evil }) };
  const r = await check(101, changes);
  assert.equal(r.status.state, 'failure');
  assert.ok(r.report.problems.some((p) => p.pos.file === ACME_TENANT && p.code === 'TRUST_DIGEST'), JSON.stringify(r.report.problems));
  assert.match(r.body, /tenants\/acme\/tenant\.yaml/);
  assert.deepEqual(gh.failures, []);
});

test('an operator-signed key rotation passes, and the key change is the first thing the plan says', async () => {
  const files = mainFiles();
  const next = generateSeed();
  files[ACME_TENANT] = exampleFile(ACME_TENANT).replace(/publicKey: \S+/, `publicKey: ${Buffer.from(publicKeyOf(next)).toString('base64')}`);
  const changes = { [ACME_TENANT]: files[ACME_TENANT], ...resign(files, 'operator') };
  Object.assign(changes, resign({ ...files, ...changes }, 'acme', { seed: next }));
  const r = await check(102, changes);
  assert.equal(r.status.state, 'success', JSON.stringify(r.report.problems));
  assert.match(r.status.description!, /^\d+ trust-relevant changes?; /);
  const trustAt = r.body.indexOf('**Trust-relevant changes**');
  assert.ok(trustAt > 0 && trustAt < r.body.indexOf('###'), r.body);
  assert.match(r.body, /KEY CHANGE: Tenant acme publicKey/);
  assert.match(r.body, /manifest of operator: serial 1 → 2/);
});

test('attack: unsigned Service, Tenant and Target changes fail the check, each naming its file', async () => {
  const edits: [string, (t: string) => string][] = [
    ['tenants/acme/services.yaml', (t) => t.replace('10.1.1.0/24', '10.1.0.0/23')],
    [ACME_TENANT, (t) => t.replace(/port: (\d+)/, 'port: 5')],
    ['targets/leaf1.yaml', (t) => t.replace(/address: \S+/, 'address: 203.0.113.9:9559')],
  ];
  let n = 110;
  for (const [file, edit] of edits) {
    const r = await check(++n, { [file]: edit(exampleFile(file)) });
    assert.equal(r.status.state, 'failure', file);
    assert.ok(r.report.problems.some((p) => p.pos.file === file && p.code === 'TRUST_DIGEST'), `${file}: ${JSON.stringify(r.report.problems)}`);
  }
});

test('a signed Target connection change that alters no entry still shows in words', async () => {
  const files = mainFiles();
  files['targets/leaf1.yaml'] = exampleFile('targets/leaf1.yaml').replace('insecure: true', 'insecure: false\n  tls: { serverName: leaf1.example }');
  const r = await check(120, { 'targets/leaf1.yaml': files['targets/leaf1.yaml'], ...resign(files, 'operator') });
  assert.equal(r.status.state, 'success', JSON.stringify(r.report.problems));
  assert.ok(r.report.switches.every((s) => s.plan.inserts.length + s.plan.deletes.length + s.plan.modifies.length === 0));
  assert.match(r.body, /Target leaf1 insecure: true → false/);
  assert.match(r.body, /Target leaf1 tls: \(none\) → \{"serverName":"leaf1.example"\}/);
});

test('attack: a deleted flow restored with its old manifest is a rollback; restored alone it is unsigned', async () => {
  // PR 130 (merged into the PR base below): acme deletes ops.yaml and re-signs, serial 2.
  const files = mainFiles();
  files[OPS] = null;
  files[OPS + '.sig'] = null;
  const deleted = { [OPS]: null, [OPS + '.sig']: null, ...resign(files, 'acme') };
  const base = await repo.pushPr(130, deleted);
  // The check judges against the tracked branch: point main at the deletion.
  const saved = repo.main;
  (repo as { main: string }).main = base;
  const { default: git } = await import('isomorphic-git');
  const fs = await import('node:fs');
  await git.writeRef({ fs, dir: repo.dir, ref: 'refs/heads/main', value: base, force: true });
  try {
    const restoredOld = await check(131, { [OPS]: exampleFile(OPS), 'manifests/tenants/acme.manifest': exampleFile('manifests/tenants/acme.manifest') }, base);
    assert.equal(restoredOld.status.state, 'failure');
    assert.ok(restoredOld.report.problems.some((p) => p.code === 'TRUST_ROLLBACK' && /serial 1 of tenant\/acme is below 2/.test(p.message)), JSON.stringify(restoredOld.report.problems));
    const restoredAlone = await check(132, { [OPS]: exampleFile(OPS) }, base);
    assert.equal(restoredAlone.status.state, 'failure');
    assert.ok(restoredAlone.report.problems.some((p) => p.pos.file === OPS && p.code === 'TRUST_UNSIGNED_FILE'), JSON.stringify(restoredAlone.report.problems));
    // Changed files under the same serial: refused too.
    const same = { ...files, 'tenants/acme/flows/x.yaml': flowYaml({ name: 'x', from: 'storefront', to: 'catalog', ports: [7000] }) };
    const sameSerial = await check(133, { 'tenants/acme/flows/x.yaml': same['tenants/acme/flows/x.yaml'], ...resign({ ...same, ...deleted }, 'acme', { serial: 2 }) }, base);
    assert.ok(sameSerial.report.problems.some((p) => p.code === 'TRUST_ROLLBACK' && /kept serial 2/.test(p.message)), JSON.stringify(sameSerial.report.problems));
  } finally {
    (repo as { main: string }).main = saved;
    await git.writeRef({ fs, dir: repo.dir, ref: 'refs/heads/main', value: saved, force: true });
  }
});

test('attack: a 2M-entry commit fails the check, naming tenant, table and numbers', async () => {
  const wide = wideFlows();
  const files = { ...mainFiles(), ...wide };
  const r = await check(140, { ...wide, ...resign(files, 'acme') });
  assert.equal(r.status.state, 'failure');
  assert.ok(r.report.problems.some((p) => p.code === 'CAPACITY_TABLE_FULL' && /table flow_classify of leaf1 holds 2097152 entries; this commit needs \d+ \(tenant acme: 2228\d{3}/.test(p.message)), JSON.stringify(r.report.problems));
});
