// verify alone over a compiled desired state (issue 13: the PR check's
// biggest single cost): cold over the base, then over a head that adds one
// flow file (what a warm PR check verifies), then the base again.
//
//   node --import tsx bench/verify.ts [--flows 100000]
import path from 'node:path';
import { generateSpecs } from './generate.ts';
import { loadSpecs, SpecCache } from '../src/specs/load.ts';
import { compile, CompileCache } from '../src/compile/compile.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { P4_DIR } from '../src/desired/pipeline.ts';
import { factsFor } from '../src/verify/facts.ts';
import { verifyEntries } from '../src/verify/verify.ts';
import { lastStats } from '../src/verify/state.ts';
import os from 'node:os';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const flows = Number(arg('flows', '100000'));
const target = { name: 'bench', address: '127.0.0.1:9559' };
const index = P4InfoIndex.fromFile(path.join(P4_DIR, 'flowops_v1model.p4info.txtpb'));
const now = new Date('2026-01-01T00:00:00Z');
const cache = new SpecCache();
const compiled = new CompileCache();
const build = (extraFlow?: string) => {
  const files = new Map([...generateSpecs({ flows, target, extraFlow })].map(([p, t]) => [p, Buffer.from(t)]));
  const loaded = loadSpecs(files, { now, expired: 'drop', cache });
  if (loaded.errors.length) throw new Error(loaded.errors[0]!.message);
  return { specs: loaded.specs, state: compile(loaded.specs, index, 'bench', { now, cache: compiled }) };
};
const base = build();
const head = build('pr-one');
const stage = (label: string, x: ReturnType<typeof build>) => {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = verifyEntries("bench", x.state.entries, index, factsFor(x.specs, 'bench'));
  const cpu = process.cpuUsage(c);
  console.log(`${label.padEnd(16)} ${((performance.now() - t) / 1000).toFixed(2)} s (cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)  ${x.state.entries.length} entries, ${r.findings.length} findings, ${JSON.stringify(lastStats.get('bench'))}, load ${os.loadavg()[0]!.toFixed(2)}`);
};
stage('base (cold)', base);
stage('head (+1 file)', head);
stage('base again', base);
