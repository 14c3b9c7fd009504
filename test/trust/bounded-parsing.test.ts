// Hostile YAML never escapes the loader as an exception: each file becomes a
// SpecError with a stable code at file:line, the other files still load, and
// `validate` prints them. Both readers are covered: fast-yaml.ts on its own
// (it used to overflow its stack) and src/specs/load.ts (the `yaml` package path).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fastParseDocs } from '../../src/specs/fast-yaml.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { main } from '../../src/cli/main.ts';
import { baseRepo } from '../specs/fixtures.ts';
import { aliasBomb, deepBlock, deepFlow, hugeFile } from './hostile-yaml.ts';

const now = new Date('2026-01-01T00:00:00Z');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bounded-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('fast-yaml gives up on 4,000-deep nesting instead of overflowing its stack', () => {
  assert.equal(fastParseDocs(deepBlock(4000)), undefined);
  assert.equal(fastParseDocs(deepFlow(4000)), undefined);
  // Ordinary depth still reads.
  assert.deepEqual((fastParseDocs('a:\n  b:\n    c: [[1]]\n')![0]!.value as object), { a: { b: { c: [[1]] } } });
});

test('alias bomb, deep nesting and a huge file: one coded error each at file:line, the rest still loads', () => {
  const files = baseRepo();
  files.set('hostile/bomb.yaml', aliasBomb());
  files.set('hostile/deep.yaml', deepBlock(1000)); // 4,000 deep is 8 MB of indentation: over the size limit first
  files.set('hostile/deepflow.yaml', deepFlow(20000));
  files.set('hostile/huge.yaml', hugeFile(2 * 1024 * 1024));
  const r = loadSpecs(files, { now });
  const got = r.errors.map((e) => `${e.code} ${e.pos!.file}:${e.pos!.line}:${e.pos!.col}`);
  assert.deepEqual(got, [
    'SPEC_ALIAS_LIMIT hostile/bomb.yaml:6:12',
    'SPEC_TOO_DEEP hostile/deep.yaml:70:66',
    'SPEC_TOO_DEEP hostile/deepflow.yaml:5:72',
    'SPEC_FILE_TOO_LARGE hostile/huge.yaml:1:1',
  ]);
  assert.equal(r.specs.tenants.length, 2);
  assert.equal(r.specs.flows.length, 1);
});

test('limits are options: a smaller file limit applies', () => {
  const files = baseRepo();
  const r = loadSpecs(files, { now, limits: { maxFileBytes: 100, maxDepth: 64, maxAliasCount: 100 } });
  assert.ok(r.errors.length >= files.size);
  assert.ok(r.errors.every((e) => e.code === 'SPEC_FILE_TOO_LARGE'));
});

test('validate prints file:line errors for hostile files and exits 1', async () => {
  const dir = path.join(tmp, 'repo');
  for (const [rel, text] of [...baseRepo(), ['bomb.yaml', aliasBomb()], ['deep.yaml', deepBlock(1000)]] as [string, string][]) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  let out = '';
  const sink = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
  const code = await main(['validate', dir], { env: {}, cwd: tmp, stdout: sink, stderr: sink, signal: new AbortController().signal });
  assert.equal(code, 1, out);
  assert.match(out, /bomb\.yaml:6:12 aliases expand too far/);
  assert.match(out, /deep\.yaml:70:66 nesting deeper than 64 levels/);
});
