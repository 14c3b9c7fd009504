// Rendering of statuses and the plan comment (pure): descriptions within
// GitHub's 140 characters, and plans too big for one comment cut cleanly
// below 65,536 characters with a note of what was left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMENT_BODY_MAX, PLAN_MARKER, renderPlanComment } from '../../src/report/github/plan-comment.ts';
import { fitDescription, planStatus } from '../../src/report/github/summary.ts';
import type { PrPlanReport } from '../../src/report/github/types.ts';
import { flowOrigin, makePlan } from './fixtures.ts';

const repo = { owner: 'net', repo: 'intent' };
const sha = 'c'.repeat(40);

function report(switches: number, flowsPerSwitch: number): PrPlanReport {
  return {
    repo, pr: 9, headSha: sha, baseRef: 'main', problems: [], conflicts: [],
    switches: Array.from({ length: switches }, (_, s) => {
      const plans = Array.from({ length: flowsPerSwitch }, (_, f) => makePlan(2, 1, 0, flowOrigin(`t${f % 7}`, `flow-with-a-long-descriptive-name-${f}`, f + 1)));
      return {
        target: `leaf${s}`,
        plan: { inserts: plans.flatMap((p) => p.inserts), modifies: plans.flatMap((p) => p.modifies), deletes: makePlan(0, 0, 3).deletes, unchanged: 0 },
      };
    }),
  };
}

test('status descriptions: counts first, never over 140 characters, cut on a whole character', () => {
  const r = report(2, 3);
  assert.deepEqual(planStatus(r), { state: 'success', description: '+12 ~6 -6 entries on 2 switches' });
  const long = fitDescription('x'.repeat(139) + '😀😀');
  assert.ok(long.length <= 140);
  assert.ok(long.endsWith('…'));
  assert.doesNotMatch(long, /\uD83D(?!\uDE00)/, 'no half surrogate pair');
  const conflicted = planStatus({ ...r, conflicts: Array.from({ length: 20 }, (_, i) => ({ pr: 100 + i, objects: ['flow acme/web', 'tenant acme'] })) });
  assert.equal(conflicted.state, 'failure');
  assert.ok(conflicted.description.length <= 140);
  assert.ok(conflicted.description.startsWith('+12 ~6 -6 entries on 2 switches; conflicts with #100'));
});

test('a small plan is rendered whole, per switch and per flow in words', () => {
  const body = renderPlanComment(report(1, 2));
  assert.ok(body.startsWith(PLAN_MARKER + '\n'));
  assert.match(body, /### `leaf0`: \+4 ~2 -3 entries/);
  assert.match(body, /\[flow `t1\/flow-with-a-long-descriptive-name-1`\]\(https:\/\/github\.com\/net\/intent\/blob\/c{40}\/tenants\/t1\/flows\/flow-with-a-long-descriptive-name-1\.yaml#L2\): adds 2 entries \(flow_classify ×1, flow_policy ×1\); changes 1 entry \(flow_policy ×1\)/);
  assert.match(body, /- entries no longer in Git: removes 3 entries \(flow_classify ×3\)/);
  assert.doesNotMatch(body, /Cut to fit/);
});

test('a huge plan is cut below 65,536 characters on a line boundary, saying what was left out', () => {
  const r = report(6, 400);
  const body = renderPlanComment(r);
  assert.ok(body.length < COMMENT_BODY_MAX, `${body.length}`);
  assert.ok(body.length > COMMENT_BODY_MAX - 5000, 'uses most of the room');
  const note = /> \*\*Cut to fit GitHub's size limit:\*\* (?:(\d+) switch sections?, )?(\d+) lines? left out\./.exec(body);
  assert.ok(note, body.slice(-600));
  // Every line item and heading in the body is whole; together with the omitted ones they add up.
  const shownItems = body.split('\n').filter((l) => l.startsWith('- [flow ') || l.startsWith('- entries no longer')).length;
  const totalItems = r.switches.length * (400 + 1);
  assert.equal(shownItems + Number(note[2]), totalItems);
  const shownSwitches = body.split('\n').filter((l) => l.startsWith('### ')).length;
  assert.equal(shownSwitches + Number(note[1] ?? 0), r.switches.length);
  for (const l of body.split('\n').filter((x) => x.startsWith('- [flow '))) assert.match(l, /\)\: adds 2 entries .*\)$/);
  assert.ok(body.trimEnd().endsWith('</sub>'));
});

test('spec errors replace the plan and link to each line', () => {
  const body = renderPlanComment({
    ...report(1, 1),
    problems: [{ pos: { file: 'tenants/acme/flows/web.yaml', line: 12, col: 10 }, field: 'spec.ports[0]', message: 'port 70000 out of range 1-65535', code: 'SPEC_SCHEMA' }],
  });
  assert.match(body, /\*\*1 error in the specs\*\*/);
  assert.ok(body.includes('[`tenants/acme/flows/web.yaml:12:10`](https://github.com/net/intent/blob/' + sha + '/tenants/acme/flows/web.yaml#L12) `spec.ports[0]`: port 70000 out of range 1-65535 (SPEC_SCHEMA)'), body);
  assert.doesNotMatch(body, /### `leaf0`/);
});
