// The side-by-side bench on the reference switch (`npm run bench:bmv2`):
// BMv2 simple_switch_grpc running flowops's own v1model program, compiled by
// p4c in this run. The real Reconciler (bench/reconcile-run.ts, its own
// process) converges a generated repo onto one BMv2 — pushing the pipeline,
// then writing every entry — and a plain gRPC client (bench/raw.ts) writes the
// same entity bytes onto a second, fresh BMv2 and reads them back once.
//
//   npm run bench:bmv2                     # 100k flows ≈ 1.01M entries
//   npm run bench:bmv2 -- --flows 10000    # quick run
//
// Needs the real tools: FLOWOPS_PEERS_BIN=<bin folder of ../shared/peers/setup.sh>.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSpecs, writeChange } from './generate.ts';
import { commitDirectory } from '../src/source/commit-dir.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { packPipeline } from '../src/pipeline/pack.ts';
import { mib, ownPeakRss, peakRss, ROOT, runChild } from './proc.ts';
import { compileRepo, entityBytes, rawRun } from './raw.ts';
import type { ReconcileFigures } from './reconcile-run.ts';
import { startBmv2 } from '../test/helpers/bmv2.ts';
import { compileV1model, peerTool } from '../test/helpers/peers.ts';
import { arg, secs, ratio, printTable } from './cli.ts';

const flows = Number(arg('flows', '100000'));
const batch = Number(arg('batch', '1000'));
const P4INFO = 'build/flowops_v1model.p4info.txtpb';
const JSON_CONFIG = 'build/flowops_v1model.json';

async function main() {
  for (const tool of ['p4c-bm2-ss', 'simple_switch_grpc'] as const) {
    const t = peerTool(tool);
    if ('skip' in t) throw new Error(`bench:bmv2 needs ${tool}: ${t.skip}`);
  }
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'} × ${cpus.length}, ${mib(os.totalmem())} RAM, node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bench-bmv2-'));
  try {
    let t = performance.now();
    const c = await compileV1model(path.join(ROOT, 'p4/flowops_v1model.p4'), work);
    console.log(`p4c-bm2-ss compiled p4/flowops_v1model.p4 in ${secs(performance.now() - t)}`);

    // ---- flowops: the reconciler in its own process against BMv2 A
    const a = await startBmv2({ deviceId: 1 });
    let fo: ReconcileFigures & { peakRss: number };
    let switchA: number;
    const target = (address: string) => ({ name: 'bench', address, deviceId: 1, pipeline: { p4info: P4INFO, deviceConfig: JSON_CONFIG } });
    let files: Map<string, string>;
    try {
      t = performance.now();
      files = generateSpecs({ flows, target: target(a.p4rtAddr) });
      const src = path.join(work, 'specs');
      for (const [p, text] of files) {
        fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
        fs.writeFileSync(path.join(src, p), text);
      }
      fs.mkdirSync(path.join(src, 'build'));
      fs.copyFileSync(c.p4info, path.join(src, P4INFO));
      fs.copyFileSync(c.out, path.join(src, JSON_CONFIG));
      const repo = path.join(work, 'repo');
      await commitDirectory(src, repo, 'bench');
      console.log(`generated ${flows} flows in ${files.size} files, committed in ${secs(performance.now() - t)}`);
      // The one-flow changes' files, made here (not in the reconciler's process, whose peak RSS is measured).
      const change = (extraFlow: string) => writeChange(files, { flows, target: target(a.p4rtAddr), extraFlow }, path.join(work, `next-${extraFlow}`));
      const next = change('extra');
      const next2 = change('bench-two');
      fo = await runChild<ReconcileFigures>('bench/reconcile-run.ts', ['--flows', String(flows), '--address', a.p4rtAddr, '--repo', repo, '--src', src, '--next', next, '--next2', next2, '--work', work, '--batch', String(batch), '--target-pid', String(a.pid)]);
      switchA = peakRss(a.pid);
    } finally {
      await a.stop();
    }

    // ---- raw: the same bytes through a plain gRPC client against BMv2 B
    const index = P4InfoIndex.fromFile(c.p4info);
    const before = compileRepo(files, index);
    const after = compileRepo(generateSpecs({ flows, target: target(a.p4rtAddr), extraFlow: true }), index);
    const old = entityBytes(before);
    const oldSet = new Set(old.map((x) => x.toString('latin1')));
    const delta = entityBytes(after).filter((x) => !oldSet.has(x.toString('latin1')));
    oldSet.clear();
    const pipe = packPipeline(c.p4info, { arch: 'bmv2', bmv2Json: c.out });
    const b = await startBmv2({ deviceId: 1 });
    let raw;
    let switchB: number;
    try {
      raw = await rawRun({ address: b.p4rtAddr, deviceId: 1, targetPid: b.pid, index, after, old, delta, batch, inFlight: 1, pipeline: { p4info: pipe.p4info, deviceConfig: pipe.deviceConfig, cookie: pipe.cookie } });
      switchB = peakRss(b.pid);
    } finally {
      await b.stop();
    }

    const syncNoCompile = fo.firstSyncMs - fo.compileMs;
    const rows: string[][] = [['measure (BMv2 simple_switch_grpc)', 'flowops', 'raw (same switch)', 'ratio']];
    rows.push([`first full sync, write phase (${fo.written} updates)`, secs(fo.writeMs), secs(raw.writeMs) + ' (writes)', ratio(fo.writeMs, raw.writeMs)]);
    rows.push(['  CPU during it: client / switch', `${fo.writeCpu.toFixed(2)} s / ${fo.writeTargetCpu.toFixed(2)} s`, `${raw.writeCpu.toFixed(2)} s / ${raw.writeTargetCpu.toFixed(2)} s`, ratio(fo.writeCpu + fo.writeTargetCpu, raw.writeCpu + raw.writeTargetCpu)]);
    const rawSync = raw.pipelineMs + raw.writeMs + raw.readMs;
    rows.push(['first full sync without compile (connect, pipeline push, read, diff, write, verify)', secs(syncNoCompile), `${secs(rawSync)} (pipeline push ${secs(raw.pipelineMs)} + writes + one read)`, ratio(syncNoCompile, rawSync)]);
    rows.push([`no-op sync (read + diff of ${fo.entries})`, secs(fo.noopMs), `${secs(raw.readMs)} (read, split, Set lookup)`, ratio(fo.noopMs, raw.readMs)]);
    rows.push(['compile cold, in the reconciler (fetch + load + compile)', secs(fo.compileMs), '', '']);
    rows.push([`one-flow change, commit → converged (${fo.oneFlowWritten} written, ${fo.oneFlowPath})`, secs(fo.oneFlowMs), `${secs(raw.oneMs)} (one Write of ${delta.length})`, ratio(fo.oneFlowMs, raw.oneMs)]);
    rows.push([`push webhook → converged (${fo.webhookPath})`, secs(fo.webhookMs), '', '']);
    rows.push(['peak RSS, client side', mib(fo.peakRss) + ' (reconciler)', mib(ownPeakRss()) + ' (raw client + compile)', '']);
    rows.push(['peak RSS, simple_switch_grpc', mib(switchA), mib(switchB), '']);
    printTable(rows);
    console.log(`\n${flows} flows → ${after.entries.length} entries; batch ${batch} updates/Write; raw writes one at a time.`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
