// `flowops verify` and `flowops trace --commit` read a version of the specs the
// way plan and the reconciler do (source/ + desired/): the same files count,
// an unsigned flow file stops them, a Git ref is read from the object store.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { EXAMPLE_REPO, NOW } from '../compile/fixture.ts';
import { initRepo, readTreeFiles, tempDir } from '../helpers/git-repo.ts';

const work = tempDir('verify-cli');
after(() => fs.rmSync(work, { recursive: true, force: true }));

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write(c, _e, done) { f(String(c)); done(); } });
  const code = await main([...args, '--now', NOW.toISOString()], { env: {}, cwd, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal });
  return { code, out, err };
}

/** The example repository committed, in its own directory. */
async function exampleRepo(name: string): Promise<string> {
  const repo = path.join(work, name);
  await initRepo(repo, readTreeFiles(EXAMPLE_REPO));
  return repo;
}

const FLOW = 'tenants/acme/flows/web.yaml';

test('verify: the example verifies clean; files that do not count (dot folders, node_modules) are not read', async () => {
  const repo = await exampleRepo('clean');
  for (const junk of ['.scratch/broken.yaml', 'node_modules/x/broken.yaml']) {
    fs.mkdirSync(path.dirname(path.join(repo, junk)), { recursive: true });
    fs.writeFileSync(path.join(repo, junk), 'kind: [unclosed\n');
  }
  const r = await run(['verify', repo], repo);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /switch leaf1: 0 errors/);
  const against = await run(['verify', repo, '--against', 'HEAD', '--json'], repo);
  assert.equal(against.code, 0, against.err);
  const json = JSON.parse(against.out) as { switches: { target: string; findings: unknown[] }[] };
  assert.ok(json.switches.length >= 1);
  for (const s of json.switches) assert.deepEqual(s.findings, [], s.target);
});

test('verify and trace stop at a flow file its tenant did not sign (file:line, code); trace --commit HEAD reads the commit, not the disk', async () => {
  const repo = await exampleRepo('unsigned');
  fs.appendFileSync(path.join(repo, FLOW), '\n# edited after signing\n');
  const v = await run(['verify', repo], repo);
  assert.equal(v.code, 1);
  assert.match(v.err, new RegExp(`${FLOW.replace(/\./g, '\\.')}:\\d+:\\d+ .*\\(SIG_BAD\\)`));
  assert.equal(v.out, '');

  const packet = 'port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/22';
  const onDisk = await run(['trace', '--target', 'leaf1', '--repo', repo, '--commit', repo, packet], repo);
  assert.equal(onDisk.code, 1);
  assert.match(onDisk.err, /SIG_BAD/);
  const committed = await run(['trace', '--target', 'leaf1', '--repo', repo, '--commit', 'HEAD', packet], repo);
  assert.equal(committed.code, 0, committed.err);
  assert.match(committed.out, /verdict: drop: no flow allows it/);
});
