// Commits changed files of a work tree with isomorphic-git (bench only).
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';

export async function commitFiles(repo: string, changed: string[], src: string): Promise<string> {
  for (const p of changed) {
    const to = path.join(repo, p);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(src, p), to);
    await git.add({ fs, dir: repo, filepath: p });
  }
  const who = { name: 'flowops bench', email: 'bench@flowops.invalid' };
  return git.commit({ fs, dir: repo, message: 'one more flow', author: who, committer: who });
}
