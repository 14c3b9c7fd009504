// The bundled target's side of the write phase alone: the same pre-encoded
// WriteRequests (flowops's entity bytes, batches of --batch updates, never
// straddling a dependency level) sent to a fresh `flowops target` process with
// --in-flight 1 and then 4 Writes in flight, and the target's CPU seconds for
// each. What concurrency costs the switch, apart from any client.
//
//   node --import tsx bench/target-write.ts [--flows 30000] [--batch 1000] [--in-flight 1,4]
//   BENCH_TARGET_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=prof': profile each target process
import grpc from '@grpc/grpc-js';
import os from 'node:os';
import path from 'node:path';
import { generateSpecs } from './generate.ts';
import { P4InfoIndex } from '../src/p4info/index.ts';
import { P4RuntimeClient } from '../src/p4rt/client.ts';
import { P4RuntimeGrpcClient, type P4RuntimeStub } from '../src/p4rt/service.ts';
import { encodeWriteRequest, type Update } from '../src/p4rt/messages.ts';
import { peekOwner } from '../src/p4info/entity-key.ts';
import { writeRank } from '../src/compile/order.ts';
import { ROOT, cpuSeconds, mib, startTargetProcess } from './proc.ts';
import { compileRepo, entityBytes } from './raw.ts';
import { arg, secs } from './cli.ts';

const flows = Number(arg('flows', '30000'));
const batch = Number(arg('batch', '1000'));
const inFlights = arg('in-flight', '1,4').split(',').map(Number);

function unary(stub: P4RuntimeStub, req: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stub.Write(req, new grpc.Metadata(), { deadline: Date.now() + 600_000 }, (err) => (err ? reject(err) : resolve())));
}

async function main() {
  console.log(`load ${os.loadavg()[0].toFixed(1)}`);
  const index = P4InfoIndex.fromFile(path.join(ROOT, 'p4/flowops_v1model.p4info.txtpb'));
  const state = compileRepo(generateSpecs({ flows, target: { name: 'bench', address: '127.0.0.1:9559' } }), index);
  const old = entityBytes(state);
  const head = { deviceId: 1n, electionId: 1n };
  const requests: { req: Buffer; level: number }[] = [];
  const levelOf = (e: Buffer) => {
    const owner = peekOwner(e)!;
    return writeRank(owner.kind, owner.kind === 'table_entry' ? index.table(owner.id).name : '');
  };
  for (let i = 0; i < old.length; ) {
    const level = levelOf(old[i]!);
    let j = i + 1;
    while (j < old.length && j - i < batch && levelOf(old[j]!) === level) j++;
    const ups: Update[] = old.slice(i, j).map((entity) => ({ type: 'INSERT', entity }));
    requests.push({ req: encodeWriteRequest(head, ups), level });
    i = j;
  }
  old.length = 0;
  const nodeOptions = (process.env.BENCH_TARGET_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  for (const inFlight of inFlights) {
    const t = await startTargetProcess(nodeOptions);
    const arb = new P4RuntimeClient({ address: t.address, deviceId: 1, electionId: 1n });
    await arb.connect();
    const stub = new P4RuntimeGrpcClient(t.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 1024 * 1024 * 1024 }) as unknown as P4RuntimeStub;
    try {
      const t0 = performance.now();
      const c0 = cpuSeconds(t.pid);
      // A sliding window within each level, as apply's writeInTiers sends.
      const pending = new Set<Promise<void>>();
      for (let i = 0; i < requests.length; i++) {
        if (i > 0 && requests[i]!.level !== requests[i - 1]!.level) await Promise.all(pending);
        while (pending.size >= inFlight) await Promise.race(pending);
        const p: Promise<void> = unary(stub, requests[i]!.req).finally(() => pending.delete(p));
        pending.add(p);
      }
      await Promise.all(pending);
      const ms = performance.now() - t0;
      console.log(`in flight ${inFlight}: ${requests.length} Writes in ${secs(ms)}, target CPU ${(cpuSeconds(t.pid) - c0).toFixed(2)} s, target peak RSS ${mib(t.peak())}, load ${os.loadavg()[0].toFixed(1)}`);
    } finally {
      stub.close();
      await arb.close();
      await t.stop();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
