// The reconciler following a remote repo over smart HTTP (git http-backend),
// authenticated with a token from the environment: converges, survives the
// remote going away (keeps the applied commit, reports the error), and picks
// up the next commit when it is back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Bench } from '../helpers/reconcile-env.ts';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.ts';

const bench = new Bench();
let server: GitHttpServer | undefined;
after(async () => {
  await server?.close();
  await bench.close();
});

test('https repo with a token: converge, remote down, remote back', async () => {
  const target = await bench.startTarget();
  const c1 = await bench.commit([{ name: 'web-api', from: 'web', to: 'api', ports: [443] }]);
  server = await startGitHttpServer({ root: bench.dir, token: 'tok-123' });
  const r = bench.reconciler(
    { repo: { url: `${server.url}/repo`, cacheDir: path.join(bench.dir, 'clone') } },
    { env: { FLOWOPS_GIT_TOKEN: 'tok-123' } },
  );
  const ev = await r.sync('test');
  assert.equal(ev?.commit, c1);
  assert.equal(ev?.switches[0].outcome, 'Converged');
  const converged = target.state.snapshot();

  server.setOffline(true);
  const c2 = await bench.commit([{ name: 'web-api', from: 'web', to: 'api', ports: [443, 444] }]);
  assert.equal(await r.sync('test'), undefined);
  const st = r.snapshot();
  assert.match(st.gitError ?? '', /fetching .* failed/);
  assert.equal(st.switches.leaf1.appliedCommit, c1);
  assert.match((await r.metrics.render()), /flowops_errors_total\{stage="git"\} 1/);
  assert.deepEqual(target.state.snapshot(), converged);

  server.setOffline(false);
  const ev2 = await r.sync('test');
  assert.equal(ev2?.commit, c2);
  assert.equal(ev2?.switches[0].outcome, 'Converged');
  assert.equal(ev2?.switches[0].written.inserted, 1);
  assert.equal(r.snapshot().gitError, undefined);
});
