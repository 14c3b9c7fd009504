// A reconciler test bench made of real parts: a Git repo in a temp dir
// (isomorphic-git), bundled P4Runtime targets on 127.0.0.1 port 0, and
// Reconcilers built from config objects. Everything is torn down by close().
import { encodeTableEntry, withoutMetadata } from '../../src/p4info/entity.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { desiredState } from '../../src/desired/desired.ts';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4_DIR } from '../../src/desired/pipeline.ts';
import { configFromObject } from '../../src/reconcile/config.ts';
import { Reconciler, type ReconcilerOptions } from '../../src/reconcile/reconciler.ts';
import { p4rtSwitchFactory } from '../../src/reconcile/p4rt-switch.ts';
import { createLogger, type Logger } from '../../src/shared/log.ts';
import type { DriftClearedEvent, DriftEvent, Reporter, SyncEvent } from '../../src/report/events.ts';
import { commitFiles, initRepo, tempDir } from './git-repo.ts';
import { specRepo, treeOf, type FlowDef } from './spec-repo.ts';

export const P4INFO = path.join(P4_DIR, 'flowops_v1model.p4info.txtpb');

/** Collects what a Reconciler reports (the interface the GitHub reporter implements). */
export class RecordingReporter implements Reporter {
  syncs: SyncEvent[] = [];
  drifts: DriftEvent[] = [];
  cleared: DriftClearedEvent[] = [];
  /** Every call in order: `sync`, `drift`, `cleared:<reason>`. */
  order: string[] = [];
  async syncFinished(ev: SyncEvent) {
    this.syncs.push(ev);
    this.order.push('sync');
  }
  async drift(ev: DriftEvent) {
    this.drifts.push(ev);
    this.order.push('drift');
  }
  async driftCleared(ev: DriftClearedEvent) {
    this.cleared.push(ev);
    this.order.push(`cleared:${ev.reason}`);
  }
}

export class Bench {
  readonly dir = tempDir('reconcile');
  readonly repo = path.join(this.dir, 'repo');
  readonly targets: RunningTarget[] = [];
  readonly reconcilers: Reconciler[] = [];
  logs: string[] = [];

  async startTarget(): Promise<RunningTarget> {
    const t = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
    this.targets.push(t);
    return t;
  }

  /** Creates the repo (first call) or commits a new version of the specs. */
  async commit(flows: FlowDef[], opts: { rawFlows?: string; unsigned?: boolean } = {}): Promise<string> {
    const files = specRepo({ targets: this.targets.map((t, i) => ({ name: `leaf${i + 1}`, address: `127.0.0.1:${t.port}` })), flows, ...opts });
    if (!fs.existsSync(path.join(this.repo, '.git'))) return initRepo(this.repo, files);
    return commitFiles(this.repo, files, { replaceAll: true });
  }

  logger(name: string): Logger {
    return createLogger({ level: 'debug', sink: (l) => this.logs.push(l), base: { replica: name } });
  }

  reconciler(config: Record<string, unknown> = {}, extra: Partial<ReconcilerOptions> = {}): Reconciler {
    const name = `r${this.reconcilers.length + 1}`;
    const loaded = configFromObject(
      {
        repo: { path: this.repo },
        http: { listen: '127.0.0.1:0' },
        stateFile: path.join(this.dir, `${name}.state.json`),
        batch: { size: 50 },
        // Each new replica outranks the previous ones, so a test that failed before
        // stopping its reconciler does not leave the next one a backup.
        electionId: 100 + this.reconcilers.length,
        // Far-away schedules: tests drive ticks by hand unless they say otherwise.
        schedules: { sync: '0 0 0 1 1 *', drift: '0 0 0 1 1 *', expiry: '0 0 0 1 1 *', counters: '0 0 0 1 1 *' },
        ...config,
      },
      this.dir,
    );
    const r = new Reconciler({ loaded, connect: p4rtSwitchFactory(), logger: this.logger(name), ...extra });
    this.reconcilers.push(r);
    return r;
  }

