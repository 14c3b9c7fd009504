// The intent journal's files (reconcile/journal.ts): one record per switch,
// so replicas sharing a state folder never drop each other's records, and no
// switch name (however hostile) writes outside the journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { IntentJournal, readJournal, journalDirBeside, ended } from '../../src/reconcile/journal.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-journal-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('two replicas writing at the same time into one folder keep both records', async (t) => {
  const dir = journalDirBeside(path.join(tempDir(t), 'state.json'));
  const moduleUrl = new URL('../../src/reconcile/journal.ts', import.meta.url).href;
  // Each replica: many applies on its own switch, the last one left unfinished.
  const replica = (target: string) => {
    const code = `
      const { IntentJournal } = await import(${JSON.stringify(moduleUrl)});
      const j = new IntentJournal(${JSON.stringify(dir)});
      for (let i = 0; i < 150; i++) { j.begin(${JSON.stringify(target)}, { to: 'c' + i, path: 'delta' }); j.verifying(${JSON.stringify(target)}); j.end(${JSON.stringify(target)}, 'new'); }
      j.begin(${JSON.stringify(target)}, { from: 'c149', to: 'last', path: 'delta' });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    return new Promise<void>((resolve, reject) => child.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`replica ${target} exited ${c}: ${err}`)))));
  };
  await Promise.all([replica('leaf1'), replica('leaf2')]);
  const all = readJournal(dir);
  assert.deepEqual(Object.keys(all).sort(), ['leaf1', 'leaf2']);
  for (const name of ['leaf1', 'leaf2']) {
    assert.deepEqual([all[name].from, all[name].to, all[name].phase], ['c149', 'last', 'writing']);
    assert.equal(ended(all[name]), false);
  }
  // A third process starting now sees both applies as unfinished.
  assert.deepEqual([...new IntentJournal(dir).unfinishedAtStart.keys()].sort(), ['leaf1', 'leaf2']);
});

test('hostile switch names stay inside the journal folder and round-trip', (t) => {
  const root = tempDir(t);
  const dir = journalDirBeside(path.join(root, 'state.json'));
  const names = ['../escape', 'a/b', '..', '.', 'leaf%2F1', 'leaf/1', 'tor\u00e9-1', 'x'.repeat(200), '__proto__'];
  const j = new IntentJournal(dir, () => new Date('2026-11-29T00:00:00Z'));
  for (const n of names) j.begin(n, { to: 'c2', path: 'full' });
  assert.deepEqual(fs.readdirSync(root), ['journal'], 'nothing written beside the folder');
  const files = fs.readdirSync(dir);
  assert.equal(files.length, names.length, 'one file per name, no two names sharing one');
  assert.ok(files.every((f) => f.endsWith('.json') && !f.includes('/')));
  const back = readJournal(dir);
  assert.deepEqual(Object.keys(back).sort(), [...names].sort());
  assert.equal(Object.getPrototypeOf(back), null);
  for (const n of names) assert.deepEqual(back[n], { to: 'c2', path: 'full', phase: 'writing', at: '2026-11-29T00:00:00.000Z' });
});

test('a settled record is removed; foreign, garbage and temp files are ignored', (t) => {
  const dir = journalDirBeside(path.join(tempDir(t), 'state.json'));
  const j = new IntentJournal(dir);
  j.begin('leaf1', { to: 'c1', path: 'full' });
  j.begin('leaf2', { to: 'c1', path: 'full' });
  j.confirmed('leaf1');
  assert.deepEqual(Object.keys(readJournal(dir)), ['leaf2']);
  assert.equal(fs.existsSync(path.join(dir, 'leaf1.json')), false);
  // A file that names another switch than its file name says (copied by hand): not a record of either.
  fs.writeFileSync(path.join(dir, 'leaf3.json'), JSON.stringify({ target: 'leaf2', to: 'evil', phase: 'done', path: 'full', at: '' }));
  fs.writeFileSync(path.join(dir, 'leaf4.json'), '{"target": "leaf4", "to":'); // cut short by hand
  fs.writeFileSync(path.join(dir, 'leaf5.json.1.abc.tmp'), 'half a write');
  fs.writeFileSync(path.join(dir, 'leaf6.json'), JSON.stringify(['not', 'a', 'record']));
  const back = readJournal(dir);
  assert.deepEqual(Object.keys(back), ['leaf2']);
  assert.equal(back.leaf2.to, 'c1');
  assert.deepEqual(readJournal(path.join(dir, 'missing')), {});
});
