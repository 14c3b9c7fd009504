// Plan checks on pull requests, end to end: a real Git repo with
// refs/pull/N/head served by `git http-backend`, fetched with isomorphic-git,
// validated (signatures included), compiled and planned; results posted
// through @octokit/rest to the OpenAPI-checked GitHub test server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { GitHubServer } from '../helpers/github-server.ts';
import { createGitHubClient, type GitHubClient } from '../../src/report/github/client.ts';
import { Outbox } from '../../src/report/github/outbox.ts';
import { PrChecker } from '../../src/report/github/pr-check.ts';
import { PrPoller } from '../../src/report/github/poller.ts';
import type { LiveReader } from '../../src/report/github/pr-plan.ts';
import { PLAN_MARKER } from '../../src/report/github/plan-comment.ts';
import { signBody, toWebhookEvent } from '../../src/report/github/webhook.ts';
import { createGitHubIntegration } from '../../src/report/github/integration.ts';
import { ghPair } from './fixtures.ts';
import { exampleFile, signed, startPrRepo, type PrRepo } from './pr-repo.ts';

const examples: { name: string; examples: any[] }[] = createRequire(import.meta.url)('@octokit/webhooks-examples');
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = { appId: 99, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installationId: 5 };

let gh: GitHubServer;
let client: GitHubClient;
let repo: PrRepo;
const outboxes: Outbox[] = [];
const REPO = 'net/intent';
const WEB = 'tenants/acme/flows/web.yaml';
const CORE = 'tenants/globex/flows/core.yaml';

before(async () => {
  ({ gh, client } = await ghPair({ app }));
  repo = await startPrRepo();
});
after(async () => {
  for (const o of outboxes) o.close();
  await gh.close();
  await repo.close();
});

function checker(opts: { client?: GitHubClient; checkRuns?: boolean; live?: LiveReader } = {}) {
  const c = opts.client ?? client;
  const outbox = new Outbox({ client: c, retryMs: 0 });
  outboxes.push(outbox);
  return new PrChecker({
    client: c, outbox, repo: { owner: 'net', repo: 'intent' }, branch: 'main', checkRuns: opts.checkRuns, live: opts.live,
    git: { url: repo.url, gitdir: path.join(repo.root, `cache-${outboxes.length}`) },
  });
}

async function openPr(number: number, changes: Record<string, string | null>) {
  const sha = await repo.pushPr(number, changes);
  gh.addPull(REPO, { number, head: { ref: `pr-${number}`, sha }, base: { ref: 'main', sha: repo.main } });
  return sha;
}

/** 1-based line of the first occurrence of `needle` in `text`. */
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

const newFlow = (name: string, port: number) => `---
apiVersion: flowops.dev/v1
kind: Flow
metadata:
  name: ${name}
  tenant: acme
spec:
  from: { service: storefront }
  to: { service: catalog }
  protocol: tcp
  ports: [${port}]
  action: allow
`;

function countsIn(description: string): number[] {
  const m = /^\+(\d+) ~(\d+) -(\d+) entries on (\d+) switch/.exec(description);
  assert.ok(m, `unexpected description: ${description}`);
  return m.slice(1).map(Number);
}

