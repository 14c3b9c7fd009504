// flows-example-repo converged by the real reconciler onto a real BMv2: the
// example repository is committed into a temp Git repo with one Target
// (`leaf1`) pointing at a fresh simple_switch_grpc, its pipeline the P4Info
// and BMv2 JSON p4c compiled at test time (pipeline.mode push).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromObject } from '../../src/reconcile/config.ts';
import { Reconciler } from '../../src/reconcile/reconciler.ts';
import { p4rtConnector } from '../../src/reconcile/p4rt-switch.ts';
import { commitDirectory } from '../../src/source/commit-dir.ts';
import { createLogger } from '../../src/shared/log.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { wildcardAllTables } from '../../src/p4rt/filters.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { entityTableId } from '../../src/p4info/entity.ts';
import { commitFiles } from './git-repo.ts';
import { startBmv2, type Bmv2 } from './bmv2.ts';
import { compileV1model, type Compiled } from './peers.ts';
import { RecordingReporter } from './reconcile-env.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_REPO = path.join(ROOT, 'flows-example-repo');
export const V1MODEL_P4 = path.join(ROOT, 'p4/flowops_v1model.p4');

let compiled: Promise<Compiled> | undefined;
const compileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bmv2-p4c-'));
process.once('exit', () => fs.rmSync(compileDir, { recursive: true, force: true }));

/** p4/flowops_v1model.p4 compiled once per test file (an immutable artifact, not shared state). */
export function compiledV1model(): Promise<Compiled> {
  return (compiled ??= compileV1model(V1MODEL_P4, compileDir));
}

/** The example's leaf1 Target, re-pointed at `sw` and pushing the compiled pipeline. */
export function leaf1Yaml(sw: Bmv2): string {
  const orig = fs.readFileSync(path.join(EXAMPLE_REPO, 'targets/leaf1.yaml'), 'utf8');
  return orig
    .replace(/address: .*/, `address: ${sw.p4rtAddr}`)
    .replace(/deviceId: .*/, `deviceId: ${sw.deviceId}`)
    .replace(/insecure: true/, 'insecure: true\n  pipeline:\n    mode: push\n    arch: v1model\n    p4info: build/flowops_v1model.p4info.txtpb\n    deviceConfig: build/flowops_v1model.json');
}

export interface Bmv2Bench {
  sw: Bmv2;
  repo: string;
  reconciler: Reconciler;
  reporter: RecordingReporter;
  index: P4InfoIndex;
  logs: string[];
  /** Commits changed files (repo-relative path → content; null deletes). */
  commit(files: Record<string, string | null>): Promise<string>;
  /** Every table entry on the switch, by table name (a wildcard Read of BMv2 itself). */
  readTables(): Promise<Map<string, Buffer[]>>;
  /** A second controller on the same switch (another election id). */
  otherController(electionId: bigint): Promise<P4RuntimeClient>;
  close(): Promise<void>;
}

export async function bmv2Bench(opts: { drift?: 'heal' | 'alert' } = {}): Promise<Bmv2Bench> {
  const c = await compiledV1model();
  const sw = await startBmv2();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bmv2-bench-'));
  const clients: P4RuntimeClient[] = [];
  let reconciler: Reconciler | undefined;
  const close = async () => {
    await reconciler?.stop().catch(() => {});
    for (const cl of clients) await cl.close().catch(() => {});
    await sw.stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    // The example repository as a user has it, plus the compiled pipeline, with leaf1 on BMv2.
    const src = path.join(work, 'src');
    fs.cpSync(EXAMPLE_REPO, src, { recursive: true });
    fs.rmSync(path.join(src, 'targets/leaf2.yaml'));
    fs.writeFileSync(path.join(src, 'targets/leaf1.yaml'), leaf1Yaml(sw));
    fs.mkdirSync(path.join(src, 'build'));
    fs.copyFileSync(c.p4info, path.join(src, 'build/flowops_v1model.p4info.txtpb'));
    fs.copyFileSync(c.out, path.join(src, 'build/flowops_v1model.json'));
    const repo = path.join(work, 'repo');
    await commitDirectory(src, repo);

    const logs: string[] = [];
    const loaded = configFromObject(
      {
        repo: { path: repo },
        http: { listen: '127.0.0.1:0' },
        stateFile: path.join(work, 'state.json'),
        drift: { policy: opts.drift ?? 'heal' },
        electionId: 10,
        schedules: { sync: '0 0 0 1 1 *', drift: '0 0 0 1 1 *', expiry: '0 0 0 1 1 *' },
      },
      work,
    );
    const reporter = new RecordingReporter();
    reconciler = new Reconciler({
      loaded,
      connect: p4rtConnector(),
      reporter,
      logger: createLogger({ level: 'debug', sink: (l) => logs.push(l), base: { replica: 'bmv2' } }),
    });
    const index = P4InfoIndex.fromP4Info(loadP4InfoFile(c.p4info));
    const bench: Bmv2Bench = {
      sw,
      repo,
      reconciler,
      reporter,
      index,
      logs,
      commit: (files) => commitFiles(repo, files),
      async readTables() {
        // A Read needs no arbitration (P4Runtime: any client may read), so the
        // reader opens no stream: back-to-back reads never race BMv2 over an
        // election id the previous reader's stream still holds.
        const cl = new P4RuntimeClient({ address: sw.p4rtAddr, deviceId: sw.deviceId, electionId: 1n });
        try {
          const all = await cl.read([wildcardAllTables()]);
          const by = new Map<string, Buffer[]>();
          for (const e of all) {
            const name = index.table(entityTableId(e)).name;
            by.set(name, [...(by.get(name) ?? []), e]);
          }
          return by;
        } finally {
          await cl.close();
        }
      },
      async otherController(electionId) {
        const cl = new P4RuntimeClient({ address: sw.p4rtAddr, deviceId: sw.deviceId, electionId });
        clients.push(cl);
        await cl.connect();
        return cl;
      },
      close,
    };
    return bench;
  } catch (e) {
    await close();
    throw e;
  }
}
