// Shared set-up of the real-switch and role tests: a second controller's slice
// of the pipeline (the bundled P4Info plus `ingress.ops_mirror`, which flowops
// does not manage and an "ops" controller owns), a ConnectSwitch wrapper that keeps
// the switch connections the reconciler opens, bundled targets handed to a Bench,
// spec repos whose Targets carry per-test connection/role/pipeline lines, and
// what a test file opens, closed together (SwitchTests).
import fs from 'node:fs';
import { Bench, P4INFO } from './reconcile-env.ts';
import { specRepo, type FlowDef } from './spec-repo.ts';
import { initRepo, tempDir } from './git-repo.ts';
import { P4RuntimeClient, type P4RuntimeClientOptions } from '../../src/p4rt/client.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { p4rtSwitchFactory } from '../../src/reconcile/p4rt-switch.ts';
import type { ConnectSwitch, SwitchConnection } from '../../src/reconcile/switch.ts';

export const OPS_TABLE = 'ingress.ops_mirror';
export const OPS_TABLE_ID = 0x02000f01;

/** The bundled v1model P4Info text with the ops table inserted before the actions. */
export function sharedP4Info(): string {
  const text = fs.readFileSync(P4INFO, 'utf8');
  const table = `tables {
  preamble {
    id: ${OPS_TABLE_ID}
    name: "${OPS_TABLE}"
    alias: "ops_mirror"
  }
  match_fields {
    id: 1
    name: "vni"
    bitwidth: 24
    match_type: EXACT
  }
  action_refs {
    id: 16777217
  }
  size: 1024
}
`;
  const at = text.indexOf('actions {');
  return text.slice(0, at) + table + text.slice(at);
}

/** A ConnectSwitch that records every connection it opens into `conns`. */
export function capturing(conns: SwitchConnection[]): ConnectSwitch {
  const inner = p4rtSwitchFactory();
  return async (addr, log) => {
    const conn = await inner(addr, log);
    conns.push(conn);
    return conn;
  };
}

/** Starts a bundled target on a free port and hands it to the bench (which stops it). */
export async function startBenchTarget(b: Bench, opts: Parameters<typeof startTarget>[0] = {}): Promise<RunningTarget> {
  const t = await startTarget({ address: '127.0.0.1:0', ...opts });
  b.targets.push(t);
  return t;
}

/**
 * Commits a spec repo whose Targets leaf1.. point at `b.targets`; `spec[i]`'s
 * lines (connection, role, pipeline) replace leaf(i+1)'s `insecure: true`.
 */
export async function commitTargetsRepo(b: Bench, flows: FlowDef[], spec: string[], extra: Record<string, string | Buffer> = {}): Promise<string> {
  const files = specRepo({ targets: b.targets.map((t, i) => ({ name: `leaf${i + 1}`, address: t.address })), flows });
  spec.forEach((lines, i) => {
    const f = `targets/leaf${i + 1}.yaml`;
    files[f] = files[f]!.replace('  insecure: true\n', lines.split('\n').filter(Boolean).map((l) => `  ${l}\n`).join(''));
  });
  return initRepo(b.repo, { ...files, ...extra });
}

/**
 * What one test file of real-switch tests opens — benches (with their targets),
 * other controllers' clients, temporary folders — closed together by `close()`
 * in the file's `after`.
 */
export class SwitchTests {
  private benches: Bench[] = [];
  private clients: P4RuntimeClient[] = [];
  private dirs: string[] = [];
  constructor(private flows: FlowDef[]) {}

  bench(): Bench {
    const b = new Bench();
    this.benches.push(b);
    return b;
  }

  /** Another controller's P4Runtime client (not connected yet). */
  client(opts: P4RuntimeClientOptions): P4RuntimeClient {
    const c = new P4RuntimeClient(opts);
    this.clients.push(c);
    return c;
  }

  tempDir(name: string): string {
    const d = tempDir(name);
    this.dirs.push(d);
    return d;
  }

  /** commitTargetsRepo with this file's flows. */
  commit(b: Bench, spec: string[], extra?: Record<string, string | Buffer>): Promise<string> {
    return commitTargetsRepo(b, this.flows, spec, extra);
  }

  async close(): Promise<void> {
    for (const c of this.clients) await c.close().catch(() => {});
    for (const b of this.benches) await b.close();
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}
