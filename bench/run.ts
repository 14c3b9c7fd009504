// Side-by-side benchmark (`npm run bench`; ratios, not a timed test). Each
// flowops figure is printed next to a raw figure measured in the same run on
// the same kind of switch — the bundled target in its own process (`flowops
// target`), as a switch is — and the ratio, with the peak RSS of each process.
//
//   flowops (bench/reconcile-run.ts, a child process: the real Reconciler)
//     first full sync: compile, then the write phase
//     no-op sync (read + diff of every live entry)
//     one-flow change (new commit → converged)
//   raw (this process: a plain gRPC client, everything pre-encoded before timing,
//   against a fresh target B)
//     the same entity bytes as WriteRequests of --batch updates, one at a time
//     one wildcard Read of the same tables, split into entities, each looked
//     up in a Set of the desired bytes
//     the one-flow change's entities in one Write
//   compile cold: load + compile of the generated repo in this process, by stage
//   PR plan (bench/pr-plan.ts, a child process): the PR check of the same
//   size of repository, cold and then a one-file change with warm caches
//
//   npm run bench                       # 100k flows ≈ 1.01M entries
//   npm run bench -- --flows 10000      # quick run
//   --raw-in-flight N: the raw client's Writes in flight (default 1)
//   --no-pr: skip the PR plan phase
//   BENCH_PROFILE_NOOP=FILE: a CPU profile of the reconciler's no-op sync alone
//   BENCH_CHILD_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=prof': profile the reconciler
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSpecs, writeChange } from './generate.ts';
import { commitDirectory } from '../src/source/commit-dir.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { mib, ownPeakRss, ROOT, runChild, startTargetProcess } from './proc.ts';
import { compileRepo, entityBytes, rawRun, type RawFigures } from './raw.ts';
import type { ReconcileFigures } from './reconcile-run.ts';
import type { PrPlanFigures } from './pr-plan.ts';
import { arg, secs, ratio, printTable } from './cli.ts';

const flows = Number(arg('flows', '100000'));
const batch = Number(arg('batch', '1000'));

