// Process plumbing for the side-by-side bench: a `flowops target` child (a
// switch in its own process, as a real one is) and peak RSS read from
// /proc (VmHWM), so the bench reports both ends of the wire separately.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Peak resident set of a process in bytes (Linux VmHWM; 0 elsewhere). */
export function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) a process has used so far (Linux /proc, in
 * clock ticks of 1/100 s; 0 elsewhere). On a shared machine CPU time moves
 * far less with the neighbours' load than wall time does.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Starts a new peak-RSS window for this process (Linux: clear_refs 5 resets VmHWM); false where not possible. */
export function resetOwnPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** This process's peak RSS (VmHWM, or getrusage's maxRSS). */
export function ownPeakRss(): number {
  return peakRss(process.pid) || process.resourceUsage().maxRSS * 1024;
}

export interface TargetChild {
  address: string;
  pid: number;
  /** Peak RSS so far. */
  peak(): number;
  stop(): Promise<void>;
}

/** Starts `flowops target` with the bundled v1model P4Info on a free port (`nodeOptions`: e.g. --cpu-prof). */
export function startTargetProcess(nodeOptions: readonly string[] = []): Promise<TargetChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeOptions, '--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'target', '--listen', '127.0.0.1:0', '--p4info', path.join(ROOT, 'p4/flowops_v1model.p4info.txtpb')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`flowops target exited (${code}) before listening: ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (!m) return;
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      child.removeAllListeners('exit');
      resolve({
        address: m[1],
        pid: child.pid!,
        peak: () => peakRss(child.pid!),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/**
 * Runs a bench script as a child and returns the JSON it prints last on
 * stdout. BENCH_CHILD_NODE_OPTIONS adds node flags to it (e.g.
 * `--cpu-prof --cpu-prof-dir=prof` to profile the reconciler).
 */
export function runChild<T>(script: string, args: string[]): Promise<T & { peakRss: number }> {
  const extra = (process.env.BENCH_CHILD_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`));
      resolve(JSON.parse(last) as T & { peakRss: number });
    });
  });
}
