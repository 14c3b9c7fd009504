// SIGKILL in the middle of an apply (nothing runs to roll back): `flowops run`
// is its own process against a target in this process, converging a large
// change, and is killed once the target shows the writes have started. At
// that moment every flow of both commits still has all its entries, old or
// new (make-before-break); the intent journal (reconcile/journal.ts) says the
// apply did not end; a restarted reconciler reads the switch in full (reason
// `journal`) and converges it to exactly the head.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Bench, desiredHex, runFlowops, switchHolds as holds, until } from '../helpers/reconcile-env.ts';
import { specRepo, type FlowDef, treeOf } from '../helpers/spec-repo.ts';
import { desiredState } from '../../src/desired/desired.ts';
import { entityKey } from '../../src/p4info/entity.ts';
import { readJournal, journalDirBeside } from '../../src/reconcile/journal.ts';
import type { RunningTarget } from '../../src/target/server.ts';

const bench = new Bench();
after(() => bench.close());

const SERVICES = ['web', 'api', 'db', 'cache'];
/** `n` flows; `shift` moves every flow's second port (a changed classify entry per flow). */
function flows(from: number, to: number, shift: number): FlowDef[] {
  const out: FlowDef[] = [];
  for (let i = from; i < to; i++) out.push({ name: `f${i}`, from: SERVICES[i % 2], to: SERVICES[2 + ((i >> 1) % 2)], ports: [1000 + i, shift + i] });
  return out;
}

/** Per flow (origin name): the identity keys of its entries in desired(flows). */
function keysByFlow(target: RunningTarget, list: FlowDef[]): Map<string, string[]> {
  const files = specRepo({ targets: [{ name: 'leaf1', address: `127.0.0.1:${target.port}` }], flows: list });
  const out = new Map<string, string[]>();
  for (const e of desiredState(treeOf(files), { now: new Date() }).states.get('leaf1')!.entries) {
    if (e.origin.kind !== 'flow') continue;
    const l = out.get(e.origin.name) ?? [];
    l.push(e.key);
    out.set(e.origin.name, l);
  }
  return out;
}

test('SIGKILL mid-apply: make-before-break held, the journal shows the unfinished apply, a restart reads in full and converges', async () => {
  const target = await bench.startTarget();
  const stateFile = path.join(bench.dir, 'state.json');
  // Old: f0..f449. New: f50..f499, every kept flow's second port moved — ~1k changes, written in requests of 5.
  const oldFlows = flows(0, 450, 3000);
  const newFlows = flows(50, 500, 5000);
  const c1 = await bench.commit(oldFlows);
  const first = bench.reconciler({ stateFile });
  const ev = (await first.sync('test'))!;
  assert.equal(ev.switches[0].outcome, 'Converged', ev.switches[0].error?.message);
  await first.stop();
  const c2 = await bench.commit(newFlows);

  const { child, output, exited } = runFlowops(bench, 'repo:\n  path: repo\nbatch:\n  size: 5\nelectionId: 500\n');
  // The kill lands mid-apply by construction, not by timing: inside the
  // target's handling of the child's 20th Write (of ~200), before that Write
  // is even answered.
  const write = target.state.write.bind(target.state);
  let writes = 0;
  target.state.write = (req) => {
    const out = write(req);
    if (++writes === 20) child.kill('SIGKILL');
    return out;
  };
  try {
    // Generous: on a loaded machine starting the CLI alone can take tens of seconds (a deadline, not a measurement).
    await until(() => writes >= 20, 120_000, 'the child\'s 20th Write');
  } finally {
    child.kill('SIGKILL');
    await exited;
    target.state.write = write;
  }

  // (i) At the kill: every flow in both commits has all its old entries or all its new ones.
  const on = new Set<string>();
  for (const list of Object.values(target.state.snapshot().tables)) for (const h of list) on.add(entityKey(Buffer.from(h, 'hex')));
  const oldKeys = keysByFlow(target, oldFlows);
  const newKeys = keysByFlow(target, newFlows);
  let common = 0;
  for (const [flow, keys] of newKeys) {
    const was = oldKeys.get(flow);
    if (!was) continue;
    common++;
    const tableKeys = (l: string[]) => l.filter((k) => k.charCodeAt(0) === 0x12); // table entries (Entity field 2)
    assert.ok(tableKeys(was).every((k) => on.has(k)) || tableKeys(keys).every((k) => on.has(k)), `flow ${flow} lost entries at the kill\n${output().slice(-2000)}`);
  }
  assert.equal(common, 400);
  const mid = holds(target);
  assert.notDeepEqual(mid, desiredHex(target, newFlows), `killed after the apply had finished: nothing interrupted\n${output().slice(-2000)}`);

  // (ii) The journal says the apply from c1 to c2 did not end.
  const journal = readJournal(journalDirBeside(stateFile));
  assert.equal(journal.leaf1?.from, c1);
  assert.equal(journal.leaf1?.to, c2);
  assert.match(journal.leaf1?.phase ?? '', /^(writing|verifying)$/, JSON.stringify(journal));

  // (iii) A restarted reconciler over the same state folder: full read (journal), converged to exactly desired(head).
  const again = bench.reconciler({ stateFile, electionId: 600 });
  const res = (await again.sync('startup'))!.switches[0];
  assert.deepEqual(res.path, { path: 'full', reason: 'journal' });
  assert.equal(res.outcome, 'Converged', res.error?.message);
  assert.deepEqual(holds(target), desiredHex(target, newFlows));
  const settled = readJournal(journalDirBeside(stateFile)).leaf1;
  assert.deepEqual([settled?.phase, settled?.leftAt, settled?.to], ['done', 'new', c2]);
  assert.ok(bench.logs.some((l) => l.includes('journal: an apply did not end')));
  await again.stop();
});
