// The BMv2 harness itself: a switch per test on free ports, a pipeline pushed
// over P4Runtime, a frame forwarded and one dropped over the gRPC dataplane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildTableEntry, encodeTableEntry } from '../../src/p4info/entity.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { startBmv2 } from '../helpers/bmv2.ts';
import { buildFrame, layer, parseFrame } from '../helpers/packets.ts';
import { compileV1model, peerSkip } from '../helpers/peers.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

test('BMv2 harness: start on free ports, push a program, forward one frame, drop another, stop', peerSkip('p4c-bm2-ss', 'simple_switch_grpc'), async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-harness-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const compiled = await compileV1model(path.join(HERE, 'fixtures/forward.p4'), tmp);
  const [a, b] = await Promise.all([startBmv2(), startBmv2()]);
  t.after(() => Promise.all([a.stop(), b.stop()]));
  assert.notEqual(a.p4rtAddr, b.p4rtAddr, 'each switch has its own ports');

  const p4info = loadP4InfoFile(compiled.p4info);
  const index = P4InfoIndex.fromP4Info(p4info);
  const client = new P4RuntimeClient({ address: a.p4rtAddr, deviceId: a.deviceId, electionId: 1n });
  t.after(() => client.close());
  assert.equal((await client.connect()).primary, true);
  await client.setPipeline({ p4info, deviceConfig: fs.readFileSync(compiled.out) });
  const entry = buildTableEntry(index, { table: 'Ing.fwd', match: { ingress_port: 1 }, action: { name: 'Ing.to_port', params: { port: 7 } } });
  await client.write([{ type: 'INSERT', entity: encodeTableEntry(entry) }]);

  const dp = await a.dataplane();
  const frame = buildFrame([
    { kind: 'eth', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' },
    { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
    { kind: 'udp', sport: 1000, dport: 2000 },
    { kind: 'raw', data: Buffer.from('hello') },
  ]);
  const out = await dp.sendAndCollect(1, frame);
  assert.equal(out.length, 1, a.log());
  assert.equal(out[0].port, 7);
  assert.deepEqual(out[0].frame, frame, 'forwarded unchanged');
  assert.equal(layer(parseFrame(out[0].frame), 'udp')?.dport, 2000);
  assert.deepEqual(await dp.sendAndCollect(2, frame, 'drop'), [], 'no entry for port 2: dropped');
  // A switch without a program refuses packets; the harness says so instead of reporting a drop.
  const dpB = await b.dataplane();
  await assert.rejects(dpB.sendAndCollect(1, frame, 'drop'), /PacketStream failed: .*not ready/);
});
