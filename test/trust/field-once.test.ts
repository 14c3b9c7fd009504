// A spec problem names its field once: in the error line, in `validate
// --json`, in the PR comment and in the plan status. The field used to be
// baked into SpecError.message and then put in front of it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpecs } from '../../src/specs/load.ts';
import { renderPlanComment } from '../../src/report/github/plan-comment.ts';
import { planStatus } from '../../src/report/github/summary.ts';
import type { SpecProblem } from '../../src/report/events.ts';
import { baseRepo, serviceYaml } from '../specs/fixtures.ts';

const count = (text: string, needle: string) => text.split(needle).length - 1;

test('a field appears once in the error, the PR comment and the plan status', () => {
  const files = baseRepo();
  files.set('services/beta.yaml', serviceYaml('beta', 'api', ['10.9.1.0/24']));
  const { errors } = loadSpecs(files, { now: new Date('2026-01-01T00:00:00Z') });
  const e = errors.find((x) => x.field === 'spec.addresses[0]');
  assert.ok(e, `expected an error at spec.addresses[0], got ${errors.map(String).join('; ')}`);
  assert.equal(count(e.message, 'spec.addresses[0]'), 0, e.message);
  assert.equal(count(e.toString(), 'spec.addresses[0]'), 1, e.toString());
  assert.match(e.toString(), /^services\/beta\.yaml:\d+:\d+ spec\.addresses\[0\]: 10\.9\.1\.0\/24 is outside/);

  const p: SpecProblem = { pos: e.pos!, field: e.field, message: e.message, code: e.code };
  const r = { repo: { owner: 'o', repo: 'r' }, pr: 1, headSha: 'a'.repeat(40), baseRef: 'main', problems: [p], switches: [], conflicts: [] };
  const body = renderPlanComment(r);
  assert.equal(count(body, 'spec.addresses'), 2, body); // once in the status line, once in the list item
  assert.equal(count(planStatus(r).description, 'spec.addresses'), 1, planStatus(r).description);
});
