// The flowops half of `npm run bench`, in its own process so its peak RSS is
// the reconciler's alone: three syncs of a generated repo through the real
// Reconciler against a switch at --address. Prints one JSON line of figures.
//   1. first full sync: compile (the reconciler's 'compiled' log line), and
//      the write phase (from apply's progress call just before its first
//      Write to its last update written; connect, pipeline, read, plan and
//      read-back excluded);
//   2. no-op sync: read + diff of every live entry, nothing written;
//   3. one-flow change: a new commit adding one flow (its files made by the
//      parent, in --next), commit → converged (the delta path: the switch is
//      known to hold the previous commit);
//   4. webhook → switch: another one-flow commit (--next2), then GitHub's
//      push webhook (signed) POSTed to the reconciler's own HTTP server; from
//      the POST to the sync that converged it (fetch over smart HTTP, read,
//      patch, delta write, read-back).
// The reconciler reads the repository as it does in production: fetched over
// smart HTTP from `git http-backend` (test/helpers/git-http-server.ts), not
// from a local path.
import fs from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector/promises';
import path from 'node:path';
import { configFromObject } from '../src/reconcile/config.ts';
import { Reconciler } from '../src/reconcile/reconciler.ts';
import { p4rtConnector } from '../src/reconcile/p4rt-switch.ts';
import { createLogger } from '../src/shared/log.ts';
import type { Reporter, SyncEvent } from '../src/report/events.ts';
import { createWebhookHandler, signBody } from '../src/report/github/webhook.ts';
import { startGitHttpServer } from '../test/helpers/git-http-server.ts';
import { commitFiles } from './git-commit.ts';
import { cpuSeconds, mib, ownPeakRss, resetOwnPeakRss } from './proc.ts';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
}

export interface ReconcileFigures {
  entries: number;
  compileMs: number;
  firstSyncMs: number;
  writeMs: number;
  /** CPU seconds of this process and of the target during the write phase. */
  writeCpu: number;
  writeTargetCpu: number;
  written: number;
  noopMs: number;
  oneFlowMs: number;
  oneFlowWritten: number;
  oneFlowCompileMs: number;
  /** `delta: known` or `full: <reason>` (reconcile/known-state.ts). */
  oneFlowPath: string;
  /** A push webhook POSTed → the sync that converged its commit ended. */
  webhookMs: number;
  webhookPath: string;
}

