// Real Git repositories for tests, made with isomorphic-git in temp dirs:
// write files, commit, move a branch (force-push), all without a git binary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { after } from 'node:test';

const author = { name: 'flowops test', email: 'test@flowops.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flowops-${prefix}-`));
}

/** A new repo at `dir` whose first commit on `branch` holds `files`. Returns the commit id. */
export async function initRepo(dir: string, files: Record<string, string | Buffer>, branch = 'main'): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await git.init({ fs, dir, defaultBranch: branch });
  return commitFiles(dir, files, { message: 'initial' });
}

/**
 * Writes `files` (null deletes) into the work tree and commits them on the current branch.
 * `replaceAll` first removes every tracked file, so the commit holds exactly `files`.
 * `parent` overrides the parent list (e.g. `[]` or an older commit: a rewritten history).
 */
export async function commitFiles(
  dir: string,
  files: Record<string, string | Buffer | null>,
  opts: { message?: string; replaceAll?: boolean; parent?: string[]; time?: number } = {},
): Promise<string> {
  if (opts.replaceAll) {
    for (const f of await git.listFiles({ fs, dir })) {
      await git.remove({ fs, dir, filepath: f });
      fs.rmSync(path.join(dir, f), { force: true });
    }
  }
  for (const [f, content] of Object.entries(files)) {
    const p = path.join(dir, f);
    if (content === null) {
      fs.rmSync(p, { force: true });
      await git.remove({ fs, dir, filepath: f });
      continue;
    }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    await git.add({ fs, dir, filepath: f });
  }
  const a = { ...author, timestamp: opts.time ?? author.timestamp + commitCounter++ };
  return git.commit({ fs, dir, message: opts.message ?? 'change', author: a, committer: a, parent: opts.parent });
}
let commitCounter = 0;

/** Copies a directory tree's files (relative path → content) into a record, e.g. flows-example-repo/. */
export function readTreeFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p).split(path.sep).join('/')] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

/**
 * Temp folders and servers of one test file, removed and closed after it:
 * `tmp(prefix)` makes a folder, `servers` takes anything with `close()`.
 */
export function scratch(): { tmp: (prefix: string) => string; servers: { close(): Promise<void> }[] } {
  const dirs: string[] = [];
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    tmp(prefix: string) {
      const d = tempDir(prefix);
      dirs.push(d);
      return d;
    },
    servers,
  };
}
