// desiredState of a tree, then of the same tree with one flow file added, with
// one DesiredCache (what the reconciler and PrChecker keep): the cost of a
// one-file change in the desired stage alone.
//
//   node --import tsx bench/desired-warm.ts [--flows 30000]
import { generateSpecs } from './generate.ts';
import { DesiredCache, desiredState } from '../src/desired/desired.ts';
import type { SpecTree } from '../src/source/spec-tree.ts';
import { arg, secs } from './cli.ts';

const flows = Number(arg('flows', '30000'));
const target = { name: 'bench', address: '127.0.0.1:9559' };
const toTree = (m: Map<string, string>, commit: string): SpecTree => ({
  commit, label: commit, root: '', links: [],
  files: new Map([...m].map(([p, t]) => [p, Buffer.from(t)])),
});
const base = toTree(generateSpecs({ flows, target }), 'c0');
const head = toTree(generateSpecs({ flows, target, extraFlow: 'one' }), 'c1');
const head2 = toTree(generateSpecs({ flows, target, extraFlow: 'two' }), 'c2');
const now = new Date('2026-01-01T00:00:00Z');
const cache = new DesiredCache();
const run = (label: string, tree: SpecTree) => {
  const t = performance.now();
  const c = process.cpuUsage();
  const set = desiredState(tree, { now, cache });
  const cpu = process.cpuUsage(c);
  if (set.problems.length) throw new Error(`${label}: ${set.problems[0]!.message}`);
  console.log(`${label.padEnd(28)} ${secs(performance.now() - t)} (cpu ${secs((cpu.user + cpu.system) / 1000)})  ${set.states.get('bench')!.entries.length} entries, ${cache.lastPath}`);
};
run('cold', base);
run('one file added (warm)', head);
run('another file added (warm)', head2);
