// The reconciler and GitHubReporter together, for real: a merge commit in a
// temp Git repo, the bundled P4Runtime target, and the OpenAPI-checked GitHub
// test server. Before writing the new commit the reconciler calls
// Reporter.syncStarted, so the merge commit shows `flowops/apply/<switch>`
// pending first and the result after; a replica that is only a backup posts
// nothing (its pending would outlive the primary's result).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GitHubServer } from '../helpers/github-server.ts';
import type { GitHubClient } from '../../src/report/github/client.ts';
import { GitHubReporter } from '../../src/report/github/reporter.ts';
import { Outbox } from '../../src/report/github/outbox.ts';
import { Bench } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { ghPair } from './fixtures.ts';

let gh: GitHubServer;
let client: GitHubClient;
const outboxes: Outbox[] = [];
const benches: Bench[] = [];
const repo = { owner: 'net', repo: 'intent' };

before(async () => ({ gh, client } = await ghPair()));
after(async () => {
  for (const b of benches) await b.close();
  for (const o of outboxes) o.close();
  await gh.close();
});

const flows: FlowDef[] = [{ name: 'web-api', from: 'web', to: 'api', ports: [443] }];

test('merge commit: flowops/apply/<switch> goes pending, then success, per switch; a backup replica posts nothing', async () => {
  const b = new Bench();
  benches.push(b);
  await b.startTarget();
  await b.startTarget();
  const merge = await b.commit(flows);
  const pr = gh.addPull('net/intent', { head: { ref: 'feature', sha: 'a'.repeat(40) }, base: { ref: 'main' } });
  gh.mergePull('net/intent', pr.number, merge);

  const outbox = new Outbox({ client, retryMs: 0 });
  outboxes.push(outbox);
  const order: string[] = [];
  const reporter = new GitHubReporter({ repo, outbox });
  const primary = b.reconciler({}, {
    reporter: {
      syncStarted: async (ev) => { order.push(`started ${ev.targets.join(',')}`); await reporter.syncStarted(ev); },
      syncFinished: async (ev) => { order.push('finished'); await reporter.syncFinished(ev); },
      drift: (ev) => reporter.drift(ev),
      driftCleared: (ev) => reporter.driftCleared(ev),
    },
  });
  const ev = (await primary.sync('test'))!;
  assert.deepEqual(ev.switches.map((s) => s.outcome), ['Converged', 'Converged']);
  await outbox.flush();
  assert.deepEqual(order, ['started leaf1,leaf2', 'finished']);
  for (const leaf of ['leaf1', 'leaf2']) {
    const states = gh.statuses('net/intent', merge, `flowops/apply/${leaf}`).map((s) => s.state);
    assert.deepEqual(states, ['pending', 'success'], leaf);
  }
  assert.match(gh.latestStatus('net/intent', merge, 'flowops/apply/leaf1')!.description!, /^converged: wrote \+\d+/);
  assert.equal(gh.comments('net/intent', pr.number).length, 1, 'one comment on the merged PR');

  // Nothing new to write: no second pending.
  await primary.sync('test', { force: true });
  await outbox.flush();
  assert.deepEqual(gh.statuses('net/intent', merge, 'flowops/apply/leaf1').map((s) => s.state), ['pending', 'success']);

  // A replica with a lower election id is a backup: it neither says pending nor reports.
  const backupCalls: string[] = [];
  const backup = b.reconciler({ electionId: 1 }, {
    reporter: {
      syncStarted: async () => { backupCalls.push('started'); },
      syncFinished: async () => { backupCalls.push('finished'); },
      drift: async () => {},
      driftCleared: async () => {},
    },
  });
  await backup.sync('test');
  assert.deepEqual(backupCalls, []);
  assert.deepEqual(gh.failures, []);
  await backup.stop();
  await primary.stop();
});
