// `flowops run --demo`: everything the reconciler needs, made on the spot.
// flows-example-repo/ is committed into a temp Git repo (so the Git path is
// the real one), and one bundled P4Runtime target per Target in it is started
// in-process on a free port. Nothing to configure, nothing left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTarget } from '../target/server.ts';
import { bundledP4Info } from '../desired/pipeline.ts';
import { commitDirectory } from '../source/commit-dir.ts';
import { readDirTree } from '../source/spec-tree.ts';
import { loadSpecs } from '../specs/load.ts';

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
  /** The example's pinned operator key (`.example-keys/operator.pub`), when the folder has one. */
  operatorKeys: string[];
  close(): Promise<void>;
}

/** Target names of a spec folder (its Target documents, as desired/ reads them). */
export function targetNames(srcDir: string): string[] {
  return loadSpecs(readDirTree(srcDir).files).specs.targets.map((t) => t.metadata.name).sort();
}

export async function startDemo(srcDir: string): Promise<Demo> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-demo-'));
  const repoDir = path.join(workDir, 'repo');
  const commit = await commitDirectory(srcDir, repoDir);
  const pub = path.join(srcDir, '.example-keys', 'operator.pub');
  const operatorKeys = fs.existsSync(pub) ? [fs.readFileSync(pub, 'utf8').trim()] : [];
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
    repoDir, workDir, commit, targets, operatorKeys,
    async close() {
      for (const t of targets) await t.stop().catch(() => {});
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
