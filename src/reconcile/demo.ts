// `flowops run --demo`: everything the reconciler needs, made on the spot.
// flows-example-repo/ is committed into a temp Git repo (so the Git path is
// the real one), and one bundled P4Runtime target per Target in it is started
// in-process on a free port. Nothing to configure, nothing left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { parseAllDocuments } from 'yaml';
import { startTarget } from '../target/server.ts';
import { bundledP4Info } from './desired.ts';

export interface DemoTarget {
  name: string;
  address: string;
  stop(): Promise<void>;
}

export interface Demo {
  repoDir: string;
  workDir: string;
  commit: string;
  targets: DemoTarget[];
  close(): Promise<void>;
}

/** Commits every file of `srcDir` into a new repo at `repoDir` (branch main). */
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

/** Target names declared in a spec folder (kind: Target documents). */
export function targetNames(srcDir: string): string[] {
  const names: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) walk(p);
      } else if (/\.ya?ml$/.test(e.name)) {
        for (const doc of parseAllDocuments(fs.readFileSync(p, 'utf8'))) {
          const v = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
          if (v?.kind === 'Target' && v.metadata?.name) names.push(v.metadata.name);
        }
      }
    }
  };
  walk(srcDir);
  return names.sort();
}

export async function startDemo(srcDir: string): Promise<Demo> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-demo-'));
  const repoDir = path.join(workDir, 'repo');
  const commit = await commitDirectory(srcDir, repoDir);
  const targets: DemoTarget[] = [];
  try {
    for (const name of targetNames(srcDir)) {
      const t = await startTarget({
        address: '127.0.0.1:0',
        p4infoFile: bundledP4Info('v1model'),
        persistFile: path.join(workDir, `${name}.state.json`),
      });
      targets.push({ name, address: `127.0.0.1:${t.port}`, stop: () => t.stop() });
    }
  } catch (err) {
    for (const t of targets) await t.stop().catch(() => {});
    fs.rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  return {
    repoDir, workDir, commit, targets,
    async close() {
      for (const t of targets) await t.stop().catch(() => {});
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
