// The reconciler's switch-side work without a switch, in one process: a first
// sync's plan (every entry an insert) and its steps and Write requests
// (applyPlan against a session that acknowledges every Write and keeps
// nothing), then a no-op sync's read and diff (ReadResponse messages of
// stamped entities, as a switch answers, collected the way the reconciler
// collects a wildcard Read, then planned). Heap figures are heapUsed +
// arrayBuffers after a forced GC, so they are what each stage keeps.
//
//   node --import tsx --expose-gc bench/plan-steps.ts [--flows 30000]
import path from 'node:path';
import { generateSpecs } from './generate.ts';
import { arg, secs } from './cli.ts';
import { loadSpecs } from '../src/specs/load.ts';
import { compile } from '../src/compile/compile.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { P4_DIR } from '../src/desired/pipeline.ts';
import { plan } from '../src/diff/plan.ts';
import { applyPlan } from '../src/apply/apply.ts';
import type { EntityRpc } from '../src/apply/session.ts';
import { encodeProvenance, withMetadata } from '../src/provenance/metadata.ts';
import { joinRepeated, splitRepeated } from '../src/p4info/wire.ts';
import { withoutEmptyMeter } from '../src/p4info/entity-meter.ts';

const flows = Number(arg('flows', '30000'));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heap = () => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const text = generateSpecs({ flows, target: { name: 'bench', address: '127.0.0.1:9559' } });
const files = new Map<string, Buffer>([...text].map(([p, t]) => [p, Buffer.from(t)]));
text.clear();
const index = P4InfoIndex.fromFile(path.join(P4_DIR, 'flowops_v1model.p4info.txtpb'));
const now = new Date('2026-01-01T00:00:00Z');
const loaded = loadSpecs(files, { now, expired: 'drop' });
if (loaded.errors.length) throw new Error(loaded.errors[0]!.message);
const desired = compile(loaded.specs, index, 'bench', { now });
files.clear();
const n = desired.entries.length;
console.log(`${flows} flows → ${n} entries`);

const h0 = heap();
let t = performance.now();
let c = cpu();
const first = plan(desired, [], { index });
const planMs = performance.now() - t;
const planCpu = cpu() - c;
const h1 = heap();
console.log(`first sync plan (${first.inserts.length} inserts)     ${secs(planMs).padStart(8)}  cpu ${secs(planCpu)}  keeps ${mib(h1 - h0)} = ${((h1 - h0) / n).toFixed(0)} B/entry`);

// Steps and requests: what applyPlan holds while the first Write is out, and its time to send them all.
let during = 0;
let writes = 0;
const session: EntityRpc = {
  write: async () => {
    if (writes++ === 0) during = heap();
    return { ok: true };
  },
  read: async () => [],
};
t = performance.now();
c = cpu();
const r = await applyPlan(session, first, { limits: { size: 1000, maxBytes: 3 << 20 }, provenance: { commit: '0123456789abcdef' } });
const applyMs = performance.now() - t;
const applyCpu = cpu() - c;
if (!r.ok || r.written.inserted !== n) throw new Error('apply did not write every entry');
console.log(`steps + ${writes} requests (applyPlan)   ${secs(applyMs - 0).padStart(8)}  cpu ${secs(applyCpu)}  keeps ${mib(during - h1)} = ${((during - h1) / n).toFixed(0)} B/entry while writing`);

// The switch's answer to a wildcard Read: stamped entities in ~4 MB ReadResponses.
const records = new Map<string, Buffer>();
const stamped: Buffer[] = [];
for (let k = 0; k < n; k++) {
  const i = desired.entries.order[k];
  const o = desired.entries.originOf(i);
  let rec = records.get(o.name);
  if (!rec) records.set(o.name, (rec = encodeProvenance(o, '0123456789abcdef')));
  stamped.push(desired.entries.kindOf(i) === 'table_entry' ? withMetadata(desired.entries.bytesOf(i), rec) : desired.entries.bytesOf(i));
}
const messages: Buffer[] = [];
for (let k = 0; k < stamped.length; k += 40000) messages.push(joinRepeated(1, stamped.slice(k, k + 40000)));
stamped.length = 0;

// Collected as the reconciler does: the arena where this code has one (p4info/entity-list.ts), else a view per entity.
const arena = await import('../src/p4info/entity-list.ts').catch(() => undefined);
const h2 = heap();
t = performance.now();
c = cpu();
let live: readonly Buffer[];
if (arena) {
  const b = new arena.EntityListBuilder();
  for (const m of messages) b.addResponse(m);
  live = b.seal().asArray();
} else {
  const views: Buffer[] = [];
  for (const m of messages) for (const e of splitRepeated(m, 1)) views.push(withoutEmptyMeter(e));
  live = views;
}
const readMs = performance.now() - t;
const readCpu = cpu() - c;
const h3 = heap();
t = performance.now();
c = cpu();
const noop = plan(desired, live, { index });
const diffMs = performance.now() - t;
const diffCpu = cpu() - c;
if (noop.unchanged !== n) throw new Error(`no-op plan: ${noop.unchanged} unchanged of ${n}`);
console.log(`no-op: collect the read (${arena ? 'arena' : 'views'})     ${secs(readMs).padStart(8)}  cpu ${secs(readCpu)}  keeps ${mib(h3 - h2)} beside the messages = ${((h3 - h2) / n).toFixed(0)} B/entry`);
console.log(`no-op: diff                         ${secs(diffMs).padStart(8)}  cpu ${secs(diffCpu)}`);
console.log(`rss ${mib(process.memoryUsage().rss)}`);