test('a valid, signed PR: success status with counts, one plan comment; a push edits it in place', async () => {
  const web = exampleFile(WEB) + newFlow('storefront-to-reviews', 9000);
  const sha1 = await openPr(1, signed({ [WEB]: web }, 'acme', WEB));
  const c = checker();
  const report = (await c.check(1))!;

  const st = gh.latestStatus(REPO, sha1, 'flowops/plan')!;
  assert.deepEqual(gh.statuses(REPO, sha1, 'flowops/plan').map((s) => s.state), ['pending', 'success']);
  const [ins, mod, del, switches] = countsIn(st.description!);
  assert.ok(ins > 0);
  assert.deepEqual([mod, del, switches], [0, 0, report.switches.length]);
  assert.equal(ins, report.switches.reduce((n, s) => n + s.plan.inserts.length, 0));

  const comments = gh.comments(REPO, 1);
  assert.equal(comments.length, 1);
  const body = comments[0].body;
  assert.ok(body.startsWith(PLAN_MARKER));
  for (const s of report.switches) assert.match(body, new RegExp(`### \`${s.target}\`: \\+${s.plan.inserts.length} ~0 -0 entries\n`));
  const link = `https://github.com/net/intent/blob/${sha1}/${WEB}#L${lineOf(web, 'name: storefront-to-reviews') - 3}`; // the document's first line
  assert.ok(body.includes(`[flow \`acme/storefront-to-reviews\`](${link})`), body);
  assert.match(body, /adds \d+ entries \(flow_classify ×\d+, flow_policy ×1\) — new: tcp\/9000 from storefront to catalog\n/);

  // synchronize: a second commit on the PR
  const web2 = web.replace('ports: [9000]', 'ports: [9000, 9100]'); // two ports apart: two entries (adjacent ones would share one TCAM cover)
  const sha2 = await repo.pushPr(1, signed({ [WEB]: web2 }, 'acme', WEB), sha1);
  gh.pushPull(REPO, 1, sha2);
  await c.check(1);
  const after = gh.comments(REPO, 1);
  assert.equal(after.length, 1, 'still one comment');
  assert.equal(after[0].id, comments[0].id);
  assert.ok(after[0].body.includes(`blob/${sha2}/`));
  assert.equal(gh.latestStatus(REPO, sha2, 'flowops/plan')?.state, 'success');
  assert.ok(countsIn(gh.latestStatus(REPO, sha2, 'flowops/plan')!.description!)[0] > ins);
  assert.equal(gh.requests.filter((r) => r.operationId === 'issues/update-comment').length, 1);
  assert.deepEqual(gh.failures, []);
});

