// A directory committed into a new Git repository: the demo and the bench run
// the reconciler over a real commit, not over a folder.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';

/** Commits every file of `srcDir` (except .git and node_modules) into a new repo at `repoDir`, branch main. */
export async function commitDirectory(srcDir: string, repoDir: string, message = 'flows example'): Promise<string> {
  fs.mkdirSync(repoDir, { recursive: true });
  await git.init({ fs, dir: repoDir, defaultBranch: 'main' });
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      if (e.name === '.git' || e.name === 'node_modules') return [];
      const p = path.join(d, e.name);
      return e.isDirectory() ? walk(p) : [path.relative(srcDir, p)];
    });
  for (const rel of walk(srcDir)) {
    const to = path.join(repoDir, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(srcDir, rel), to);
    await git.add({ fs, dir: repoDir, filepath: rel.split(path.sep).join('/') });
  }
  const who = { name: 'flowops demo', email: 'demo@flowops.invalid' };
  return git.commit({ fs, dir: repoDir, message, author: who, committer: who });
}
