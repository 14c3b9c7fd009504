// GitHubReporter and its Outbox against the OpenAPI-checked test server: apply
// statuses and the merged-PR comment, drift issues opened/updated/closed, and
// GitHub outages that queue operations until it is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitHubServer } from '../helpers/github-server.ts';
import type { GitHubClient } from '../../src/report/github/client.ts';
import { GitHubReporter } from '../../src/report/github/reporter.ts';
import { Outbox } from '../../src/report/github/outbox.ts';
import { DRIFT_LABEL } from '../../src/report/github/drift-issues.ts';
import type { SyncEvent } from '../../src/report/events.ts';
import { PLAN_MARKER, renderPlanComment } from '../../src/report/github/plan-comment.ts';
import { upsertMarkedComment } from '../../src/report/github/comments.ts';
import type { PrPlanReport } from '../../src/report/github/types.ts';
import { ghPair, makePlan, switchResult } from './fixtures.ts';

let gh: GitHubServer;
let client: GitHubClient;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-gh-'));
const outboxes: Outbox[] = [];
const repo = { owner: 'net', repo: 'intent' };

before(async () => ({ gh, client } = await ghPair()));
after(async () => {
  for (const o of outboxes) o.close();
  await gh.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function reporter(file?: string, retryMs = 0) {
  const outbox = new Outbox({ client, file, retryMs });
  outboxes.push(outbox);
  return { outbox, rep: new GitHubReporter({ repo, outbox }) };
}

const sha = (c: string) => c.repeat(40);

test('apply statuses per switch on the merge commit and one comment on the merged PR', async () => {
  const pr = gh.addPull('net/intent', { head: { ref: 'feature', sha: sha('1') }, base: { ref: 'main' } });
  gh.mergePull('net/intent', pr.number, sha('2'));
  const { outbox, rep } = reporter();
  await rep.applyStarted(sha('2'), ['leaf1', 'leaf2']);
  await outbox.flush();
  assert.equal(gh.latestStatus('net/intent', sha('2'), 'flowops/apply/leaf1')?.state, 'pending');

  const ev: SyncEvent = {
    commit: sha('2'), branch: 'main', mode: 'auto', problems: [],
    switches: [
      switchResult('leaf1', 'Converged', makePlan(12, 1, 3)),
      switchResult('leaf2', 'RolledBack', makePlan(2), { error: { reason: 'WriteFailed', message: 'RESOURCE_EXHAUSTED: table full', updateIndex: 1, leftAt: 'old' } }),
    ],
  };
  await rep.syncFinished(ev);
  await outbox.flush();
  const l1 = gh.latestStatus('net/intent', sha('2'), 'flowops/apply/leaf1')!;
  const l2 = gh.latestStatus('net/intent', sha('2'), 'flowops/apply/leaf2')!;
  assert.equal(l1.state, 'success');
  assert.equal(l1.description, 'converged: wrote +12 ~1 -3 entries');
  assert.equal(l2.state, 'failure');
  assert.match(l2.description!, /rolled back at update 1, switch left at old state: RESOURCE_EXHAUSTED/);
  const comments = gh.comments('net/intent', pr.number);
  assert.equal(comments.length, 1);
  assert.match(comments[0].body, /`leaf1`: converged — inserted 12, modified 1, deleted 3 entries/);
  assert.match(comments[0].body, /`leaf2`: \*\*rolled back\*\* at update 1/);

  // The next poll of the same commit finds both switches unchanged: no new statuses, still one comment.
  const before = gh.statuses('net/intent', sha('2')).length;
  await rep.syncFinished({ ...ev, switches: ev.switches.map((s) => switchResult(s.target, 'Unchanged', makePlan(0))) });
  await outbox.flush();
  assert.equal(gh.statuses('net/intent', sha('2')).length, before);
  assert.equal(gh.comments('net/intent', pr.number).length, 1);
  assert.deepEqual(gh.failures, []);
});

test('drift: one issue per switch, updated while drift lasts, closed when it clears', async () => {
  const { outbox, rep } = reporter();
  const entries = [{ kind: 'extraneous' as const, table: 'ingress.flow_classify', description: 'tenant_id=1 src_service=2 dst_service=3 ip_proto=6 l4_dst_port=443 → set_flow(7)' }];
  await rep.drift({ target: 'leaf1', commit: sha('3'), entries, healed: false });
  await rep.drift({ target: 'leaf2', commit: sha('3'), entries, healed: false });
  await outbox.flush();
  const open = () => gh.repo('net/intent').issues.filter((i) => i.state === 'open' && i.labels.includes(DRIFT_LABEL));
  assert.equal(open().length, 2);
  const leaf1 = open().find((i) => i.title === 'Drift on switch leaf1')!;
  assert.match(leaf1.body!, /l4_dst_port=443/);

  await rep.drift({ target: 'leaf1', commit: sha('3'), entries: [...entries, { kind: 'missing', table: 'ingress.flow_policy', description: 'flow_id=7 → allow(3)' }], healed: false });
  await outbox.flush();
  assert.equal(open().length, 2, 'updated, not duplicated');
  assert.match(leaf1.body!, /missing \| `ingress.flow_policy`/);

  await rep.driftCleared({ target: 'leaf1', commit: sha('4'), reason: 'git-changed' });
  await outbox.flush();
  assert.equal(leaf1.state, 'closed');
  assert.match(gh.comments('net/intent', leaf1.number).at(-1)!.body, /Git was changed to match the switch/);
  assert.deepEqual(open().map((i) => i.title), ['Drift on switch leaf2']);

  // Drift coming back later opens a fresh issue rather than touching the closed one.
  await rep.drift({ target: 'leaf1', commit: sha('5'), entries, healed: true });
  await outbox.flush();
  assert.equal(open().length, 2);
  assert.notEqual(open().find((i) => i.title === 'Drift on switch leaf1')!.number, leaf1.number);
  assert.deepEqual(gh.failures, []);
});

test('GitHub down: the reporter returns, operations are queued (and persisted), coalesced, and posted after up()', async () => {
  const file = path.join(tmp, 'outbox.json');
  const { outbox, rep } = reporter(file);
  gh.down();
  const t0 = Date.now();
  await rep.syncFinished({ commit: sha('6'), branch: 'main', mode: 'auto', problems: [], switches: [switchResult('leaf1', 'Converged', makePlan(1))] });
  await rep.drift({ target: 'leaf9', commit: sha('6'), entries: [], healed: false });
  await rep.driftCleared({ target: 'leaf9', commit: sha('6'), reason: 'healed' });
  await outbox.flush();
  assert.ok(Date.now() - t0 < 5000, 'the switch side is not held up');
  assert.deepEqual(outbox.pending.map((o) => o.kind), ['status', 'apply-comment', 'drift-cleared'], 'drift superseded by drift-cleared');
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).queue.length, 3);
  assert.equal(gh.statuses('net/intent', sha('6')).length, 0);

  // A restarted process picks the queue up from the file.
  const { outbox: again } = reporter(file);
  assert.equal(again.pending.length, 3);
  gh.up();
  await again.flush();
  assert.equal(again.pending.length, 0);
  assert.equal(gh.latestStatus('net/intent', sha('6'), 'flowops/apply/leaf1')?.state, 'success');
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).queue.length, 0);
  assert.deepEqual(gh.failures, []);
});