test('with a live reader, each switch also shows what merging would write to it now', async () => {
  const web = exampleFile(WEB) + newFlow('live-check', 9400);
  const sha = await openPr(11, signed({ [WEB]: web }, 'acme', WEB));
  const asked = new Map<string, number>();
  const live: LiveReader = async (target, desired) => {
    asked.set(target, desired.entries.length);
    if (target === 'leaf2') throw new Error('UNAVAILABLE: leaf2 unreachable');
    return []; // leaf1 was wiped: everything would be written
  };
  const report = (await checker({ live }).check(11))!;
  assert.deepEqual([...asked.keys()].sort(), ['leaf1', 'leaf2']);
  const body = gh.comments(REPO, 11)[0].body;
  const leaf1 = report.switches.find((s) => s.target === 'leaf1')!;
  assert.ok(body.includes(`### \`leaf1\`: +${leaf1.plan.inserts.length} ~0 -0 entries — against the live switch: +${asked.get('leaf1')} ~0 -0 entries\n`), body);
  assert.match(body, /### `leaf2`: \+\d+ ~0 -0 entries — live state not read: UNAVAILABLE: leaf2 unreachable\n/);
  assert.equal(gh.latestStatus(REPO, sha, 'flowops/plan')?.state, 'success');
  gh.repo(REPO).pulls.find((p) => p.number === 11)!.state = 'closed';
  assert.deepEqual(gh.failures, []);
});

test('an invalid PR fails with file:line in the status and a link to the line in the comment', async () => {
  const web = exampleFile(WEB) + newFlow('bad-port', 70000);
  const sha = await openPr(2, signed({ [WEB]: web }, 'acme', WEB));
  const report = (await checker().check(2))!;
  const line = lineOf(web, '70000');
  assert.ok(report.problems.some((p) => p.pos.file === WEB && p.pos.line === line));
  const st = gh.latestStatus(REPO, sha, 'flowops/plan')!;
  assert.equal(st.state, 'failure');
  assert.match(st.description!, new RegExp(`spec errors?; first ${WEB}:${line}:\\d+ .*70000`));
  assert.ok(st.description!.length <= 140);
  const body = gh.comments(REPO, 2)[0].body;
  assert.ok(body.includes(`(https://github.com/net/intent/blob/${sha}/${WEB}#L${line})`), body);
  assert.deepEqual(gh.failures, []);
});

test('an unsigned flow change and a flow signed with another tenant\'s key fail at file:1', async () => {
  const core = exampleFile(CORE).replace(/ports: \[(\d+)/, 'ports: [$1, 7443');
  const shaUnsigned = await openPr(3, { [CORE]: core });
  const web = exampleFile(WEB) + newFlow('sneaky', 9100);
  const shaForeign = await openPr(4, signed({ [WEB]: web }, 'globex', WEB));
  const c = checker();
  const r3 = (await c.check(3))!;
  const r4 = (await c.check(4))!;
  assert.deepEqual(r3.problems.map((p) => [p.code, p.pos.file, p.pos.line]), [['SIG_BAD', CORE, 1]]);
  assert.deepEqual(r4.problems.map((p) => [p.code, p.pos.file, p.pos.line]), [['SIG_OTHER_TENANT', WEB, 1]]);
  for (const [n, sha, code] of [[3, shaUnsigned, 'SIG_BAD'], [4, shaForeign, 'SIG_OTHER_TENANT']] as const) {
    assert.equal(gh.latestStatus(REPO, sha, 'flowops/plan')?.state, 'failure');
    const file = n === 3 ? CORE : WEB;
    assert.ok(gh.comments(REPO, n)[0].body.includes(`blob/${sha}/${file}#L1`));
    assert.ok(gh.comments(REPO, n)[0].body.includes(`(${code})`));
  }
  assert.deepEqual(gh.failures, []);
});

test('two open PRs changing the same flow are flagged on both, and cleared when one closes', async () => {
  const a = exampleFile(WEB).replace('qos: silver', 'qos: gold');
  const b = exampleFile(WEB).replace('ports: [443, 8080]', 'ports: [443]');
  const shaA = await openPr(5, signed({ [WEB]: a }, 'acme', WEB));
  const shaB = await openPr(6, signed({ [WEB]: b }, 'acme', WEB));
  const c = checker();
  await c.check(5);
  assert.equal(gh.latestStatus(REPO, shaA, 'flowops/plan')?.state, 'success');
  await c.check(6);
  for (const [sha, other, n] of [[shaA, 6, 5], [shaB, 5, 6]] as const) {
    const st = gh.latestStatus(REPO, sha, 'flowops/plan')!;
    assert.equal(st.state, 'failure');
    assert.match(st.description!, new RegExp(`conflicts with #${other} \\(flow acme/storefront-to-catalog\\)`));
    assert.match(gh.comments(REPO, n)[0].body, new RegExp(`#${other} also changes \`flow acme/storefront-to-catalog\``));
    assert.equal(gh.comments(REPO, n).length, 1);
  }
  assert.match(gh.comments(REPO, 5)[0].body, /— qos silver → gold\n/);
  // Removed entries are attributed to the flow through the base commit, and link to its line there.
  assert.ok(gh.comments(REPO, 6)[0].body.includes(`(https://github.com/net/intent/blob/${repo.main}/${WEB}#L3): removes 1 entry (flow_classify ×1) — ports 443, 8080 → 443\n`));
  // PR 6 is closed (webhook): PR 5 is green again.
  gh.repo(REPO).pulls.find((p) => p.number === 6)!.state = 'closed';
  const poller = new PrPoller({ client, repo: { owner: 'net', repo: 'intent' }, branch: 'main', checker: c });
  poller.handle(toWebhookEvent('pull_request', 'd-close', { action: 'closed', repository: { full_name: REPO }, pull_request: { number: 6, head: { sha: shaB }, base: { ref: 'main' }, merged: false } })!);
  await poller.idle();
  assert.equal(gh.latestStatus(REPO, shaA, 'flowops/plan')?.state, 'success');
  assert.doesNotMatch(gh.comments(REPO, 5)[0].body, /also changes/);
  gh.repo(REPO).pulls.find((p) => p.number === 5)!.state = 'closed';
  assert.deepEqual(gh.failures, []);
});

test('with App auth, a check run carries every error as an annotation, 50 per request', async () => {
  const bulk = Array.from({ length: 60 }, (_, i) => newFlow(`bulk-${i}`, 70000 + i)).join('');
  const file = 'tenants/acme/flows/bulk.yaml';
  const sha = await openPr(7, signed({ [file]: bulk }, 'acme', file));
  const appClient = createGitHubClient({ auth: { kind: 'app', appId: app.appId, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), installationId: app.installationId }, baseUrl: gh.url, backoffBaseMs: 1, spaceWrites: false });
  const report = (await checker({ client: appClient, checkRuns: true }).check(7))!;
  assert.ok(report.problems.length >= 60);
  const run = gh.repo(REPO).checkRuns.find((r) => r.head_sha === sha)!;
  assert.equal(run.conclusion, 'failure');
  assert.equal(run.annotations.length, report.problems.length);
  assert.deepEqual(run.annotations.slice(0, 3).map((a) => [a.path, a.start_line]), report.problems.slice(0, 3).map((p) => [p.pos.file, p.pos.line]));
  const calls = gh.requests.filter((r) => r.path.includes('/check-runs')).map((r) => (r.body as any).output.annotations?.length ?? 0);
  assert.equal(calls[0], 50);
  assert.ok(calls.every((n) => n <= 50));
  assert.equal(calls.reduce((a, b) => a + b, 0), report.problems.length);
  gh.repo(REPO).pulls.find((p) => p.number === 7)!.state = 'closed';
  assert.deepEqual(gh.failures, []);
});

test('a PR binding a service to a contract role says so in the plan comment and passes verify', async () => {
  const SVC = 'tenants/acme/services.yaml';
  const services = exampleFile(SVC).replace(/(  name: cart\n  tenant: acme\nspec:\n  addresses: [^\n]*\n  roles: [^\n]*\n)/, '$1  contracts: [{ contract: db-access, role: client }]\n');
  assert.match(services, /name: cart[\s\S]*?contract: db-access, role: client/);
  const sha = await openPr(21, { [SVC]: services });
  const report = (await checker().check(21))!;
  assert.deepEqual(report.problems, []);
  assert.equal(report.verify, undefined);
  assert.deepEqual(report.contracts, ['contract `db-access`: service `cart` joins as client → 1 new flow']);
  const body = gh.comments(REPO, 21)[0].body;
  assert.ok(body.includes('- contract `db-access`: service `cart` joins as client → 1 new flow\n'), body);
  assert.match(body, /flow `acme\/db-access:cart->orders-db`\]\([^)]*tenants\/acme\/contracts\.yaml#L\d+\): adds/);
  assert.equal(gh.latestStatus(REPO, sha, 'flowops/plan')?.state, 'success');
  gh.repo(REPO).pulls.find((p) => p.number === 21)!.state = 'closed';
  assert.deepEqual(gh.failures, []);
});

test('verify runs in the PR check: a PR that leaves flows without a route fails with annotations at the flow lines', async () => {
  const TENANT = 'tenants/acme/tenant.yaml';
  const tenant = exampleFile(TENANT).replace(/    - \{ prefix: 0\.0\.0\.0\/0,[^\n]*\n/, '');
  assert.notEqual(tenant, exampleFile(TENANT));
  const sha = await openPr(22, { [TENANT]: tenant });
  const appClient = createGitHubClient({ auth: { kind: 'app', appId: app.appId, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), installationId: app.installationId }, baseUrl: gh.url, backoffBaseMs: 1, spaceWrites: false });
  const report = (await checker({ client: appClient, checkRuns: true }).check(22))!;
  assert.deepEqual(report.problems, []);
  const found = report.verify ?? [];
  assert.ok(found.length > 0);
  assert.ok(found.every((p) => p.code === 'VERIFY_UNREACHABLE'), JSON.stringify(found));
  const cart = found.find((p) => /flow 0x[0-9a-f]+ is unreachable: no route/.test(p.message) && p.pos.file === 'tenants/acme/flows/web.yaml')!;
  assert.ok(cart, JSON.stringify(found));
  assert.equal(gh.latestStatus(REPO, sha, 'flowops/plan')?.state, 'failure');
  const run = gh.repo(REPO).checkRuns.find((r) => r.head_sha === sha)!;
  assert.equal(run.conclusion, 'failure');
  assert.equal(run.annotations.length, found.length);
  assert.ok(run.annotations.some((a: any) => a.path === cart.pos.file && a.start_line === cart.pos.line && a.title === 'VERIFY_UNREACHABLE'));
  assert.match(gh.comments(REPO, 22)[0].body, /verify findings\*\* over the compiled entries/);
  gh.repo(REPO).pulls.find((p) => p.number === 22)!.state = 'closed';
  assert.deepEqual(gh.failures, []);
});

test('the poller and webhooks share one queue: a head is checked once; a new push is checked again', async () => {
  for (const p of gh.repo(REPO).pulls) p.state = 'closed';
  const web = exampleFile(WEB) + newFlow('polled', 9200);
  const sha = await openPr(8, signed({ [WEB]: web }, 'acme', WEB));
  const c = checker();
  const poller = new PrPoller({ client, repo: { owner: 'net', repo: 'intent' }, branch: 'main', checker: c });
  poller.handle(toWebhookEvent('pull_request', 'd-8', { action: 'opened', repository: { full_name: REPO }, pull_request: { number: 8, head: { sha }, base: { ref: 'main' } } })!);
  await poller.pollOnce();
  await poller.idle();
  assert.deepEqual(poller.checked, [{ pr: 8, sha }]);
  assert.equal(gh.latestStatus(REPO, sha, 'flowops/plan')?.state, 'success');

  const sha2 = await repo.pushPr(8, signed({ [WEB]: web.replace('[9200]', '[9201]') }, 'acme', WEB), sha);
  gh.pushPull(REPO, 8, sha2);
  await poller.pollOnce();
  assert.deepEqual(poller.checked.map((x) => x.sha), [sha, sha2]);
  assert.equal(gh.latestStatus(REPO, sha2, 'flowops/plan')?.state, 'success');
  assert.equal(gh.comments(REPO, 8).length, 1);

  // A push to main changes every open PR's plan: PR 8 is checked again at the same head.
  poller.handle(toWebhookEvent('push', 'd-push', { ref: 'refs/heads/main', before: repo.main, after: repo.main, repository: { full_name: REPO } })!);
  poller.handle(toWebhookEvent('push', 'd-push-other', { ref: 'refs/heads/feature', before: repo.main, after: repo.main, repository: { full_name: REPO } })!);
  await poller.idle();
  assert.deepEqual(poller.checked.map((x) => x.sha), [sha, sha2, sha2]);
  assert.deepEqual(gh.failures, []);
});

test('wired together: a signed webhook delivery schedules the check at once and the plan lands on the PR', async () => {
  for (const p of gh.repo(REPO).pulls) p.state = 'closed';
  const web = exampleFile(WEB) + newFlow('hooked', 9300);
  const sha = await openPr(10, signed({ [WEB]: web }, 'acme', WEB));
  const gi = createGitHubIntegration({
    env: { GITHUB_TOKEN: 't0k', GITHUB_WEBHOOK_SECRET: 'hook-secret' }, repo: { owner: 'net', repo: 'intent' }, branch: 'main',
    gitUrl: repo.url, stateDir: path.join(repo.root, 'state-10'), apiUrl: gh.url, backoffBaseMs: 1, spaceWrites: false,
  });
  const hooks = http.createServer(gi.webhook!);
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  try {
    const payload = structuredClone(examples.find((e) => e.name === 'pull_request')!.examples.find((x) => x.action === 'opened'));
    Object.assign(payload.repository, { full_name: REPO });
    Object.assign(payload.pull_request, { number: 10 });
    Object.assign(payload.pull_request.head, { sha });
    Object.assign(payload.pull_request.base, { ref: 'main' });
    const body = JSON.stringify(payload);
    const t0 = Date.now();
    const res = await fetch(`http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/github`, {
      method: 'POST', body, headers: { 'x-github-event': 'pull_request', 'x-github-delivery': 'd-10', 'x-hub-signature-256': signBody('hook-secret', body) },
    });
    assert.equal(res.status, 202);
    assert.ok(Date.now() - t0 < 1000, 'answered before the check ran');
    await gi.poller.idle();
    assert.deepEqual(gi.poller.checked, [{ pr: 10, sha }]);
    assert.equal(gh.latestStatus(REPO, sha, 'flowops/plan')?.state, 'success');
    assert.match(gh.comments(REPO, 10)[0].body, /flow `acme\/hooked`/);
  } finally {
    gi.stop();
    await new Promise<void>((r) => hooks.close(() => r()));
  }
  assert.deepEqual(gh.failures, []);
});
