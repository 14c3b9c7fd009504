// flowops.config.yaml: defaults, environment overrides, errors with
// file:line:col (or the variable that set the bad value), and the help text
// that documents every key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { configHelp, loadConfig, parseConfig } from '../../src/reconcile/config.ts';
import { ConfigError } from '../../src/shared/errors.ts';
import { Config } from '../../src/reconcile/schema.ts';
import { tempDir } from '../helpers/git-repo.ts';

const dir = tempDir('config');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('defaults fill every key; env overrides win', () => {
  const file = path.join(dir, 'flowops.config.yaml');
  fs.writeFileSync(file, 'repo:\n  url: https://git.example/net.git\ndrift:\n  policy: heal\n');
  const { config, baseDir } = loadConfig(file, { FLOWOPS_BATCH_SIZE: '64', FLOWOPS_MODE: 'plan-only', FLOWOPS_PRUNE: 'false' });
  assert.equal(baseDir, dir);
  assert.equal(config.repo.branch, 'main');
  assert.equal(config.schedules.sync, '*/30 * * * * *');
  assert.equal(config.drift.policy, 'heal');
  assert.equal(config.batch.size, 64);
  assert.equal(config.mode, 'plan-only');
  assert.equal(config.prune, false);
  // FLOWOPS_REPO_PATH replaces the file's url.
  const local = loadConfig(file, { FLOWOPS_REPO_PATH: '/srv/intent' }).config.repo;
  assert.deepEqual([local.url, local.path], [undefined, '/srv/intent']);
});

test('a bad value names file:line:col and the key', () => {
  const text = 'repo:\n  path: ./specs\nschedules:\n  sync: "every minute"\nbatch:\n  size: 0\n';
  assert.throws(() => parseConfig(text, 'flowops.config.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'CONFIG_INVALID');
    assert.equal(e.toString().split(' ')[0], 'flowops.config.yaml:4:9');
    assert.match(e.message, /^schedules\.sync: invalid cron expression/);
    return true;
  });
  assert.throws(() => parseConfig('repo:\n  path: x\nbogus: 1\n', 'c.yaml'), (e: ConfigError) => e.pos?.line === 1 && /bogus/.test(e.message));
  assert.throws(() => parseConfig('repo:\n  branch: dev\n', 'c.yaml'), (e: ConfigError) => e.pos?.line === 2 && /exactly one of repo.url and repo.path/.test(e.message));
  assert.throws(() => parseConfig('repo: [\n', 'c.yaml'), (e: ConfigError) => e.code === 'CONFIG_YAML' && e.pos?.file === 'c.yaml');
  assert.throws(() => parseConfig('repo:\n  path: x\n', 'c.yaml', { FLOWOPS_DRIFT_POLICY: 'ignore' }), (e: ConfigError) => e.data.env === 'FLOWOPS_DRIFT_POLICY' && /drift\.policy/.test(e.message));
});

test('--help documents every key of the schema', () => {
  const help = configHelp();
  const keys: string[] = [];
  const walk = (s: { shape?: Record<string, unknown> } | undefined, prefix: string) => {
    for (const [k, v] of Object.entries(s?.shape ?? {})) {
      keys.push(prefix + k);
      let inner = v as { shape?: object; def?: { innerType?: unknown; valueType?: unknown } };
      while (inner && !inner.shape && (inner.def?.innerType || inner.def?.valueType)) inner = (inner.def.innerType ?? inner.def.valueType) as typeof inner;
      if (inner?.shape) walk(inner as never, `${prefix}${k}.`);
    }
  };
  walk(Config as never, '');
  assert.ok(keys.length > 25, `found ${keys.length} keys`);
  for (const k of keys) {
    const leaf = k.split('.').pop()!;
    assert.match(help, new RegExp(`^\\s+${leaf}: \\S+.*\\S`, 'm'), `help lacks ${k}`);
  }
});
