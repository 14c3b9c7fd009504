// A branch head that cannot be loaded (an alias bomb pushed to the branch)
// through the real reconciler: nothing is written, every switch gets a failed
// flowops/apply/<switch> status on the head commit (OpenAPI-checked GitHub
// server), `flowops status` says the head is rejected, /readyz answers 503
// and flowops_head_rejected is 1 — and all of it clears on the next good head.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import path from 'node:path';
import { Bench } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { ghPair } from '../github/fixtures.ts';
import type { GitHubServer } from '../helpers/github-server.ts';
import type { GitHubClient } from '../../src/report/github/client.ts';
import { Outbox } from '../../src/report/github/outbox.ts';
import { GitHubReporter } from '../../src/report/github/reporter.ts';
import { main } from '../../src/cli/main.ts';
import { aliasBomb } from './hostile-yaml.ts';

const flows: FlowDef[] = [{ name: 'web-api', from: 'web', to: 'api', ports: [443] }];

describe('a branch head that cannot be loaded', () => {
  const bench = new Bench();
  let gh: GitHubServer;
  let client: GitHubClient;
  let outbox: Outbox;
  before(async () => {
    ({ gh, client } = await ghPair());
    await bench.startTarget();
    await bench.startTarget();
  });
  after(async () => {
    outbox?.close();
    await bench.close();
    await gh.close();
  });

  test('fails every switch on GitHub, shows in status, /readyz and metrics; clears on a good head', async () => {
    const good = await bench.commit(flows);
    outbox = new Outbox({ client, retryMs: 0 });
    const reporter = new GitHubReporter({ repo: { owner: 'net', repo: 'intent' }, outbox });
    const r = bench.reconciler({}, { reporter });
    await r.start();
    await outbox.flush();
    assert.equal(gh.latestStatus('net/intent', good, 'flowops/apply/leaf1')?.state, 'success');
    const before = bench.targets.map((t) => t.state.snapshot());
    const ready = async () => {
      const res = await fetch(`http://${r.httpAddress}/readyz`);
      return { status: res.status, body: (await res.json()) as { ready: boolean; detail: { head?: { rejected: boolean; commit: string; summary: string } } } };
    };
    assert.equal((await ready()).status, 200);

    const bad = await bench.commit([], { rawFlows: aliasBomb() });
    const ev = await r.sync('test');
    await outbox.flush();
    assert.equal(ev?.commit, bad);
    assert.deepEqual(ev!.problems.map((p) => `${p.code} ${p.pos.file}:${p.pos.line}`), ['SPEC_ALIAS_LIMIT tenants/acme/flows/flows.yaml:6']);
    for (const leaf of ['leaf1', 'leaf2']) {
      const st = gh.latestStatus('net/intent', bad, `flowops/apply/${leaf}`);
      assert.equal(st?.state, 'failure', leaf);
      assert.match(st!.description ?? '', /rejected: 1 spec error; first tenants\/acme\/flows\/flows\.yaml:6:\d+ aliases expand too far/);
    }
    assert.deepEqual(bench.targets.map((t) => t.state.snapshot()), before);

    const rd = await ready();
    assert.equal(rd.status, 503);
    assert.equal(rd.body.detail.head?.rejected, true);
    assert.equal(rd.body.detail.head?.commit, bad);
    assert.match(await r.metrics.render(), /^flowops_head_rejected 1$/m);

    let out = '';
    const sink = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
    const code = await main(['status', '--state', path.join(bench.dir, 'r1.state.json')], { env: {}, cwd: bench.dir, stdout: sink, stderr: sink, signal: new AbortController().signal });
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`HEAD REJECTED: commit ${bad.slice(0, 7)} rejected: 1 spec error; first tenants/acme/flows/flows\\.yaml:6`));
    assert.match(out, /leaf1 .*Failed/);

    // The same bad head is not recompiled or re-reported every tick.
    assert.equal(await r.sync('test'), undefined);
    assert.equal(gh.statuses('net/intent', bad, 'flowops/apply/leaf1').length, 1);

    await bench.commit(flows.concat({ name: 'api-db', from: 'api', to: 'db', ports: [5432] }));
    const ok = await r.sync('test');
    assert.deepEqual(ok!.switches.map((s) => s.outcome), ['Converged', 'Converged']);
    assert.equal((await ready()).status, 200);
    assert.match(await r.metrics.render(), /^flowops_head_rejected 0$/m);
    await r.stop();
  });
});
