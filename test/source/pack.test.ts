// source/pack.ts reads blobs from loose objects and pack files itself (node's
// zlib, deltas over byte arrays). These tests compare it, blob for blob, with
// isomorphic-git's own reader over real packs made by git (`git repack`, and a
// fetch over smart HTTP from `git http-backend`), with long delta chains, and
// show that a corrupt object is an error naming the file, never other bytes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { readFilesAtRef, GitSourceError, type GitFs } from '../../src/source/tree.ts';
import { applyDelta, objectReads } from '../../src/source/pack.ts';
import { startGitHttpServer } from '../helpers/git-http-server.ts';
import { commitFiles, initRepo, scratch } from '../helpers/git-repo.ts';

const { tmp, servers } = scratch();

/** node:fs seen through a wrapper: tree.ts then reads every blob with isomorphic-git. */
const wrappedFs = { promises: { ...fs.promises } } as unknown as GitFs;

/** Similar spec files, each version a small edit of the last: what git stores as deltas. */
function flowFile(tenant: number, flows: number, salt: string): string {
  const lines = [`tenant: t${tenant}`, 'flows:'];
  for (let i = 0; i < flows; i++) lines.push(`  - name: f${i}-${salt}`, `    from: t${tenant}/app${i}`, `    to: t${tenant}/db${i % 7}`, `    port: tcp/${1000 + i}`);
  return lines.join('\n') + '\n';
}

async function history(dir: string): Promise<string[]> {
  const files: Record<string, string> = {};
  for (let t = 0; t < 12; t++) files[`flows/t${t}.yaml`] = flowFile(t, 60, 'a');
  files['big.bin'] = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)).toString('latin1');
  const commits = [await initRepo(dir, files)];
  for (let v = 0; v < 25; v++) {
    // Each commit changes a few files a little: delta chains many links deep.
    commits.push(await commitFiles(dir, { [`flows/t${v % 3}.yaml`]: flowFile(v % 3, 60 + v, `v${v}`), [`flows/n${v}.yaml`]: flowFile(100 + v, 40, 'n') }));
  }
  return commits;
}

function git_(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Objects of the repo's one pack as `git verify-pack -v` lists them. */
function packObjects(gitdir: string): { oid: string; type: string; offset: number; sizeInPack: number; depth: number }[] {
  const packDir = path.join(gitdir, 'objects', 'pack');
  const idx = fs.readdirSync(packDir).filter((n) => n.endsWith('.idx'));
  assert.equal(idx.length, 1);
  return git_(gitdir, 'verify-pack', '-v', path.join(packDir, idx[0]!))
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => /^[0-9a-f]{40}$/.test(f[0]!) && f.length >= 5)
    .map((f) => ({ oid: f[0]!, type: f[1]!, offset: Number(f[4]), sizeInPack: Number(f[3]), depth: f.length >= 7 ? Number(f[5]) : 0 }));
}

async function sameAsIsomorphicGit(gitdir: string, commits: string[]): Promise<number> {
  let blobs = 0;
  for (const ref of commits) {
    const before = { ...objectReads };
    const fast = await readFilesAtRef({ fs, gitdir, ref });
    assert.equal(objectReads.loose + objectReads.packed - before.loose - before.packed, fast.files.size, 'every blob read by pack.ts');
    const slow = await readFilesAtRef({ fs: wrappedFs, gitdir, ref });
    assert.deepEqual([...fast.files.keys()], [...slow.files.keys()], ref);
    for (const [p, b] of slow.files) assert.ok(b.equals(fast.files.get(p)!), `${ref}:${p}`);
    blobs += fast.files.size;
  }
  return blobs;
}

