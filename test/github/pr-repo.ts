// A tracked repo with pull requests, as GitHub holds one: `main` plus
// `refs/pull/N/head` commits built straight in the object store with
// isomorphic-git (no checkout, so main's work tree is never disturbed), served
// over smart HTTP by `git http-backend`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import { initRepo, readTreeFiles, tempDir } from '../helpers/git-repo.ts';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.ts';
import { readFilesAtRef } from '../../src/source/tree.ts';
import { signFile } from '../../src/specs/signature.ts';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../flows-example-repo');
const author = { name: 'pr author', email: 'pr@flowops.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };
let tick = 0;

export function tenantSeed(tenant: string): Uint8Array {
  return new Uint8Array(Buffer.from(fs.readFileSync(path.join(EXAMPLE, '.example-keys', `${tenant}.key`), 'utf8').trim(), 'base64'));
}

export function exampleFile(p: string): string {
  return fs.readFileSync(path.join(EXAMPLE, p), 'utf8');
}

/** `files` plus a fresh `.sig` for each flow file named in `sign` (by `tenant`'s key). */
export function signed(files: Record<string, string | null>, tenant: string, ...sign: string[]): Record<string, string | null> {
  const out = { ...files };
  for (const f of sign) out[`${f}.sig`] = signFile(tenantSeed(tenant), f, Buffer.from(files[f]!));
  return out;
}

export interface PrRepo {
  root: string;
  dir: string;
  url: string;
  main: string;
  server: GitHttpServer;
  /** Commits `changes` (null deletes) on top of `parent` and points `refs/pull/N/head` at it. */
  pushPr(number: number, changes: Record<string, string | null>, parent?: string): Promise<string>;
  close(): Promise<void>;
}

async function writeTreeFrom(dir: string, files: Map<string, Buffer>): Promise<string> {
  type Node = { files: Map<string, string>; dirs: Map<string, Node> };
  const root: Node = { files: new Map(), dirs: new Map() };
  for (const [p, content] of files) {
    const parts = p.split('/');
    let n = root;
    for (const d of parts.slice(0, -1)) {
      if (!n.dirs.has(d)) n.dirs.set(d, { files: new Map(), dirs: new Map() });
      n = n.dirs.get(d)!;
    }
    n.files.set(parts.at(-1)!, await git.writeBlob({ fs, dir, blob: content }));
  }
  const write = async (n: Node): Promise<string> => {
    const tree = [
      ...[...n.files].map(([p, oid]) => ({ mode: '100644', path: p, oid, type: 'blob' as const })),
      ...(await Promise.all([...n.dirs].map(async ([p, d]) => ({ mode: '040000', path: p, oid: await write(d), type: 'tree' as const })))),
    ];
    return git.writeTree({ fs, dir, tree });
  };
  return write(root);
}

export async function startPrRepo(): Promise<PrRepo> {
  const root = tempDir('gh-prs');
  const dir = path.join(root, 'intent');
  const files = Object.fromEntries(Object.entries(readTreeFiles(EXAMPLE)).filter(([p]) => !p.startsWith('.example-keys/')));
  const main = await initRepo(dir, files);
  const server = await startGitHttpServer({ root });
  return {
    root, dir, main, server, url: `${server.url}/intent/.git`,
    async pushPr(number, changes, parent = main) {
      const { files: tree } = await readFilesAtRef({ fs, dir, ref: parent });
      for (const [p, c] of Object.entries(changes)) {
        if (c === null) tree.delete(p);
        else tree.set(p, Buffer.from(c));
      }
      const t = { ...author, timestamp: author.timestamp + ++tick };
      const oid = await git.writeCommit({
        fs, dir,
        commit: { message: `PR ${number}\n`, tree: await writeTreeFrom(dir, tree), parent: [parent], author: t, committer: t },
      });
      await git.writeRef({ fs, dir, ref: `refs/pull/${number}/head`, value: oid, force: true });
      return oid;
    },
    async close() {
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