async function main() {
  const cpus = os.cpus();
  const machine = `${cpus[0]?.model ?? 'unknown cpu'} × ${cpus.length}, ${mib(os.totalmem())} RAM, node ${process.version}, ${os.platform()} ${os.release()}, load ${os.loadavg()[0].toFixed(1)}`;
  console.log(`machine: ${machine}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bench-'));
  try {
    // ---- flowops: the reconciler in its own process against target A
    const a = await startTargetProcess();
    let t = performance.now();
    const files = generateSpecs({ flows, target: { name: 'bench', address: a.address } });
    const src = path.join(work, 'specs');
    for (const [p, text] of files) {
      fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
      fs.writeFileSync(path.join(src, p), text);
    }
    const repo = path.join(work, 'repo');
    await commitDirectory(src, repo, 'bench');
    console.log(`generated ${flows} flows in ${files.size} files, committed in ${secs(performance.now() - t)}`);
    // The one-flow change's files, made here: generating 10^5 flows of YAML in
    // the reconciler's process would count in its peak RSS.
    const change = (extraFlow: string) => writeChange(files, { flows, target: { name: 'bench', address: a.address }, extraFlow }, path.join(work, `next-${extraFlow}`));
    const next = change('extra');
    const next2 = change('bench-two');
    let fo: ReconcileFigures & { peakRss: number };
    let targetA: number;
    try {
      fo = await runChild<ReconcileFigures>('bench/reconcile-run.ts', ['--flows', String(flows), '--address', a.address, '--repo', repo, '--src', src, '--next', next, '--next2', next2, '--work', work, '--batch', String(batch), '--target-pid', String(a.pid)]);
      targetA = a.peak();
    } finally {
      await a.stop();
    }

    // ---- raw: the same bytes through a plain gRPC client against target B
    const index = P4InfoIndex.fromFile(path.join(ROOT, 'p4/flowops_v1model.p4info.txtpb'));
    const stages: Record<string, number> = {};
    const before = compileRepo(files, index, stages);
    const after = compileRepo(generateSpecs({ flows, target: { name: 'bench', address: a.address }, extraFlow: true }), index);
    const old = entityBytes(before);
    const oldSet = new Set(old.map((b) => b.toString('latin1')));
    const delta = entityBytes(after).filter((b) => !oldSet.has(b.toString('latin1')));
    oldSet.clear();

    const b = await startTargetProcess();
    let raw: RawFigures;
    let targetB: number;
    try {
      raw = await rawRun({ address: b.address, deviceId: 1, targetPid: b.pid, index, after, old, delta, batch, inFlight: Number(arg('raw-in-flight', '1')) });
      targetB = b.peak();
    } finally {
      await b.stop();
    }

    const pr = process.argv.includes('--no-pr') ? undefined : await runChild<PrPlanFigures>('bench/pr-plan.ts', ['--flows', String(flows)]);

    const rows: string[][] = [['measure', 'flowops', 'raw (same switch)', 'ratio']];
        rows.push([`first full sync, write phase (${fo.written} updates)`, secs(fo.writeMs), secs(raw.writeMs), ratio(fo.writeMs, raw.writeMs)]);
    rows.push(['  CPU during it: client / target', `${fo.writeCpu.toFixed(2)} s / ${fo.writeTargetCpu.toFixed(2)} s`, `${raw.writeCpu.toFixed(2)} s / ${raw.writeTargetCpu.toFixed(2)} s`, ratio(fo.writeCpu + fo.writeTargetCpu, raw.writeCpu + raw.writeTargetCpu)]);
    rows.push(['  whole first sync (compile + read + diff + write + verify)', secs(fo.firstSyncMs), '', '']);
    rows.push([`no-op sync (read + diff of ${fo.entries})`, secs(fo.noopMs), `${secs(raw.readMs)} (read, split, Set lookup)`, ratio(fo.noopMs, raw.readMs)]);
    rows.push(['compile cold, in the reconciler (fetch + load + compile)', secs(fo.compileMs), '', '']);
    rows.push([`compile cold, stage alone (load ${secs(stages.load)})`, secs(stages.compile), '', '']);
    rows.push([`one-flow change, commit → converged (${fo.oneFlowWritten} written, ${fo.oneFlowPath})`, secs(fo.oneFlowMs), `${secs(raw.oneMs)} (one Write of ${delta.length})`, ratio(fo.oneFlowMs, raw.oneMs)]);
    rows.push([`push webhook → converged (${fo.webhookPath})`, secs(fo.webhookMs), '', '']);
    if (pr) {
      // The goal counts the whole check after the fetch: both trees read, then the plan.
      rows.push([`PR plan, cold, trees read + plan (${secs(pr.coldReadMs)} + ${secs(pr.coldPlanMs)}; ${pr.coldChanges} changes)`, secs(pr.coldReadMs + pr.coldPlanMs), '', '']);
      rows.push([`PR plan, one-file change, warm caches (${secs(pr.warmReadMs)} + ${secs(pr.warmPlanMs)}; ${pr.warmChanges} changes)`, secs(pr.warmReadMs + pr.warmPlanMs), '', '']);
      rows.push(['peak RSS, PR plan process', mib(pr.peakRss), '', '']);
    }
    rows.push(['peak RSS, client side', mib(fo.peakRss) + ' (reconciler)', mib(ownPeakRss()) + ' (raw client + compile)', '']);
    rows.push(['peak RSS, target process', mib(targetA), mib(targetB), '']);
    printTable(rows);
    console.log(`\n${flows} flows → ${after.entries.length} entries; batch ${batch} updates/Write; each target a \`flowops target\` process.`);
    console.log(`raw writes: pre-encoded WriteRequests, ${arg('raw-in-flight', '1')} in flight at a time (--raw-in-flight); flowops: up to 4 per dependency level.`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
