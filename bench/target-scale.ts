// Scale check of the bundled target (not a timed test): N entries written
// over gRPC in batches, heap held by the stored state after GC, and a
// wildcard Read of everything with the largest response message.
//
//   node --expose-gc --import tsx bench/target-scale.ts [--entries 1000000] [--batch 5000]
import { startTarget } from '../src/target/server.ts';
import { protoType } from '../src/proto/load.ts';
import { TestClient, p4infoBytes, tableEntry, exact, action, b, T_BIG, A_SET } from '../test/target/fixture.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const n = arg('entries', 1_000_000);
const batch = arg('batch', 5000);
const mib = (x: number) => (x / 1048576).toFixed(0);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function main() {
  const target = await startTarget();
  target.state.preload(p4infoBytes());
  const c = new TestClient(target.address, 1, 1);
  const s = c.arbitrate();
  await s.latestCode(1);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const Entity = protoType('p4.v1.Entity');
  let t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const updates: Array<['INSERT', object]> = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const k = Buffer.alloc(4);
      k.writeUInt32BE(j + 1);
      updates.push(['INSERT', Entity.toObject(Entity.fromObject(tableEntry(T_BIG, [exact(1, k)], action(A_SET, b(j & 0xff, 1)))))]);
    }
    await c.writeOk(updates);
  }
  const writeMs = performance.now() - t0;
  gc();
  const heap = process.memoryUsage().heapUsed - heap0;
  t0 = performance.now();
  const chunks = await c.readRaw([{ table_entry: { table_id: 0 } }]);
  const readMs = performance.now() - t0;
  const max = Math.max(...chunks.map((x) => x.length));
  console.log(`entries ${n}: write ${(writeMs / 1000).toFixed(1)} s (${Math.round(n / (writeMs / 1000))}/s, batches of ${batch})`);
  console.log(`stored state: ${mib(heap)} MiB heap (${Math.round(heap / n)} B/entry), rss ${mib(process.memoryUsage().rss)} MiB`);
  console.log(`wildcard read: ${(readMs / 1000).toFixed(2)} s, ${chunks.length} messages, largest ${mib(max)} MiB (${max} B)`);
  s.end();
  c.close();
  await target.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
