// Persistence: a target restarted on the same state file comes back with
// its pipeline, cookie and every entity; a failed write does not touch it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTarget } from '../../src/target/server.ts';
import { A_SET, T_EXACT, T_IND, TestClient, action, b, exact, exactEntry, group, member, p4infoBytes, tableEntry } from './fixture.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-target-persist-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('tables, pipeline and cookie survive a restart', async () => {
  const file = path.join(dir, 'state.bin');
  const first = await startTarget({ persistFile: file });
  const c1 = new TestClient(first.address, 1, 5);
  const s1 = c1.arbitrate();
  await s1.latestCode(1);
  await c1.setPipeline('VERIFY_AND_COMMIT', { p4info: p4infoBytes(), cookie: 42 });
  await c1.writeOk([
    ['INSERT', exactEntry(1, 1)],
    ['INSERT', tableEntry(T_EXACT, [exact(1, b(2)), exact(2, b(2))], action(A_SET, b(2)), { meter_config: { cir: 5, pir: 9 }, counter_data: { packet_count: 3, byte_count: 300 } })],
    ['MODIFY', tableEntry(T_EXACT, [], action(A_SET, b(4)), { is_default_action: true })],
    ['INSERT', member(1)],
    ['INSERT', member(2)],
    ['INSERT', group(7, [[1, 1], [2, 3]])],
    ['INSERT', tableEntry(T_IND, [exact(1, b(9))], { action_profile_group_id: 7 })],
  ]);
  const before = first.state.snapshot();
  // A rejected write leaves the saved state as it was.
  assert.notEqual((await c1.write([['INSERT', exactEntry(1, 1)]])).code, 0);
  s1.end();
  c1.close();
  await first.stop();

  const second = await startTarget({ persistFile: file });
  try {
    assert.deepEqual(second.state.snapshot(), before);
    assert.equal(before.tables['ingress.t_exact']!.length, 2);
    assert.equal(before.counters['ingress.t_exact']![Object.keys(before.counters['ingress.t_exact']!)[0]!]!.packets, 3);
    const c2 = new TestClient(second.address, 1, 1);
    const s2 = c2.arbitrate();
    await s2.latestCode(1);
    assert.equal((await c2.getPipeline('COOKIE_ONLY')).config.cookie.cookie, '42');
    // Reference counts were rebuilt: the group is still in use.
    const r = await c2.write([['DELETE', group(7, [])]]);
    assert.equal(r.errors[0]?.canonical_code, 9);
    s2.end();
    c2.close();
  } finally {
    await second.stop();
  }
  assert.deepEqual(fs.readdirSync(dir), ['state.bin'], 'no temp files left behind');
});
