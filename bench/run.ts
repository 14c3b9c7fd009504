// Reconciler benchmark (`npm run bench`, not a timed test). Generates a spec
// repo (bench/generate.ts), commits it to a temp Git repo, starts the bundled
// target in this process, and times three syncs through the real reconciler:
//   1. first full sync   (compile, read empty switch, diff, write everything, read back)
//      updates/s is measured over the time after compiling (read, diff, write, verify)
//   2. no-op sync        (read + diff every live entry; nothing written)
//   3. one-flow change   (new commit adding one flow: only its entries written;
//      the reconciler's caches re-parse one file and read back only what it wrote)
// Prints time, updates/s, peak RSS and the machine. The target shares the
// process, so RSS counts both sides of the wire.
//
//   npm run bench                  # 100k flows ≈ 1M entries
//   npm run bench -- --flows 10000 # quick run
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSpecs } from './generate.ts';
import { startTarget } from '../src/target/server.ts';
import { P4_DIR } from '../src/desired/pipeline.ts';
import { configFromObject } from '../src/reconcile/config.ts';
import { Reconciler } from '../src/reconcile/reconciler.ts';
import { p4rtSwitchFactory } from '../src/reconcile/p4rt-switch.ts';
import { createLogger } from '../src/shared/log.ts';
import { ttyProgress } from '../src/reconcile/progress.ts';
import { commitDirectory } from '../src/source/commit-dir.ts';
import { planSize, type Plan } from '../src/diff/types.ts';
import type { SyncEvent } from '../src/report/events.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const flows = Number(arg('flows', '100000'));
const batch = Number(arg('batch', '1000'));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
sampler.unref();
const peakRss = () => Math.max(peak, process.resourceUsage().maxRSS * 1024);

async function main() {
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'} × ${cpus.length}, ${mib(os.totalmem())} MiB RAM, node ${process.version}, ${os.platform()} ${os.release()}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bench-'));
  const target = await startTarget({ address: '127.0.0.1:0', p4infoFile: path.join(P4_DIR, 'flowops_v1model.p4info.txtpb') });
  try {
    const address = `127.0.0.1:${target.port}`;
    let t = performance.now();
    const files = generateSpecs({ flows, target: { name: 'bench', address } });
    const src = path.join(work, 'specs');
    for (const [p, text] of files) {
      fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
      fs.writeFileSync(path.join(src, p), text);
    }
    const repo = path.join(work, 'repo');
    await commitDirectory(src, repo, 'bench');
    console.log(`generated ${flows} flows in ${files.size} files, committed in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const loaded = configFromObject(
      { repo: { path: repo }, http: { listen: '127.0.0.1:0' }, batch: { size: batch, maxBytes: 4 * 1024 * 1024 }, stateFile: path.join(work, 'state.json') },
      work,
    );
    // Compile time comes from the reconciler's own 'compiled' log line; warnings and errors go to stderr.
    let compileMs = 0;
    const logger = createLogger({
      level: 'info',
      sink: (line) => {
        const o = JSON.parse(line) as { level: string; msg: string; ms?: number };
        if (o.msg === 'compiled') compileMs = o.ms ?? 0;
        else if (o.level === 'warn' || o.level === 'error') process.stderr.write(line + '\n');
      },
    });
    const r = new Reconciler({ loaded, connect: p4rtSwitchFactory(), logger, progress: () => ttyProgress(process.stderr, 'bench: writing', 10_000) });

    const rows: string[][] = [['run', 'time', 'of it compile', 'written', 'updates/s', 'live entries', 'RSS after', 'peak RSS']];
    const run = async (label: string, fn: () => Promise<SyncEvent | undefined>) => {
      compileMs = 0;
      const t0 = performance.now();
      const ev = await fn();
      const secs = (performance.now() - t0) / 1000;
      const sw = ev?.switches[0];
      if (!sw) throw new Error(`${label}: no sync result`);
      if (!['Converged', 'Unchanged'].includes(sw.outcome)) throw new Error(`${label}: ${sw.outcome}: ${sw.error?.message}`);
      // updates/s counts the write phase only (time minus compile).
      const writeSecs = Math.max(0.001, secs - compileMs / 1000);
      const w = sw.written.inserted + sw.written.modified + sw.written.deleted;
      const live = sw.plan.unchanged + planSize(sw.plan as Plan);
      rows.push([label, `${secs.toFixed(2)} s`, compileMs ? `${(compileMs / 1000).toFixed(2)} s` : '-', `${w} (+${sw.written.inserted} ~${sw.written.modified} -${sw.written.deleted})`, w >= 1000 ? `${Math.round(w / writeSecs)}` : '-', String(live), `${mib(process.memoryUsage().rss)} MiB`, `${mib(peakRss())} MiB`]);
      console.log(`${label}: ${secs.toFixed(2)} s (compile ${(compileMs / 1000).toFixed(2)} s), ${sw.outcome}, written ${w}`);
    };

    await run('first full sync', () => r.sync('bench'));
    await run('no-op sync (read + diff)', () => r.sync('bench', { force: true }));

    const extra = generateSpecs({ flows, target: { name: 'bench', address }, extraFlow: true });
    for (const [p, text] of extra) {
      if (files.get(p) === text) continue;
      fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
      fs.writeFileSync(path.join(src, p), text);
    }
    const { commitFiles } = await import('./git-commit.ts');
    await commitFiles(repo, [...extra.keys()].filter((p) => files.get(p) !== extra.get(p)), src);
    await run('one-flow change (new commit)', () => r.sync('bench'));
    await r.stop();


    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    console.log('');
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i])).join('  '));
    console.log(`\n${flows} flows; batch ${batch} updates/request; target in-process (RSS includes it).`);
    console.log('time = fetch + compile (new commit only) + read + diff + write + read-back; updates/s over time minus compile.');
  } finally {
    clearInterval(sampler);
    await target.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
