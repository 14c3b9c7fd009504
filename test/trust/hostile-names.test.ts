// Hostile strings in a pull request, through the real PR check (Git over
// http-backend, the OpenAPI-checked GitHub server, App auth for the check
// run): a lone CR, @mentions, links and autolinks, HTML, a heading, table
// pipes and backticks in a YAML key must reach GitHub as inert text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import type { GitHubServer } from '../helpers/github-server.ts';
import { createGitHubClient } from '../../src/report/github/client.ts';
import { Outbox } from '../../src/report/github/outbox.ts';
import { PrChecker } from '../../src/report/github/pr-check.ts';
import { mdCode } from '../../src/report/markdown.ts';
import { ghPair } from '../github/fixtures.ts';
import { exampleFile, signed, startPrRepo, type PrRepo } from '../github/pr-repo.ts';

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = { appId: 99, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installationId: 5 };
const REPO = 'net/intent';
const WEB = 'tenants/acme/flows/web.yaml';
let gh: GitHubServer;
let repo: PrRepo;
let outbox: Outbox;

before(async () => {
  ({ gh } = await ghPair({ app }));
  repo = await startPrRepo();
});
after(async () => {
  outbox?.close();
  await gh.close();
  await repo.close();
});

const HOSTILE = '@net/admins see https://evil.example and www.evil.example [x](https://evil.example) <img src=x onerror=alert(1)>\\r# Owned | a | b |\\r- [ ] ~~x~~ **y** _z_';
const KEY = 'a`b``c';

test('hostile service names and keys reach the PR comment, status and check run as inert text', async () => {
  const flow = `---
apiVersion: flowops.dev/v1
kind: Flow
metadata:
  name: hostile
  tenant: acme
spec:
  "${HOSTILE}": 1
  from: { service: storefront }
  to: { service: catalog }
  protocol: tcp
  ports: [9100]
  action: allow
  "${KEY}": 1
`;
  const web = exampleFile(WEB) + flow;
  const sha = await repo.pushPr(21, signed({ [WEB]: web }, 'acme', WEB));
  gh.addPull(REPO, { number: 21, head: { ref: 'pr-21', sha }, base: { ref: 'main', sha: repo.main } });
  const client = createGitHubClient({ auth: { kind: 'app', appId: app.appId, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), installationId: app.installationId }, baseUrl: gh.url, backoffBaseMs: 1, spaceWrites: false });
  outbox = new Outbox({ client, retryMs: 0 });
  const checker = new PrChecker({ client, outbox, repo: { owner: 'net', repo: 'intent' }, branch: 'main', checkRuns: true, git: { url: repo.url, gitdir: path.join(repo.root, 'cache-hostile') } });
  const report = (await checker.check(21))!;
  assert.ok(report.problems.length >= 1, 'the hostile flow is rejected');

  const body = gh.comments(REPO, 21)[0]!.body;
  // The hostile text is there, shown rather than obeyed.
  assert.ok(body.includes('@&#8203;net/admins see https:&#8203;//evil'), body);
  const run = gh.repo(REPO).checkRuns.find((r) => r.head_sha === sha)!;
  const status = gh.latestStatus(REPO, sha, 'flowops/plan')!;
  // Inside a code span nothing is live; outside, nothing may be.
  const outsideCode = (t: string) => t.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '');
  for (const [where, full] of [['comment', body], ['check summary', run.summary ?? '']] as const) {
    assert.doesNotMatch(full, /\r/, `${where}: a CR`);
    const text = outsideCode(full);
    assert.doesNotMatch(text, /@net\/admins/, `${where}: a live mention`);
    assert.doesNotMatch(text, /https:\/\/evil|www\.evil/, `${where}: an autolink`);
    assert.doesNotMatch(text, /\]\(https:\/\/evil/, `${where}: a link`);
    assert.doesNotMatch(text, /<img/i, `${where}: HTML`);
    assert.doesNotMatch(text, /(?<!\\)\| a (?<!\\)\|/, `${where}: table pipes`);
    assert.doesNotMatch(text, /(?<!\\)~~x(?<!\\)~~|(?<!\\)\*\*y/, `${where}: emphasis`);
    // Only our own headings start a line with #.
    for (const line of full.split('\n')) if (line.startsWith('#')) assert.match(line, /^##? |^### /, `${where}: ${line}`);
    // The key with backticks stays in one code span with a longer fence.
    assert.ok(full.includes(mdCode(`spec.${KEY}`)), `${where}: ${full}`);
    assert.ok(mdCode(`spec.${KEY}`).startsWith('```') && !mdCode(`spec.${KEY}`).startsWith('````'));
  }
  for (const a of run.annotations as { message: string; title: string }[]) {
    assert.doesNotMatch(a.message, /[\r\n]/);
    assert.doesNotMatch(a.title, /[\r\n]/);
  }
  assert.doesNotMatch(status.description ?? '', /[\r\n]/);
  assert.deepEqual(gh.failures, []);
});
