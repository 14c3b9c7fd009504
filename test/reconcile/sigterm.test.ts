// SIGTERM in the middle of an apply: `flowops run` runs as its own process
// against a target in this process; it is killed once writes have started.
// Afterwards the switch holds the old state or the new one — never part of it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bench, entityCount, runFlowops, until } from '../helpers/reconcile-env.ts';
import { specRepo, type FlowDef, treeOf } from '../helpers/spec-repo.ts';
import { desiredState } from '../../src/desired/desired.ts';

const bench = new Bench();
after(() => bench.close());

test('SIGTERM mid-apply leaves the old or the new state, never half', async () => {
  const target = await bench.startTarget();
  // ~400 flows ≈ 1.6k entries in requests of 10: long enough to be interrupted.
  const flows: FlowDef[] = [];
  for (let i = 0; i < 400; i++) flows.push({ name: `f${i}`, from: ['web', 'api'][i % 2], to: ['db', 'cache'][(i >> 1) % 2], ports: [1000 + i, 3000 + i] });
  await bench.commit(flows);
  const empty = target.state.snapshot();
  const { child, output, exited } = runFlowops(bench, 'repo:\n  path: repo\nbatch:\n  size: 10\n');

  // Generous: on a loaded machine starting the CLI (tsx transforms every module) alone can take
  // tens of seconds. A child left running would keep the test process alive, so it is killed on failure.
  try {
    await until(() => entityCount(target.state.snapshot()) > 0, 120_000, 'first writes');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15000))]);
  if (code === 'hung') child.kill('SIGKILL');
  assert.equal(code, 0, output());

  const after = target.state.snapshot();
  const n = entityCount(after);
  const files = new Map(Object.entries(specRepo({ targets: [{ name: 'leaf1', address: `127.0.0.1:${target.port}` }], flows })).map(([k, v]) => [k, Buffer.from(v)]));
  const full = desiredState(treeOf(files, 'x'), { now: new Date() }).states.get('leaf1')!.entries.length;
  // The pipeline (cookie) is pushed before any entry: compare the forwarding state only.
  const state = (s: typeof after) => JSON.stringify([s.tables, s.members, s.groups]);
  const atOld = state(after) === state(empty);
  const atNew = n === full && after.tables['ingress.flow_classify'].length === 800 && after.tables['ingress.flow_policy'].length === 400;
  assert.ok(atOld || atNew, `switch left half-applied: ${n} entities (full: ${full})\n${output().slice(-2000)}`);
  assert.match(output(), /rolled back|converged|stopped/);
});
