// chooseSyncPath(): the one decision between the delta path and the full
// read. The integration tests (delta.test.ts) drive the doubts a switch
// raises; here every other condition, one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSyncPath, distrust, trust, type SwitchTrust, type SyncNow } from '../../src/reconcile/known-state.ts';
import { DesiredEntries } from '../../src/compile/entries.ts';
import type { DesiredState } from '../../src/compile/types.ts';

const state = (tables: number[]): DesiredState => ({ target: 'leaf1', entries: DesiredEntries.empty(), managedTableIds: tables, managedProfileIds: [7] });
const old = state([1, 2]);
const now = (o: Partial<SyncNow> = {}): SyncNow => ({ epoch: 3, desired: state([2, 1]), pipeline: 'push 42', prune: true, mode: 'auto', forced: false, pushed: false, seen: false, ...o });
const known = (): SwitchTrust => {
  const t: SwitchTrust = { doubt: 'restart' };
  trust(t, { commit: 'c1', desired: old, epoch: 3, pipeline: 'push 42', prune: true });
  return t;
};

test('known on the same epoch, pipeline, prune and managed set: delta from the known state', () => {
  const p = chooseSyncPath(known(), now());
  assert.equal(p.path, 'delta');
  assert.equal(p.path === 'delta' && p.from.desired, old);
});

test('each condition that is not met names the reason of the full read', () => {
  const cases: [string, SwitchTrust, SyncNow][] = [
    ['restart', { doubt: 'restart' }, now()],
    ['reconnect', known(), now({ epoch: 4 })],
    ['pipeline-changed', known(), now({ pipeline: 'push 43' })],
    ['prune-changed', known(), now({ prune: false })],
    ['managed-changed', known(), now({ desired: state([1, 2, 3]) })],
    ['pipeline-pushed', known(), now({ pushed: true })],
    ['forced', known(), now({ forced: true })],
    ['drift', known(), now({ seen: true })],
    ['plan-only', known(), now({ mode: 'plan-only' })],
  ];
  for (const [reason, t, n] of cases) assert.deepEqual(chooseSyncPath(t, n), { path: 'full', reason }, reason);
});

test('distrust: the latest cause is the reason, but an unfinished journal entry stays it until trusted again', () => {
  const t = known();
  distrust(t, 'write-failed');
  distrust(t, 'reconnect');
  assert.deepEqual(chooseSyncPath(t, now()), { path: 'full', reason: 'reconnect' });
  const j: SwitchTrust = { doubt: 'journal' };
  distrust(j, 'reconnect');
  distrust(j, 'failover');
  assert.deepEqual(chooseSyncPath(j, now()), { path: 'full', reason: 'journal' });
  trust(j, { commit: 'c2', desired: old, epoch: 3, pipeline: 'push 42', prune: true });
  distrust(j, 'drift');
  assert.deepEqual(chooseSyncPath(j, now()), { path: 'full', reason: 'drift' });
});
