// The real P4 tools (p4c-bm2-ss, simple_switch_grpc, bf-p4c) for tests.
// `.ci/run` unpacks them and exports FLOWOPS_PEERS_BIN (the folder holding the
// binaries). On a developer machine without them the tests that need them skip
// with a notice saying so; in CI (CI=true) a missing tool is a failure, so the
// real-switch tests can never silently stop running.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const PEERS_ENV = 'FLOWOPS_PEERS_BIN';
export type PeerTool = 'p4c-bm2-ss' | 'simple_switch_grpc' | 'bf-p4c';

const run = promisify(execFile);

/**
 * The path of `tool`, or a skip reason. Throws when CI=true and the tool is
 * missing: CI must run the real tools.
 */
export function peerTool(tool: PeerTool, env: NodeJS.ProcessEnv = process.env): { path: string } | { skip: string } {
  const dir = env[PEERS_ENV];
  const file = dir ? path.join(dir, tool) : undefined;
  if (file && fs.existsSync(file)) return { path: file };
  const why = dir
    ? `${tool} not found in ${PEERS_ENV}=${dir}`
    : `${PEERS_ENV} is not set (run .ci/run, or ../shared/peers/setup.sh and export ${PEERS_ENV}=<its bin folder>)`;
  if (env.CI === 'true') throw new Error(`CI=true but the real P4 tools are missing: ${why}`);
  return { skip: `skipped: ${why}` };
}

/**
 * For `test(name, peerSkip('bf-p4c'), fn)`: `{ skip }` with a visible reason
 * when the tool is missing (and not in CI), `{}` otherwise. The notice also
 * goes to stderr once per tool so a skipped real-tool run is never quiet.
 */
const warned = new Set<string>();
export function peerSkip(...tools: PeerTool[]): { skip?: string } {
  for (const t of tools) {
    const r = peerTool(t);
    if ('skip' in r) {
      if (!warned.has(t)) {
        warned.add(t);
        process.stderr.write(`NOTICE: real-tool tests ${r.skip}\n`);
      }
      return { skip: r.skip };
    }
  }
  return {};
}

export function peerPath(tool: PeerTool): string {
  const r = peerTool(tool);
  if ('skip' in r) throw new Error(r.skip);
  return r.path;
}

export interface Compiled {
  dir: string;
  p4info: string;
  /** BMv2 JSON (p4c-bm2-ss) or the output folder (bf-p4c). */
  out: string;
  /** Compiler diagnostics (stderr + stdout), for warning checks. */
  log: string;
}

/** Compiles `source` for v1model with p4c-bm2-ss into a fresh folder under `tmp`. */
export async function compileV1model(source: string, tmp: string): Promise<Compiled> {
  const dir = fs.mkdtempSync(path.join(tmp, 'p4c-'));
  const p4info = path.join(dir, 'p4info.txtpb');
  const out = path.join(dir, 'program.json');
  const r = await run(peerPath('p4c-bm2-ss'), ['--arch', 'v1model', '--p4runtime-files', p4info, '-o', out, source], {
    maxBuffer: 16 << 20,
  });
  return { dir, p4info, out, log: r.stderr + r.stdout };
}

/** Compiles `source` for Tofino (TNA) with bf-p4c; resolves even when the backend fails, with the log. */
export async function compileTna(source: string, tmp: string, extra: string[] = []): Promise<Compiled & { ok: boolean }> {
  const dir = fs.mkdtempSync(path.join(tmp, 'bfp4c-'));
  const p4info = path.join(dir, 'p4info.txtpb');
  try {
    const r = await run(peerPath('bf-p4c'), ['--target', 'tofino', '--arch', 'tna', ...extra, '--p4runtime-files', p4info, '-o', dir, source], {
      maxBuffer: 16 << 20,
    });
    return { dir, p4info, out: dir, log: r.stderr + r.stdout, ok: true };
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return { dir, p4info, out: dir, log: (err.stderr ?? '') + (err.stdout ?? ''), ok: false };
  }
}