test('after a rate limit the outbox retries by itself once GitHub answers again', async () => {
  const { outbox, rep } = reporter(undefined, 20);
  const from = gh.requests.length;
  gh.failNext(30, 429); // more than the client retries (throttling + retry plugins): the outbox has to take over
  await rep.applyStarted(sha('7'), ['leaf1']);
  await outbox.flush();
  assert.equal(outbox.pending.length, 1);
  for (let i = 0; i < 300 && outbox.pending.length; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(outbox.pending.length, 0);
  assert.equal(gh.latestStatus('net/intent', sha('7'), 'flowops/apply/leaf1')?.state, 'pending');
  assert.equal(gh.requests.slice(from).filter((r) => r.status === 429).length, 30);
  assert.deepEqual(gh.failures, []);
});

test('a plan comment cut to fit is accepted by GitHub, and edited in place', async () => {
  const pr = gh.addPull('net/intent', { head: { ref: 'big', sha: sha('8') }, base: { ref: 'main' } });
  const origin = (i: number) => ({ kind: 'flow' as const, name: `acme/flow-${i}`, file: `tenants/acme/flows/f${i}.yaml`, line: 1 });
  const big: PrPlanReport = {
    repo, pr: pr.number, headSha: sha('8'), baseRef: 'main', problems: [], conflicts: [],
    switches: [{ target: 'leaf1', plan: { inserts: Array.from({ length: 3000 }, (_, i) => makePlan(1, 0, 0, origin(i)).inserts[0]), modifies: [], deletes: [], unchanged: 0 } }],
  };
  const body = renderPlanComment(big);
  assert.match(body, /Cut to fit/);
  assert.equal((await upsertMarkedComment(client, repo, pr.number, PLAN_MARKER, body)).action, 'created');
  assert.equal((await upsertMarkedComment(client, repo, pr.number, PLAN_MARKER, body)).action, 'unchanged');
  assert.equal((await upsertMarkedComment(client, repo, pr.number, PLAN_MARKER, body.replace('leaf1', 'leaf2'))).action, 'updated');
  assert.equal(gh.comments('net/intent', pr.number).length, 1);
  assert.deepEqual(gh.failures, []);
});

test('an operation GitHub refuses for good is dropped without blocking the rest; a torn queue file is set aside', async () => {
  const file = path.join(tmp, 'torn.json');
  fs.writeFileSync(file, '{"version":1,"queue":[{"kind":"sta');
  const { outbox } = reporter(file);
  assert.equal(outbox.pending.length, 0);
  assert.ok(fs.existsSync(`${file}.corrupt`));
  void outbox.submit({ kind: 'comment', repo, issueNumber: 9999, marker: '<!-- x -->', body: 'to nowhere' });
  void outbox.submit({ kind: 'status', repo, sha: sha('9'), context: 'flowops/apply/leaf1', state: 'success', description: 'after the refused one' });
  await outbox.flush();
  assert.equal(outbox.pending.length, 0);
  assert.deepEqual(outbox.dropped.map((d) => d.op.kind), ['comment']);
  assert.equal(gh.latestStatus('net/intent', sha('9'), 'flowops/apply/leaf1')?.description, 'after the refused one');
  assert.deepEqual(gh.failures, []);
});
