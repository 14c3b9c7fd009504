// flowops.config.yaml's `github:` section → the integration (or none), with
// secrets only from the environment.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromObject } from '../../src/reconcile/config.ts';
import { githubFromConfig } from '../../src/reconcile/github-from-config.ts';
import { ConfigError } from '../../src/shared/errors.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-ghcfg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = { repo: { url: 'https://github.com/net/intent.git', branch: 'main' }, stateFile: 'state/state.json' };

test('no github section → no integration', () => {
  assert.equal(githubFromConfig(configFromObject(base, dir), { GITHUB_TOKEN: 'x' }), undefined);
});

test('owner/repo + a token → reporter, checker, poller; the webhook only with a secret', () => {
  const loaded = configFromObject({ ...base, github: { owner: 'net', repo: 'intent' } }, dir);
  const gi = githubFromConfig(loaded, { GITHUB_TOKEN: 'x' })!;
  assert.ok(gi.reporter && gi.checker && gi.poller);
  assert.equal(gi.webhook, undefined);
  gi.stop();
  const withHook = githubFromConfig(loaded, { GITHUB_TOKEN: 'x', GITHUB_WEBHOOK_SECRET: 's' })!;
  assert.equal(typeof withHook.webhook, 'function');
  withHook.stop();
});

test('App ids from the config still need the key from the environment', () => {
  const loaded = configFromObject({ ...base, github: { owner: 'net', repo: 'intent', appId: 1, installationId: 2 } }, dir);
  assert.throws(() => githubFromConfig(loaded, {}), (e: unknown) => e instanceof ConfigError && e.code === 'GITHUB_APP_INCOMPLETE');
});

test('a local repo.path cannot serve refs/pull/N/head', () => {
  const loaded = configFromObject({ repo: { path: dir }, github: { owner: 'net', repo: 'intent' } }, dir);
  assert.throws(() => githubFromConfig(loaded, { GITHUB_TOKEN: 'x' }), (e: unknown) => e instanceof ConfigError && e.code === 'GITHUB_NEEDS_REPO_URL');
});
