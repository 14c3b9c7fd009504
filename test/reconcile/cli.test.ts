// The commands as a user runs them (in-process, own env and streams):
// `apply --once` converges and exits, `status` shows the state file, and the
// daemon's HTTP endpoints answer.
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { Bench, RecordingReporter, entityCount } from '../helpers/reconcile-env.ts';

const bench = new Bench();
after(() => bench.close());

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { env: { ...env, FLOWOPS_LOG_LEVEL: 'error' }, cwd: bench.dir, stdout, stderr, signal: new AbortController().signal });
  return { code, out, err };
}

describe('commands', () => {
  let config: string;
  let commit: string;
  before(async () => {
    await bench.startTarget();
    commit = await bench.commit([{ name: 'web-api', from: 'web', to: 'api', ports: [443] }]);
    config = path.join(bench.dir, 'flowops.config.yaml');
    fs.writeFileSync(config, 'repo:\n  path: repo\nhttp:\n  listen: 127.0.0.1:0\nstateFile: .flowops/state.json\n');
  });

  test('apply --once converges, then finds nothing to do; status shows it', async () => {
    const first = await cli(['apply', '--once', '--config', config]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`leaf1: converged to ${commit.slice(0, 7)} \\(\\+\\d+ ~0 -0`));
    assert.ok(entityCount(bench.targets[0].state.snapshot()) > 0);

    const second = await cli(['apply', '--once', '--config', config]);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /leaf1: in sync with/);

    const st = await cli(['status', '--config', config, '--json']);
    assert.equal(st.code, 0);
    const json = JSON.parse(st.out);
    assert.equal(json.switches.leaf1.appliedCommit, commit);
    assert.equal(json.switches.leaf1.lastOutcome, 'Unchanged');
    assert.equal(json.switches.leaf1.lastPath, 'full: restart', 'a new process reads the switch');
    const text = await cli(['status', '--config', config]);
    assert.match(text.out, new RegExp(`^leaf1\\s+127\\.0\\.0\\.1:\\d+\\s+1\\.4\\.0\\s+primary\\s+${commit.slice(0, 7)}\\s+\\S+\\s+Unchanged\\s+full: restart\\s+none$`, 'm'));
  });

  test('apply without --once, and a missing config, are usage/config errors', async () => {
    assert.equal((await cli(['apply', '--config', config])).code, 2);
    const missing = await cli(['apply', '--once', '--config', 'nope.yaml']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no config at nope\.yaml/);
    const help = await cli(['run', '--help']);
    assert.match(help.out, /drift:[\s\S]*policy: "alert"\|"heal"/);
  });

  test('HTTP: healthz, readyz, metrics, POST /sync, webhook mount point', async () => {
    const hooks: string[] = [];
    const reporter = new RecordingReporter();
    const r = bench.reconciler({ electionId: 9 }, {
      reporter,
      env: { FLOWOPS_SYNC_TOKEN: 'sync-token' },
      githubWebhook: (req, res) => {
        hooks.push(String(req.headers['x-github-event']));
        req.resume();
        res.writeHead(204).end();
      },
    });
    await r.start();
    const base = `http://${r.httpAddress}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { detail: { leaf1: { primary: boolean } } }).detail.leaf1.primary, true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^# TYPE flowops_sync_duration_seconds histogram$/m);
    assert.match(metrics, /^flowops_syncs_total\{target="leaf1",outcome="Unchanged"\} 1$/m);
    assert.match(metrics, /^flowops_primary\{target="leaf1"\} 1$/m);
    const before = reporter.syncs.length;
    assert.equal((await fetch(`${base}/sync`, { method: 'POST', headers: { authorization: 'Bearer sync-token' } })).status, 202);
    for (let i = 0; i < 100 && reporter.syncs.length === before; i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(reporter.syncs.length, before + 1);
    assert.equal((await fetch(`${base}/hooks/github`, { method: 'POST', headers: { 'x-github-event': 'push' }, body: '{}' })).status, 204);
    assert.deepEqual(hooks, ['push']);
    assert.equal((await fetch(`${base}/sync`)).status, 405);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    await r.stop();
  });
});
