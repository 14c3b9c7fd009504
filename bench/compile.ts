// Spec loading and compiling alone, stage by stage, without a switch: what a
// new commit costs before any P4Runtime traffic. Also times a second load of
// the same files with a warm SpecCache (a commit that changed one file).
//
//   node --import tsx bench/compile.ts [--flows 100000]
import os from 'node:os';
import path from 'node:path';
import { generateSpecs } from './generate.ts';
import { loadSpecs, SpecCache } from '../src/specs/load.ts';
import { checkSignatures } from '../src/specs/signature.ts';
import { compile, CompileCache } from '../src/compile/compile.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { P4_DIR } from '../src/desired/pipeline.ts';
import { arg } from './cli.ts';

const flows = Number(arg('flows', '100000'));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const sampler = setInterval(sample, 20);
sampler.unref();

const cpus = os.cpus();
console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'} × ${cpus.length}, ${mib(os.totalmem())} RAM, node ${process.version}`);
const text = generateSpecs({ flows, target: { name: 'bench', address: '127.0.0.1:9559' } });
const files = new Map<string, Buffer>([...text].map(([p, t]) => [p, Buffer.from(t)]));
text.clear();
const index = P4InfoIndex.fromFile(path.join(P4_DIR, 'flowops_v1model.p4info.txtpb'));
const now = new Date('2026-01-01T00:00:00Z');

// CPU time (user + system, GC threads included) beside wall time: on a shared
// machine the wall clock says more about the neighbours than about flowops.
const stage = <T>(label: string, fn: () => T): T => {
  const t = performance.now();
  const c = process.cpuUsage();
  const v = fn();
  sample();
  const cpu = process.cpuUsage(c);
  console.log(`${label.padEnd(22)} ${((performance.now() - t) / 1000).toFixed(2)} s (cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)   rss ${mib(process.memoryUsage().rss)}`);
  return v;
};
const t0 = performance.now();
const cache = new SpecCache();
const loaded = stage('load + checks', () => loadSpecs(files, { now, expired: 'drop', cache }));
if (loaded.errors.length) throw new Error(`${loaded.errors.length} spec errors, first: ${loaded.errors[0]!.message}`);
const sigErrors = stage('signatures', () => checkSignatures(loaded.specs, files));
if (sigErrors.length) throw new Error(`signature errors: ${sigErrors[0]!.message}`);
const compiled = new CompileCache();
const state = stage('compile', () => compile(loaded.specs, index, 'bench', { now, cache: compiled }));
console.log(`${'total'.padEnd(22)} ${((performance.now() - t0) / 1000).toFixed(2)} s   ${flows} flows → ${state.entries.length} entries, peak rss ${mib(peak)}`);

// A new commit adding one flow file: with the caches only that file is read
// and only its flow compiled.
const extra = generateSpecs({ flows, target: { name: 'bench', address: '127.0.0.1:9559' }, extraFlow: true });
const next = new Map(files);
for (const [p, t] of extra) if (!files.has(p)) next.set(p, Buffer.from(t));
extra.clear();
const again = stage('reload, 1 file added', () => loadSpecs(next, { now, expired: 'drop', cache }));
if (again.errors.length) throw new Error(`reload: ${again.errors[0]!.message}`);
console.log(`${''.padEnd(22)} cache: ${cache.hits} hits, ${cache.misses} misses; ${again.specs.flows.length} flows`);
const state2 = stage('compile again', () => compile(again.specs, index, 'bench', { now, cache: compiled }));
console.log(`${''.padEnd(22)} compile cache: ${compiled.hits} flows reused, ${compiled.misses} compiled; ${state2.entries.length} entries`);
console.log(`peak rss ${mib(peak)}`);