describe('reading blobs without isomorphic-git (source/pack.ts)', () => {
  test('loose objects and a git-repacked pack with delta chains give exactly the blobs isomorphic-git gives', async () => {
    const dir = path.join(tmp('pack'), 'repo');
    const commits = await history(dir);
    const gitdir = path.join(dir, '.git');
    const loose = objectReads.loose;
    assert.ok((await sameAsIsomorphicGit(gitdir, commits)) > 300, 'loose objects');
    assert.ok(objectReads.loose > loose);

    git_(dir, 'repack', '-a', '-d', '-f', '--depth=50', '--window=250', '-q');
    const objs = packObjects(gitdir);
    const deltas = objs.filter((o) => o.depth > 0);
    assert.ok(deltas.length > 20, `git stored ${deltas.length} objects as deltas`);
    assert.ok(Math.max(...deltas.map((o) => o.depth)) >= 5, 'chains several links deep');
    assert.equal(fs.readdirSync(path.join(gitdir, 'objects')).filter((n) => /^[0-9a-f]{2}$/.test(n)).length, 0, 'no loose objects left');
    const packed = objectReads.packed;
    assert.ok((await sameAsIsomorphicGit(gitdir, commits)) > 300, 'packed');
    assert.ok(objectReads.packed - packed > 300);
  });

  test('a pack fetched over smart HTTP (what fetchPr and GitSource read) gives the same blobs', async () => {
    const root = tmp('served');
    const repo = path.join(root, 'net.git');
    const commits = await history(repo);
    git_(repo, 'repack', '-a', '-d', '-q'); // the server sends deltas from its own pack
    const server = await startGitHttpServer({ root });
    servers.push(server);
    const gitdir = path.join(tmp('fetched'), 'bare');
    await git.init({ fs, gitdir, bare: true });
    await git.addRemote({ fs, gitdir, remote: 'origin', url: `${server.url}/net.git` });
    await git.fetch({ fs, http, gitdir, remote: 'origin', ref: 'main', singleBranch: true, tags: false });
    assert.ok(fs.readdirSync(path.join(gitdir, 'objects', 'pack')).some((n) => n.endsWith('.pack')));
    assert.ok((await sameAsIsomorphicGit(gitdir, commits.slice(-3))) > 100);
  });

  test('a corrupt blob in a pack, or a loose object with other content, is GIT_PACK_CORRUPT naming the file', async () => {
    const dir = path.join(tmp('corrupt'), 'repo');
    const c = await initRepo(dir, { 'flows/a.yaml': flowFile(1, 50, 'a'), 'flows/b.yaml': flowFile(1, 50, 'b') });
    const gitdir = path.join(dir, '.git');

    // Loose: a valid zlib stream of a different blob under b.yaml's id.
    const { files } = await readFilesAtRef({ fs, gitdir, ref: c });
    const oidB = (await git.readTree({ fs, gitdir, oid: c, filepath: 'flows' })).tree.find((e) => e.path === 'b.yaml')!.oid;
    const loose = path.join(gitdir, 'objects', oidB.slice(0, 2), oidB.slice(2));
    const keep = fs.readFileSync(loose);
    fs.chmodSync(loose, 0o644);
    fs.writeFileSync(loose, zlib.deflateSync(Buffer.from('blob 5\0evil\n')));
    await assert.rejects(readFilesAtRef({ fs, gitdir, ref: c }), (err: unknown) => {
      assert.ok(err instanceof GitSourceError);
      assert.equal(err.code, 'GIT_PACK_CORRUPT');
      assert.match(err.message, /flows\/b\.yaml/);
      assert.match(err.message, /hashes to/);
      return true;
    });
    fs.writeFileSync(loose, keep);
    assert.ok((await readFilesAtRef({ fs, gitdir, ref: c })).files.get('flows/b.yaml')!.equals(files.get('flows/b.yaml')!));

    // Packed: one byte of b.yaml's zlib stream (its checksum) flipped.
    git_(dir, 'repack', '-a', '-d', '-q');
    const b = packObjects(gitdir).find((o) => o.oid === oidB)!;
    const packDir = path.join(gitdir, 'objects', 'pack');
    const pack = path.join(packDir, fs.readdirSync(packDir).find((n) => n.endsWith('.pack'))!);
    fs.chmodSync(pack, 0o644);
    const bytes = fs.readFileSync(pack);
    bytes[b.offset + b.sizeInPack - 2]! ^= 0xff;
    // Trailers made right again (the pack's and its index's SHA-1s), so only the object is wrong.
    const sum = crypto.createHash('sha1').update(bytes.subarray(0, bytes.length - 20)).digest();
    sum.copy(bytes, bytes.length - 20);
    fs.writeFileSync(pack, bytes);
    const idxPath = pack.replace(/\.pack$/, '.idx');
    fs.chmodSync(idxPath, 0o644);
    const idx = fs.readFileSync(idxPath);
    sum.copy(idx, idx.length - 40);
    crypto.createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest().copy(idx, idx.length - 20);
    fs.writeFileSync(idxPath, idx);
    await assert.rejects(readFilesAtRef({ fs, gitdir, ref: c }), (err: unknown) => {
      assert.ok(err instanceof GitSourceError);
      assert.equal(err.code, 'GIT_PACK_CORRUPT');
      // b.yaml, or a.yaml when git stored it as a delta on b.yaml
      assert.match(err.message, /flows\/[ab]\.yaml at [0-9a-f]{40}: cannot read object/);
      return true;
    });
  });

  test('applyDelta: copies and inserts build the target; a delta that reaches outside its source or lies about sizes is refused', () => {
    const source = Buffer.from('0123456789abcdef');
    // source size 16, target size 9: copy 4 bytes at 10 ("abcd"), insert "XY", copy 3 at 0 ("012").
    const delta = Buffer.from([16, 9, 0x80 | 0x01 | 0x10, 10, 4, 2, 0x58, 0x59, 0x80 | 0x10, 3]);
    assert.equal(applyDelta(source, delta).toString(), 'abcdXY012');
    assert.throws(() => applyDelta(source, Buffer.from([15, 9, 0x90, 4])), /source size/);
    assert.throws(() => applyDelta(source, Buffer.from([16, 4, 0x80 | 0x01 | 0x10, 14, 4])), /outside/);
    assert.throws(() => applyDelta(source, Buffer.from([16, 5, 0x90, 4])), /builds 4 bytes, it says 5/);
    assert.throws(() => applyDelta(source, Buffer.from([16, 1, 0])), /reserved/);
    // A copy with no size bits copies 0x10000 bytes: past this source.
    assert.throws(() => applyDelta(source, Buffer.from([16, 16, 0x80])), /outside/);
  });
});