async function main() {
  const address = arg('address');
  const repo = arg('repo');
  const src = arg('src');
  const work = arg('work');
  const batch = Number(arg('batch'));
  const targetPid = Number(arg('target-pid'));
  const served = await startGitHttpServer({ root: path.dirname(repo) });
  const loaded = configFromObject(
    {
      repo: { url: `${served.url}/${path.basename(repo)}`, cacheDir: path.join(work, 'clone') },
      http: { listen: '127.0.0.1:0' },
      batch: { size: batch, maxBytes: 4 * 1024 * 1024 },
      stateFile: path.join(work, 'state.json'),
      // Only the bench drives syncs.
      schedules: { sync: '0 0 0 1 1 *', drift: '0 0 0 1 1 *', expiry: '0 0 0 1 1 *', counters: '0 0 0 1 1 *' },
    },
    work,
  );
  const secret = 'bench-webhook-secret';
  // The push wiring of report/github/integration.ts (which also re-checks PRs against the GitHub API).
  let reconciler: Reconciler | undefined;
  const githubWebhook = createWebhookHandler({
    secret,
    repo: 'bench/bench',
    onEvent: (ev) => {
      if (ev.kind === 'push' && ev.ref === 'refs/heads/main') reconciler?.pushed();
    },
  });
  let lastSync: ((ev: SyncEvent) => void) | undefined;
  const reporter: Reporter = {
    async syncFinished(ev) {
      lastSync?.(ev);
    },
    async drift() {},
    async driftCleared() {},
  };
  let compileMs = 0;
  let fetchMs = 0;
  // BENCH_RSS_TRACE=1: per sync, what the process held when its RSS was highest (sampled every 20 ms) and the last log line before.
  let lastMsg = '';
  let top = { rss: 0, at: '' };
  const trace = process.env.BENCH_RSS_TRACE
    ? setInterval(() => {
        const m = process.memoryUsage();
        if (m.rss > top.rss) top = { rss: m.rss, at: `${lastMsg}: heap ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, array buffers ${mib(m.arrayBuffers)}, external ${mib(m.external)}` };
      }, 20)
    : undefined;
  trace?.unref();
  const logger = createLogger({
    level: 'info',
    sink: (line) => {
      const o = JSON.parse(line) as { level: string; msg: string; ms?: number };
      lastMsg = o.msg;
      // "compile" in the figures is fetch + load + compile of a new commit (the 'fetched' and 'compiled' lines).
      if (o.msg === 'fetched') fetchMs = o.ms ?? 0;
      if (o.msg === 'compiled') compileMs = fetchMs + (o.ms ?? 0);
      // BENCH_LOG=1: every log line (with its time) on stderr, to see where a sync's time goes.
      if (process.env.BENCH_LOG || o.level === 'warn' || o.level === 'error') process.stderr.write(line + '\n');
    },
  });
  let writeStart = 0;
  let writeEnd = 0;
  let cpu0 = 0;
  let cpu1 = 0;
  let tcpu0 = 0;
  let tcpu1 = 0;
  const ownCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const r = new Reconciler({
    loaded,
    connect: p4rtConnector(),
    logger,
    githubWebhook,
    reporter,
    progress: () => ({
      update: (done, total) => {
        if (done === 0) {
          // apply's call just before its first Write (connect, pipeline, read and plan are behind)
          writeStart = performance.now();
          cpu0 = ownCpu();
          tcpu0 = cpuSeconds(targetPid);
          return;
        }
        if (done !== total) return;
        writeEnd = performance.now();
        cpu1 = ownCpu();
        tcpu1 = cpuSeconds(targetPid);
      },
      finish: () => {},
    }),
  });
  // Peak RSS per sync (the window is reset before each) and over the whole run.
  let overallPeak = 0;
  const sync = async (label: string, fn: () => Promise<SyncEvent | undefined>) => {
    compileMs = 0;
    fetchMs = 0;
    overallPeak = Math.max(overallPeak, ownPeakRss());
    const windowed = resetOwnPeakRss();
    const t0 = performance.now();
    const ev = await fn();
    const ms = performance.now() - t0;
    const sw = ev?.switches[0];
    if (!sw) throw new Error(`${label}: no sync result`);
    if (!['Converged', 'Unchanged'].includes(sw.outcome)) throw new Error(`${label}: ${sw.outcome}: ${sw.error?.message}`);
    const w = sw.written;
    overallPeak = Math.max(overallPeak, ownPeakRss());
    const peak = windowed ? `, peak RSS in it ${mib(ownPeakRss())}` : '';
    const via = sw.path ? `${sw.path.path}: ${sw.path.reason}` : 'unknown';
    process.stderr.write(`bench: ${label}: ${(ms / 1000).toFixed(2)} s (fetch + compile ${(compileMs / 1000).toFixed(2)} s, fetch ${(fetchMs / 1000).toFixed(2)} s), ${sw.outcome}, path ${via}${peak}\n`);
    if (trace) process.stderr.write(`bench: ${label}: sampled RSS top ${mib(top.rss)} after "${top.at}"\n`);
    top = { rss: 0, at: '' };
    return { ms, compileMs, written: w.inserted + w.modified + w.deleted, entries: sw.plan.unchanged + w.inserted + w.modified, path: via };
  };
  const first = await sync('first full sync', () => r.sync('bench'));
  const writeMs = writeEnd - writeStart;
  const writeCpu = cpu1 - cpu0;
  const writeTargetCpu = tcpu1 - tcpu0;
  // BENCH_PROFILE_NOOP=FILE: a CPU profile of the no-op sync alone (read + diff), for where its time goes.
  const profile = process.env.BENCH_PROFILE_NOOP ? new inspector.Session() : undefined;
  if (profile) {
    profile.connect();
    await profile.post('Profiler.enable');
    await profile.post('Profiler.start');
  }
  const noop = await sync('no-op sync', () => r.sync('bench', { force: true }));
  if (profile) {
    const { profile: p } = await profile.post('Profiler.stop');
    fs.writeFileSync(process.env.BENCH_PROFILE_NOOP!, JSON.stringify(p));
    profile.disconnect();
  }

  // The files of a one-flow change, made by the parent (bench/run.ts), committed.
  const commitNext = (dir: string): Promise<string> => {
    const changed = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(dir, p)).isFile());
    for (const p of changed) {
      fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
      fs.copyFileSync(path.join(dir, p), path.join(src, p));
    }
    return commitFiles(repo, changed, src);
  };
  await commitNext(arg('next'));
  // BENCH_PROFILE_ONE=FILE: a CPU profile of the one-flow change alone (commit → converged).
  const oneProfile = process.env.BENCH_PROFILE_ONE ? new inspector.Session() : undefined;
  if (oneProfile) {
    oneProfile.connect();
    await oneProfile.post('Profiler.enable');
    await oneProfile.post('Profiler.setSamplingInterval', { interval: 200 });
    await oneProfile.post('Profiler.start');
  }
  const one = await sync('one-flow change', () => r.sync('bench'));
  if (oneProfile) {
    const { profile: p } = await oneProfile.post('Profiler.stop');
    fs.writeFileSync(process.env.BENCH_PROFILE_ONE!, JSON.stringify(p));
    oneProfile.disconnect();
  }

  // Webhook → switch: the reconciler's HTTP server up (start() syncs once more:
  // nothing new, no switch read), then a push delivered as GitHub sends it.
  reconciler = r;
  await r.start();
  const commit = await commitNext(arg('next2'));
  const body = JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after: commit, repository: { full_name: 'bench/bench' } });
  const hook = await sync('webhook → switch', async () => {
    const converged = new Promise<SyncEvent>((resolve) => {
      lastSync = (ev) => {
        if (ev.commit === commit) resolve(ev);
      };
    });
    // node:http, not fetch: loading undici in this process would count tens of MiB the sender (GitHub) does not add to the reconciler.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`http://${r.httpAddress}/hooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'bench-1', 'x-hub-signature-256': signBody(secret, body) },
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 202) throw new Error(`webhook answered ${status}`);
    return converged;
  });
  await r.stop();
  await served.close();
  const out: ReconcileFigures & { peakRss: number } = {
    entries: first.entries,
    compileMs: first.compileMs,
    firstSyncMs: first.ms,
    writeMs,
    writeCpu,
    writeTargetCpu,
    written: first.written,
    noopMs: noop.ms,
    oneFlowMs: one.ms,
    oneFlowWritten: one.written,
    oneFlowCompileMs: one.compileMs,
    oneFlowPath: one.path,
    webhookMs: hook.ms,
    webhookPath: hook.path,
    peakRss: Math.max(overallPeak, ownPeakRss()),
  };
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
