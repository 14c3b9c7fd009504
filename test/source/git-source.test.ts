// GitSource against real repositories: a local repo read in place, and one
// served over smart HTTP by `git http-backend` (shallow clone, token auth,
// force-push, unreachable remote).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { GitSource } from '../../src/source/git-source.ts';
import { fetchPr } from '../../src/source/pr-fetch.ts';
import { createLogger } from '../../src/shared/log.ts';
import { BlobCache, readFilesAtRef } from '../../src/source/tree.ts';
import { startGitHttpServer } from '../helpers/git-http-server.ts';
import { commitFiles, initRepo, scratch } from '../helpers/git-repo.ts';

const { tmp, servers } = scratch();

describe('readFilesAtRef', () => {

  test('a BlobCache inflates only what changed: unchanged files come back as the same Buffers, changed ones with their new bytes', async () => {
    const dir = path.join(tmp('blobs'), 'repo');
    const c1 = await initRepo(dir, { 'a.yaml': 'one', 'flows/b.yaml': 'two', 'flows/c.yaml': 'three' });
    const c2 = await commitFiles(dir, { 'a.yaml': 'one-v2', 'flows/c.yaml': null, 'flows/d.yaml': 'two' });
    const blobs = new BlobCache();
    const at1 = await readFilesAtRef({ fs, dir, ref: c1, blobs });
    assert.equal(blobs.hits, 0);
    const at2 = await readFilesAtRef({ fs, dir, ref: c2, blobs });
    assert.deepEqual([...at2.files].map(([k, v]) => [k, v.toString()]), [['a.yaml', 'one-v2'], ['flows/b.yaml', 'two'], ['flows/d.yaml', 'two']]);
    assert.equal(at2.files.get('flows/b.yaml'), at1.files.get('flows/b.yaml'), 'the same Buffer');
    assert.equal(blobs.hits, 2, 'b.yaml and d.yaml (the same blob) from the cache');
    // The read before the last is kept too: back to c1, nothing inflated.
    const again = await readFilesAtRef({ fs, dir, ref: c1, blobs });
    assert.deepEqual([...again.files].map(([k, v]) => [k, v.toString()]), [['a.yaml', 'one'], ['flows/b.yaml', 'two'], ['flows/c.yaml', 'three']]);
    assert.equal(blobs.hits, 5);
  });
  test('reads blobs of the commit, not the work tree', async () => {
    const dir = path.join(tmp('tree'), 'repo');
    const c1 = await initRepo(dir, { 'a.yaml': 'one', 'flows/t1/b.yaml': 'two' });
    const c2 = await commitFiles(dir, { 'a.yaml': 'one-v2', 'flows/t1/b.yaml': null });
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'dirty work tree');

    const at1 = await readFilesAtRef({ fs, dir, ref: c1 });
    assert.equal(at1.commit, c1);
    assert.deepEqual([...at1.files.keys()].sort(), ['a.yaml', 'flows/t1/b.yaml']);
    assert.equal(at1.files.get('flows/t1/b.yaml')!.toString(), 'two');

    const head = await readFilesAtRef({ fs, dir, ref: 'main' });
    assert.equal(head.commit, c2);
    assert.deepEqual([...head.files.entries()].map(([k, v]) => [k, v.toString()]), [['a.yaml', 'one-v2']]);

    const short = await readFilesAtRef({ fs, dir, ref: c1.slice(0, 8), under: 'flows' });
    assert.deepEqual([...short.files.keys()], ['flows/t1/b.yaml']);
  });

  test('unknown ref is a typed error', async () => {
    const dir = path.join(tmp('tree'), 'repo');
    await initRepo(dir, { 'a.yaml': 'x' });
    await assert.rejects(readFilesAtRef({ fs, dir, ref: 'no-such-branch' }), { code: 'GIT_REF_NOT_FOUND' });
  });
});

describe('GitSource (local path)', () => {
  test('follows the branch and reports change only when the commit moves', async () => {
    const dir = path.join(tmp('local'), 'repo');
    const c1 = await initRepo(dir, { 'specs.yaml': 'v1' });
    const src = new GitSource({ repo: dir, branch: 'main', cacheDir: path.join(tmp('cache'), 'c') });
    assert.deepEqual(await src.poll(), { commit: c1, changed: true });
    assert.deepEqual(await src.poll(), { commit: c1, changed: false });
    const c2 = await commitFiles(dir, { 'specs.yaml': 'v2' });
    assert.deepEqual(await src.poll(), { commit: c2, changed: true });
    assert.equal((await src.read()).files.get('specs.yaml')!.toString(), 'v2');
  });
});

