// How fast plan() pairs 1M desired entries with 1M live ones, the size a
// Tofino's flow_classify holds. (a) a converged switch: nothing changes;
// (b) one flow's entry changed on the switch: one modify. Live entities are
// separate Buffers as the P4Runtime read path hands them over.
// Run: node --import tsx --expose-gc bench/diff.ts [count]
import { DesiredEntries } from '../src/compile/entries.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { encodeTableEntry, buildTableEntry, entityKey } from '../src/p4info/entity.ts';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { plan } from '../src/diff/plan.ts';
import { planDelta } from '../src/diff/delta.ts';
import { TABLES, MANAGED_TABLE_NAMES, MANAGED_PROFILE_NAMES } from '../src/compile/tables.ts';
import type { DesiredEntry, DesiredState, Origin } from '../src/compile/types.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const index = P4InfoIndex.fromFile(path.join(here, '../p4/flowops_v1model.p4info.txtpb'));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = () => (process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers) / 2 ** 20;

function entry(i: number, flowId = i + 1): Buffer {
  // Distinct keys: tenant × src × port spread over i.
  return encodeTableEntry(
    buildTableEntry(index, {
      table: TABLES.flowClassify.name,
      match: { tenant_id: 1 + (i >>> 20), src_service: 1 + ((i >>> 8) & 0xfff), dst_service: 7, ip_proto: 6, l4_dst_port: 1 + (i & 0xff) },
      action: { name: TABLES.flowClassify.actions.setFlow.name, params: { flow_id: flowId } },
    }),
  );
}

const origin: Origin = { kind: 'flow', name: 'bench/flow', file: 'bench.yaml', line: 1 };
let t0 = performance.now();
const entries: DesiredEntry[] = new Array(N);
for (let i = 0; i < N; i++) {
  const bytes = entry(i);
  entries[i] = { kind: 'table_entry', table: TABLES.flowClassify.name, key: entityKey(bytes), bytes, origin };
}
const desired: DesiredState = {
  target: 'bench',
  entries: DesiredEntries.from(entries),
  managedTableIds: MANAGED_TABLE_NAMES.map((n) => index.table(n).id),
  managedProfileIds: MANAGED_PROFILE_NAMES.map((n) => index.actionProfile(n).id),
};
// Live bytes are copies, as a read from the switch would give.
const live = entries.map((e) => Buffer.from(e.bytes));
console.log(`synthesised ${N} desired + ${N} live entries in ${(performance.now() - t0).toFixed(0)} ms`);

function run(label: string, liveSet: Buffer[]): void {
  gc();
  const before = mb();
  t0 = performance.now();
  const p = plan(desired, liveSet, { index });
  const ms = performance.now() - t0;
  const after = mb();
  console.log(
    `${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  heap +${(after - before).toFixed(0)} MB  ` +
      `(${p.inserts.length} insert, ${p.modifies.length} modify, ${p.deletes.length} delete, ${p.unchanged} unchanged)`,
  );
}

run('(a) converged', live);
const changed: Buffer[] = live.slice();
changed[N >> 1] = entry(N >> 1, 0xdeadbeef);
run('(b) one changed flow', changed);
// (c) the reconciler's delta path: the previous commit's desired state against the next one's, no switch.
const nextEntries = entries.slice();
nextEntries[N >> 1] = { ...entries[N >> 1], bytes: entry(N >> 1, 0xdeadbeef) };
const next: DesiredState = { ...desired, entries: DesiredEntries.from(nextEntries) };
gc();
t0 = performance.now();
const dp = planDelta(desired, next);
console.log(`${'(c) delta, one changed flow'.padEnd(28)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  (${dp.inserts.length} insert, ${dp.modifies.length} modify, ${dp.deletes.length} delete, ${dp.unchanged} unchanged)`);
console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
t0 = performance.now();
planDelta(desired, next);
console.log(`${'(c) delta, again (warm)'.padEnd(28)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