  async close(): Promise<void> {
    for (const r of this.reconcilers) await r.stop().catch(() => {});
    for (const t of this.targets) await t.stop().catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Number of entities in a target snapshot (all tables, members, groups). */
/**
 * The snapshot with every TableEntry.metadata dropped: provenance records name
 * the commit that wrote an entry, which differs between two repos or after a
 * heal, while the forwarding state compared is the same.
 */
export function withoutProvenance(snap: ReturnType<RunningTarget['state']['snapshot']>): ReturnType<RunningTarget['state']['snapshot']> {
  const tables: Record<string, string[]> = {};
  for (const [t, list] of Object.entries(snap.tables)) tables[t] = list.map((h) => withoutMetadata(Buffer.from(h, 'hex')).toString('hex')).sort();
  return { ...snap, tables };
}

export function entityCount(snap: ReturnType<RunningTarget['state']['snapshot']>): number {
  const n = (r: Record<string, string[]>) => Object.values(r).reduce((a, l) => a + l.length, 0);
  return n(snap.tables) + n(snap.members) + n(snap.groups);
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Every entity a target holds (provenance records aside), as sorted hex: the switch's own state. */
export function switchHolds(t: RunningTarget): string[] {
  const s = withoutProvenance(t.state.snapshot());
  return [...Object.values(s.tables), ...Object.values(s.members), ...Object.values(s.groups)].flat().sort();
}

/** desired(flows) for leaf1 of a bench repo whose one Target is `t`, as sorted hex (compare with switchHolds). */
export function desiredHex(t: RunningTarget, flows: FlowDef[]): string[] {
  const files = specRepo({ targets: [{ name: 'leaf1', address: `127.0.0.1:${t.port}` }], flows });
  return desiredState(treeOf(files), { now: new Date() }).states.get('leaf1')!.entries.map((e) => e.bytes.toString('hex')).sort();
}

/** A flow_classify entry no flow of the test repos asks for (another client's write). */
export function strayEntry(index = P4InfoIndex.fromFile(P4INFO)): Buffer {
  const t = index.table('ingress.flow_classify');
  const f = (name: string) => index.tableField(t, name).id;
  const a = index.action('ingress.set_flow');
  return encodeTableEntry({
    tableId: t.id,
    priority: 0,
    match: [
      { fieldId: f('tenant_id'), m: { kind: 'exact', value: Buffer.from([0x00, 0x07]) } },
      { fieldId: f('src_service'), m: { kind: 'exact', value: Buffer.from([0x12, 0x34]) } },
      { fieldId: f('dst_service'), m: { kind: 'exact', value: Buffer.from([0x56, 0x78]) } },
      { fieldId: f('ip_proto'), m: { kind: 'exact', value: Buffer.from([6]) } },
      { fieldId: f('l4_dst_port'), m: { kind: 'exact', value: Buffer.from([0x1f, 0x90]) } },
    ],
    action: { kind: 'action', actionId: a.id, params: [{ paramId: index.actionParam(a, 'flow_id').id, value: Buffer.from([0x01]) }] },
  });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `flowops run` as its own process in the bench folder, with `configYaml` as
 * flowops.config.yaml there; schedules far away unless the YAML says otherwise.
 */
export function runFlowops(b: Bench, configYaml: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const config = path.join(b.dir, 'flowops.config.yaml');
  fs.writeFileSync(config, `${configYaml}http:\n  listen: 127.0.0.1:0\nstateFile: state.json\nschedules:\n  sync: "0 0 0 1 1 *"\n  drift: "0 0 0 1 1 *"\n  expiry: "0 0 0 1 1 *"\n`);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/flowops.js'), 'run', '--config', config], {
    cwd: b.dir,
    env: { ...process.env, FLOWOPS_CLI_ENTRY: '1', FLOWOPS_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}
