// Git revision expressions on top of resolveCommit: `HEAD~2`, `main^`,
// `v1.2^2`, `abc1234~1^`. isomorphic-git resolves refs and object ids only,
// and `flowops plan --against HEAD~1` is the first thing a person types.
import git from 'isomorphic-git';
import path from 'node:path';
import { GitSourceError, resolveCommit, type GitFs } from './tree.ts';

/** The commit a revision names: a ref or id followed by any number of `~N`, `^N`, `~`, `^`. */
export async function resolveRevision(opts: { fs: GitFs; dir?: string; gitdir?: string; rev: string; cache?: object }): Promise<string> {
  const gitdir = opts.gitdir ?? path.join(opts.dir ?? '.', '.git');
  const m = /^(.*?)((?:[~^]\d*)*)$/.exec(opts.rev)!;
  const base = m[1];
  if (!base) throw new GitSourceError('GIT_REF_NOT_FOUND', `git revision '${opts.rev}' names no ref`, { ref: opts.rev });
  let oid = await resolveCommit({ fs: opts.fs, gitdir, ref: base, cache: opts.cache });
  for (const step of m[2].match(/[~^]\d*/g) ?? []) {
    const n = step.length > 1 ? Number(step.slice(1)) : 1;
    if (step[0] === '~') {
      // ~N: the first parent, N times.
      for (let i = 0; i < n; i++) oid = await parent(opts.fs, gitdir, oid, 1, opts);
    } else if (n > 0) {
      // ^N: the N-th parent (^0 is the commit itself).
      oid = await parent(opts.fs, gitdir, oid, n, opts);
    }
  }
  return oid;
}

async function parent(fs: GitFs, gitdir: string, oid: string, nth: number, opts: { rev: string; cache?: object }): Promise<string> {
  const { commit } = await git.readCommit({ fs, gitdir, oid, cache: opts.cache });
  const p = commit.parent[nth - 1];
  if (!p) {
    throw new GitSourceError('GIT_REF_NOT_FOUND', `git revision '${opts.rev}': commit ${oid.slice(0, 7)} has no parent #${nth}`, { ref: opts.rev, commit: oid });
  }
  return p;
}
