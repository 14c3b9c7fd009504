// desiredState of a tree, then of the same tree with one flow file added, with
// one DesiredCache (what the reconciler and PrChecker keep): the cost of a
// one-file change in the desired stage alone. The previous result is held
// while the next is made, as the reconciler holds desired(old) for the delta;
// each line says the garbage collections in the step and the RSS after it.
//
//   node --import tsx bench/desired-warm.ts [--flows 30000] [--steps 2]
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { generateSpecs } from './generate.ts';
import { DesiredCache, desiredState } from '../src/desired/desired.ts';
import type { DesiredSet } from '../src/desired/types.ts';
import type { SpecTree } from '../src/source/spec-tree.ts';
import { arg, secs } from './cli.ts';
import { mib, ownPeakRss, resetOwnPeakRss } from './proc.ts';

const flows = Number(arg('flows', '30000'));
const steps = Number(arg('steps', '2'));
const target = { name: 'bench', address: '127.0.0.1:9559' };
const toTree = (m: Map<string, string>, commit: string): SpecTree => ({
  commit, label: commit, root: '', links: [],
  files: new Map([...m].map(([p, t]) => [p, Buffer.from(t)])),
});
const base = toTree(generateSpecs({ flows, target }), 'c0');
// Unchanged files are the very Buffers of the tree before, as source/tree.ts's BlobCache hands them back.
const withExtra = (name: string, commit: string): SpecTree => {
  const t = toTree(generateSpecs({ flows, target, extraFlow: name }), commit);
  for (const [p, b] of t.files) {
    const had = base.files.get(p);
    if (had && had.equals(b)) t.files.set(p, had);
  }
  return t;
};
const now = new Date('2026-01-01T00:00:00Z');
const cache = new DesiredCache();

const gc = { major: 0, majorMs: 0, minor: 0, minorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail: { kind: number } }).detail.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.major++;
      gc.majorMs += e.duration;
    } else {
      gc.minor++;
      gc.minorMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });
const tick = () => new Promise((r) => setImmediate(r));

let held: DesiredSet | undefined;
const run = async (label: string, tree: SpecTree) => {
  await tick();
  Object.assign(gc, { major: 0, majorMs: 0, minor: 0, minorMs: 0 });
  const windowed = resetOwnPeakRss();
  const t = performance.now();
  const c = process.cpuUsage();
  if (profile && label !== 'cold') await profile.post('Profiler.start');
  const set = desiredState(tree, { now, cache });
  const cpu = process.cpuUsage(c);
  if (profile && label !== 'cold') profiles.push((await profile.post('Profiler.stop')).profile);
  const ms = performance.now() - t;
  await tick(); // GC entries are delivered asynchronously
  if (set.problems.length) throw new Error(`${label}: ${set.problems[0]!.message}`);
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  console.log(
    `${label.padEnd(28)} ${secs(ms)} (cpu ${secs((cpu.user + cpu.system) / 1000)})  ${set.states.get('bench')!.entries.length} entries, ${cache.lastPath}; ` +
      `gc: ${gc.major} major ${secs(gc.majorMs)}, ${gc.minor} minor ${secs(gc.minorMs)}; rss ${mib(rss)} (heap ${mib(heapUsed)}, array buffers ${mib(arrayBuffers)})${windowed ? `, peak ${mib(ownPeakRss())}` : ''}`,
  );
  held = set; // desired(old) for the next step, as the reconciler keeps it
};
// BENCH_PROFILE=FILE: a CPU profile of the warm desiredState calls alone (FILE, FILE.2, … per step).
const profile = process.env.BENCH_PROFILE ? new inspector.Session() : undefined;
const profiles: object[] = [];
if (profile) {
  profile.connect();
  await profile.post('Profiler.enable');
  await profile.post('Profiler.setSamplingInterval', { interval: 100 });
}
await run('cold', base);
for (let i = 1; i <= steps; i++) await run(`file ${i} added (warm)`, withExtra(`x${i}`, `c${i}`));
profiles.forEach((p, i) => fs.writeFileSync(process.env.BENCH_PROFILE! + (i ? `.${i + 1}` : ''), JSON.stringify(p)));
void held;
