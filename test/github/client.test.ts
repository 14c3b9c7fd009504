// The Octokit factory against the OpenAPI-checked test server: token and App
// auth, retry after 5xx, 403 primary and 429 secondary rate limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.ts';
import { createGitHubClient, authFromEnv } from '../../src/report/github/client.ts';
import { ConfigError } from '../../src/shared/errors.ts';

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let gh: GitHubServer;
before(async () => {
  gh = await startGitHubServer({ tokens: ['t0k'], app: { appId: 42, publicKeyPem, installationId: 7 } });
});
after(async () => {
  await gh.close();
});

const tokenClient = () => createGitHubClient({ auth: { kind: 'token', token: 't0k' }, baseUrl: gh.url, backoffBaseMs: 1, spaceWrites: false });
const sha = 'a'.repeat(40);

test('token auth posts a commit status that GitHub would accept', async () => {
  const res = await tokenClient().rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha, state: 'pending', context: 'flowops/plan', description: 'planning' });
  assert.equal(res.status, 201);
  assert.equal(gh.latestStatus('o/r', sha, 'flowops/plan')?.state, 'pending');
  assert.deepEqual(gh.failures, []);
});

test('the server records an off-spec request as a failure and answers 422', async () => {
  await assert.rejects(
    tokenClient().request('POST /repos/{owner}/{repo}/statuses/{sha}', { owner: 'o', repo: 'r', sha, state: 'bogus' as 'error' }),
    (e: any) => e.status === 422,
  );
  assert.equal(gh.failures.length, 1);
  assert.match(gh.failures[0], /state must be equal to one of the allowed values/);
  gh.failures.length = 0;
});

test('an unknown route is a failure and 404', async () => {
  await assert.rejects(tokenClient().request('GET /repos/{owner}/{repo}/flowops-nope', { owner: 'o', repo: 'r' }), (e: any) => e.status === 404);
  assert.match(gh.failures[0], /no such route/);
  gh.failures.length = 0;
});

test('a reply that breaks its documented schema is recorded as a failure', async () => {
  gh.tamperNext((body) => ({ ...body, state: 'green', id: 'not-a-number' }));
  await tokenClient().rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha, state: 'success', context: 'tampered' });
  assert.equal(gh.failures.length, 1);
  assert.match(gh.failures[0], /repos\/create-commit-status response: response 201 body: .*\/id must be integer/);
  gh.failures.length = 0;
});

test('5xx, 403 rate limit and 429 secondary limit are retried, then succeed', async () => {
  for (const status of [500, 403, 429] as const) {
    const before = gh.requests.length;
    gh.failNext(2, status, 0);
    const res = await tokenClient().rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha, state: 'success', context: `c-${status}` });
    assert.equal(res.status, 201);
    assert.deepEqual(gh.requests.slice(before).map((r) => r.status), [status, status, 201]);
  }
  assert.equal(gh.statuses('o/r', sha).filter((s) => s.context.startsWith('c-')).length, 3);
  assert.deepEqual(gh.failures, []);
});

test('retries give up after the configured count', async () => {
  gh.failNext(3, 500);
  const c = createGitHubClient({ auth: { kind: 'token', token: 't0k' }, baseUrl: gh.url, backoffBaseMs: 1, retries: 2, spaceWrites: false });
  await assert.rejects(c.rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha, state: 'success' }), (e: any) => e.status === 500);
});

test('GitHub App auth gets an installation token and can create check runs', async () => {
  const auth = authFromEnv({ GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: privateKeyPem.replace(/\n/g, '\\n'), GITHUB_APP_INSTALLATION_ID: '7' });
  const c = createGitHubClient({ auth, baseUrl: gh.url, backoffBaseMs: 1, spaceWrites: false });
  const res = await c.rest.checks.create({ owner: 'o', repo: 'r', name: 'flowops/plan', head_sha: sha, status: 'completed', conclusion: 'success', output: { title: 't', summary: 's' } });
  assert.equal(res.status, 201);
  const kinds = gh.requests.filter((r) => r.path.startsWith('/app/') || r.path.endsWith('/check-runs')).map((r) => `${r.operationId}:${r.auth}`);
  assert.deepEqual(kinds, ['apps/create-installation-access-token:app-jwt', 'checks/create:installation']);
  assert.deepEqual(gh.failures, []);
});

test('a wrong token is refused and missing auth config is a ConfigError', async () => {
  const c = createGitHubClient({ auth: { kind: 'token', token: 'nope' }, baseUrl: gh.url, backoffBaseMs: 1, spaceWrites: false });
  await assert.rejects(c.rest.pulls.list({ owner: 'o', repo: 'r' }), (e: any) => e.status === 401);
  assert.throws(() => authFromEnv({}), (e: any) => e instanceof ConfigError && e.code === 'GITHUB_AUTH_MISSING');
  assert.throws(() => authFromEnv({ GITHUB_APP_ID: '1' }), (e: any) => e.code === 'GITHUB_APP_INCOMPLETE');
  assert.deepEqual(gh.failures, []);
});