describe('GitSource (smart HTTP via git http-backend)', () => {
  test('shallow clone with token, fetch, force-push, unreachable remote', async () => {
    const root = tmp('served');
    const repo = path.join(root, 'net.git');
    const c1 = await initRepo(repo, { 'tenants/acme.yaml': 'v1', 'README.md': 'hi' });
    const c2 = await commitFiles(repo, { 'tenants/acme.yaml': 'v2' });
    const server = await startGitHttpServer({ root, token: 's3cret' });
    servers.push(server);
    const cacheDir = path.join(tmp('cache'), 'clone');

    // Wrong token: reported, nothing current.
    const bad = new GitSource({ repo: `${server.url}/net.git`, branch: 'main', cacheDir, token: 'wrong' });
    const r0 = await bad.poll();
    assert.equal(r0.commit, undefined);
    assert.equal(r0.error?.code, 'GIT_FETCH_FAILED');

    const src = new GitSource({ repo: `${server.url}/net.git`, branch: 'main', cacheDir, token: 's3cret', under: 'tenants' });
    assert.deepEqual(await src.poll(), { commit: c2, changed: true });
    // Shallow: the parent commit was not fetched.
    const gitdir = path.join(cacheDir, '.git');
    assert.equal(fs.readFileSync(path.join(gitdir, 'shallow'), 'utf8').trim(), c2);
    await assert.rejects(git.readCommit({ fs, gitdir, oid: c1 }));
    // `under` is the spec root: paths are relative to it (docs/specs.md, "Which files count").
    const tree = await src.read();
    assert.deepEqual([...tree.files.keys()], ['acme.yaml']);
    assert.equal(tree.root, 'tenants');
    assert.equal(fs.existsSync(path.join(cacheDir, 'tenants')), false, 'no work tree checked out');

    // Nothing new → unchanged.
    assert.deepEqual(await src.poll(), { commit: c2, changed: false });

    // New commit → fetched.
    const c3 = await commitFiles(repo, { 'tenants/acme.yaml': 'v3' });
    assert.deepEqual(await src.poll(), { commit: c3, changed: true });

    // Force-push: branch rewritten onto c1 with a different commit.
    const c4 = await commitFiles(repo, { 'tenants/acme.yaml': 'rewritten' }, { parent: [c1] });
    assert.deepEqual(await src.poll(), { commit: c4, changed: true });
    assert.equal((await src.read()).files.get('acme.yaml')!.toString(), 'rewritten');

    // Unreachable: last good commit kept, error reported; recovers afterwards.
    server.setOffline(true);
    const down = await src.poll();
    assert.equal(down.commit, c4);
    assert.equal(down.changed, false);
    assert.equal(down.error?.code, 'GIT_FETCH_FAILED');
    assert.equal((await src.read()).commit, c4);
    server.setOffline(false);
    const c5 = await commitFiles(repo, { 'tenants/acme.yaml': 'v5' });
    assert.deepEqual(await src.poll(), { commit: c5, changed: true });
    assert.equal(src.error, undefined);
  });

  test('fetchPr: the PR head comes against the base, and a later check\'s base against the last one: only what they add is transferred', async () => {
    const root = tmp('served-pr');
    const repo = path.join(root, 'pr.git');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`flows/f${i}.yaml`] = crypto.randomBytes(32 * 1024);
    const c1 = await initRepo(repo, files);
    // PR 1: one file changed on a branch off main, published as GitHub does (refs/pull/1/head).
    const pr1 = await commitFiles(repo, { 'flows/f3.yaml': 'pr one' });
    await git.writeRef({ fs, dir: repo, ref: 'refs/pull/1/head', value: pr1 });
    await git.writeRef({ fs, dir: repo, ref: 'refs/heads/main', value: c1, force: true });
    const server = await startGitHttpServer({ root });
    servers.push(server);
    const gitdir = path.join(tmp('pr-cache'), 'cache.git');
    const packDir = path.join(gitdir, 'objects', 'pack');
    const sizes = () => new Map(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).map((n) => [n, fs.statSync(path.join(packDir, n)).size]));
    const url = `${server.url}/pr.git`;

    const first = await fetchPr({ url, gitdir }, { number: 1, baseRef: 'main' });
    assert.equal(first.base.commit, c1);
    assert.equal(first.head.commit, pr1);
    assert.equal(first.head.files.get('flows/f3.yaml')!.toString(), 'pr one');
    const packs1 = [...sizes().values()].sort((a, b) => b - a);
    assert.equal(packs1.length, 2, 'base, then head');
    assert.ok(packs1[0]! > 40 * 32 * 1024, 'the first base is the whole tree');
    assert.ok(packs1[1]! < 4096, `the head brought ${packs1[1]} bytes`);

    // main moves on by one commit; PR 2 on top of it.
    const c2 = await commitFiles(repo, { 'flows/f9.yaml': 'main moved' }, { parent: [c1] });
    await git.writeRef({ fs, dir: repo, ref: 'refs/heads/main', value: c2, force: true });
    const pr2 = await commitFiles(repo, { 'flows/f11.yaml': 'pr two' }, { parent: [c2] });
    await git.writeRef({ fs, dir: repo, ref: 'refs/pull/2/head', value: pr2 });
    await git.writeRef({ fs, dir: repo, ref: 'refs/heads/main', value: c2, force: true });
    const before = sizes();
    const second = await fetchPr({ url, gitdir }, { number: 2, baseRef: 'main' });
    assert.equal(second.base.commit, c2);
    assert.equal(second.head.commit, pr2);
    assert.equal(second.head.files.get('flows/f9.yaml')!.toString(), 'main moved');
    assert.equal(second.head.files.get('flows/f11.yaml')!.toString(), 'pr two');
    assert.ok(second.head.files.get('flows/f20.yaml')!.equals(files['flows/f20.yaml']!));
    const added = [...sizes()].filter(([n]) => !before.has(n)).map(([, b]) => b);
    assert.equal(added.length, 2);
    for (const b of added) assert.ok(b < 4096, `a later fetch brought ${b} bytes`);
  });

  /** `n` commits on top of `parent` (none: a new root), each replacing one 256 KiB file: a history of n × 256 KiB, a tree of one. */
  async function heavyHistory(repo: string, n: number, parent?: string): Promise<string[]> {
    const out: string[] = [];
    let at = parent;
    for (let i = 0; i < n; i++) {
      at = await commitFiles(repo, { 'blob.bin': crypto.randomBytes(256 * 1024) }, { parent: at ? [at] : [] });
      out.push(at);
    }
    return out;
  }
  const addedPackBytes = (packDir: string, before: Set<string>) =>
    fs.readdirSync(packDir).filter((n) => n.endsWith('.pack') && !before.has(n)).reduce((a, n) => a + fs.statSync(path.join(packDir, n)).size, 0);
  const packNames = (packDir: string) => new Set(fs.readdirSync(packDir));

  test('a force-push onto another history: the fetch without depth stops at its cap and is made again at depth 1', async () => {
    const root = tmp('served-rewrite');
    const repo = path.join(root, 'rw.git');
    await initRepo(repo, { 'flows/a.yaml': 'one' });
    const server = await startGitHttpServer({ root });
    servers.push(server);
    const cacheDir = path.join(tmp('cache-rw'), 'clone');
    const logs: string[] = [];
    const src = new GitSource({ repo: `${server.url}/rw.git`, branch: 'main', cacheDir, logger: createLogger({ level: 'debug', sink: (l) => logs.push(l) }) });
    await src.poll();
    // A new root and 40 commits of 256 KiB each (10 MiB of history, past the cap of 2 × the clone's pack + 8 MiB).
    const rewritten = await heavyHistory(repo, 40);
    const tip = await commitFiles(repo, { 'flows/a.yaml': 'rewritten' }, { parent: [rewritten.at(-1)!] });
    const packDir = path.join(cacheDir, '.git', 'objects', 'pack');
    const before = packNames(packDir);
    assert.deepEqual(await src.poll(), { commit: tip, changed: true });
    assert.equal((await src.read()).files.get('flows/a.yaml')!.toString(), 'rewritten');
    const added = addedPackBytes(packDir, before);
    assert.ok(added < 1024 * 1024, `${added} bytes kept: one tree, not the history`);
    assert.ok(logs.some((l) => JSON.parse(l).msg.startsWith('fetch without depth passed its cap')));
  });

  test('fetchPr: a PR branched from below the cache\'s shallow boundary gives the right trees and does not bring the history (capped like any fetch against a have)', async () => {
    const root = tmp('served-old-pr');
    const repo = path.join(root, 'old.git');
    await initRepo(repo, { 'flows/a.yaml': 'one' });
    const history = await heavyHistory(repo, 40, await git.resolveRef({ fs, dir: repo, ref: 'main' }));
    const c1 = await commitFiles(repo, { 'flows/a.yaml': 'main tip' }, { parent: [history.at(-1)!] });
    // The PR branched 35 commits deep: below the first fetch's shallow base.
    const pr = await commitFiles(repo, { 'flows/pr.yaml': 'the pr' }, { parent: [history[4]!] });
    await git.writeRef({ fs, dir: repo, ref: 'refs/pull/7/head', value: pr });
    await git.writeRef({ fs, dir: repo, ref: 'refs/heads/main', value: c1, force: true });
    const server = await startGitHttpServer({ root });
    servers.push(server);
    const gitdir = path.join(tmp('pr-cache-old'), 'cache.git');
    const got = await fetchPr({ url: `${server.url}/old.git`, gitdir }, { number: 7, baseRef: 'main' });
    assert.equal(got.base.commit, c1);
    assert.equal(got.head.commit, pr);
    assert.equal(got.head.files.get('flows/pr.yaml')!.toString(), 'the pr');
    const total = addedPackBytes(path.join(gitdir, 'objects', 'pack'), new Set());
    assert.ok(total < 2 * 1024 * 1024, `${total} bytes kept: two trees, not the history`);
  });

  test('a fetch after the clone brings what the push changed, not the whole tree again', async () => {
    const root = tmp('served-big');
    const repo = path.join(root, 'big.git');
    // 40 files of incompressible bytes (~1.3 MB): a resent tree would show in the pack sizes.
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`flows/f${i}.yaml`] = crypto.randomBytes(32 * 1024);
    await initRepo(repo, files);
    const server = await startGitHttpServer({ root });
    servers.push(server);
    const cacheDir = path.join(tmp('cache-big'), 'clone');
    const src = new GitSource({ repo: `${server.url}/big.git`, branch: 'main', cacheDir });
    await src.poll();
    const packDir = path.join(cacheDir, '.git', 'objects', 'pack');
    const packs = () => new Map(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).map((n) => [n, fs.statSync(path.join(packDir, n)).size]));
    const cloned = packs();
    assert.equal(cloned.size, 1);
    const clonedBytes = [...cloned.values()][0]!;
    assert.ok(clonedBytes > 40 * 32 * 1024);

    const c2 = await commitFiles(repo, { 'flows/f7.yaml': 'one small change' });
    assert.deepEqual(await src.poll(), { commit: c2, changed: true });
    const added = [...packs()].filter(([n]) => !cloned.has(n));
    assert.equal(added.length, 1);
    assert.ok(added[0]![1] < 4096, `the fetch brought ${added[0]![1]} bytes (the clone ${clonedBytes})`);
    assert.equal((await src.read()).files.get('flows/f7.yaml')!.toString(), 'one small change');
    assert.ok((await src.read()).files.get('flows/f8.yaml')!.equals(files['flows/f8.yaml']!));

    // Each later fetch brings its own push only (the tip we hold is the "have", not the cloned commit).
    for (const f of ['f8', 'f9', 'f10']) {
      const big = crypto.randomBytes(32 * 1024);
      const before = packs();
      const c = await commitFiles(repo, { [`flows/${f}.yaml`]: big });
      assert.deepEqual(await src.poll(), { commit: c, changed: true });
      const got = [...packs()].filter(([n]) => !before.has(n)).map(([, b]) => b);
      assert.equal(got.length, 1);
      assert.ok(got[0]! > 32 * 1024 && got[0]! < 40 * 1024, `the push of ${f} brought ${got[0]} bytes`);
      assert.ok((await src.read()).files.get(`flows/${f}.yaml`)!.equals(big));
    }
  });
});
