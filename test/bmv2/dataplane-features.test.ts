// VXLAN underlay, IPsec and port ranges on a real BMv2: p4/flowops_v1model.p4
// compiled by p4c, the example repository's leaf1 compiled by flowops and
// written over P4Runtime, packets sent through BMv2's gRPC dataplane.
// Example repo facts used here (flows-example-repo/): acme is VLAN 101 on
// access ports 3-5 and VNI 10101; leaf1's underlay port is 30; acme's default
// route leaves on port 1; branch-gateways (10.1.240.0/24) may reach search
// (10.1.5.0/24) on tcp 1024-65535 and vpn-gateway (10.1.241.1) with ESP,
// steered to acme's ipsec instances vpn-a (port 24) and vpn-b (port 25).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { compile } from '../../src/compile/compile.ts';
import { writeRank } from '../../src/compile/order.ts';
import type { DesiredEntry } from '../../src/compile/types.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { startBmv2, type Bmv2, type Dataplane } from '../helpers/bmv2.ts';
import { buildFrame, layer, parseFrame, type Layer } from '../helpers/packets.ts';
import { compileV1model, peerSkip, type Compiled } from '../helpers/peers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(ROOT, 'flows-example-repo');
const NOW = new Date('2026-06-01T00:00:00Z');
const ACCESS = 3;
const UNDERLAY = 30;
const ROUTE_PORT = 1;
const IPSEC_PORTS = [24, 25];

function exampleFiles(edit?: (files: Map<string, Buffer>) => void): Map<string, Buffer> {
  const files = readSpecDir(EXAMPLE);
  edit?.(files);
  return files;
}

function leaf1(index: P4InfoIndex, files: Map<string, Buffer>): DesiredEntry[] {
  const { specs, errors } = loadSpecs(files, { now: NOW, expired: 'drop' });
  assert.deepEqual(errors.map((e) => e.toString()), []);
  return [...compile(specs, index, 'leaf1', { now: NOW }).entries];
}

/** Writes `entries` (INSERT, or MODIFY where `old` has the key with other bytes), one Write per rank, dependencies first. */
async function converge(client: P4RuntimeClient, entries: DesiredEntry[], old: DesiredEntry[] = []): Promise<number> {
  const before = new Map(old.map((e) => [e.key, e.bytes]));
  const byRank = new Map<number, { type: 'INSERT' | 'MODIFY'; entity: Buffer }[]>();
  for (const e of entries) {
    const prev = before.get(e.key);
    if (prev?.equals(e.bytes)) continue;
    const r = writeRank(e.kind, e.table);
    (byRank.get(r) ?? byRank.set(r, []).get(r)!).push({ type: prev ? 'MODIFY' : 'INSERT', entity: e.bytes });
  }
  let n = 0;
  for (const r of [...byRank.keys()].sort((a, b) => a - b)) {
    await client.write(byRank.get(r)!);
    n += byRank.get(r)!.length;
  }
  return n;
}

const ETH: Layer = { kind: 'eth', dst: '02:00:00:00:00:fe', src: '02:00:00:01:aa:01' };
const tagged = (...l3: Layer[]): Buffer => buildFrame([ETH, { kind: 'vlan', vid: 101 }, ...l3]);
const vxlan = (vni: number, ...inner: Layer[]): Buffer =>
  buildFrame([
    { kind: 'eth', dst: '02:00:00:00:01:02', src: '02:00:00:00:01:01' },
    { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
    { kind: 'udp', sport: 49152, dport: 4789 },
    { kind: 'vxlan', vni },
    { kind: 'eth', dst: '02:00:00:00:00:fe', src: '02:00:00:01:aa:01' },
    ...inner,
  ]);
const toSearch = (dport: number): Layer[] => [{ kind: 'ipv4', src: '10.1.240.5', dst: '10.1.5.9' }, { kind: 'tcp', sport: 40000, dport }];
const esp = (spi: number, seq = 1): Layer[] => [{ kind: 'ipv4', src: '10.1.240.5', dst: '10.1.241.1' }, { kind: 'esp', spi, seq }];

interface Rig {
  sw: Bmv2;
  client: P4RuntimeClient;
  dp: Dataplane;
  index: P4InfoIndex;
  entries: DesiredEntry[];
}

async function rig(compiled: Compiled): Promise<Rig> {
  const sw = await startBmv2();
  const p4info = loadP4InfoFile(compiled.p4info);
  const index = P4InfoIndex.fromP4Info(p4info);
  const client = new P4RuntimeClient({ address: sw.p4rtAddr, deviceId: sw.deviceId, electionId: 1n });
  assert.equal((await client.connect()).primary, true);
  await client.setPipeline({ p4info, deviceConfig: fs.readFileSync(compiled.out) });
  const entries = leaf1(index, exampleFiles());
  await converge(client, entries);
  return { sw, client, dp: await sw.dataplane(), index, entries };
}

async function stopRig(r: Rig | undefined): Promise<void> {
  if (!r) return;
  r.client.close();
  await r.sw.stop();
}

describe('BMv2: VXLAN underlay, IPsec by SPI, port ranges in TCAM', peerSkip('p4c-bm2-ss', 'simple_switch_grpc'), () => {
  let tmp: string;
  let compiled: Compiled;
  let r: Rig;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-features-'));
    compiled = await compileV1model(path.join(ROOT, 'p4/flowops_v1model.p4'), tmp);
    r = await rig(compiled);
  });
  after(async () => {
    await stopRig(r);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('VXLAN on the underlay port: an allowed inner flow is forwarded by the inner destination, unchanged inside', async () => {
    const frame = vxlan(10101, ...toSearch(8080));
    const out = await r.dp.sendAndCollect(UNDERLAY, frame);
    assert.equal(out.length, 1, r.sw.log().slice(-3000));
    assert.equal(out[0].port, ROUTE_PORT);
    const p = parseFrame(out[0].frame);
    assert.equal(layer(p, 'eth')?.dst, '02:00:00:01:00:01', 'outer next hop MAC of the route');
    assert.equal(layer(p, 'vxlan')?.vni, 10101);
    assert.deepEqual(out[0].frame.subarray(14), frame.subarray(14), 'everything after the outer Ethernet header as sent');
  });

  it('VXLAN: a denied inner flow, an unknown VNI, and the VNI on an access port are dropped', async () => {
    assert.deepEqual(await r.dp.sendAndCollect(UNDERLAY, vxlan(10101, ...toSearch(80)), 'drop'), [], 'inner tcp/80 is no flow');
    assert.deepEqual(await r.dp.sendAndCollect(UNDERLAY, vxlan(999, ...toSearch(8080)), 'drop'), [], 'unknown VNI');
    assert.deepEqual(await r.dp.sendAndCollect(ACCESS, vxlan(10101, ...toSearch(8080)), 'drop'), [], 'VNI on an access port');
    assert.deepEqual(await r.dp.sendAndCollect(ACCESS, buildFrame([ETH, ...vxlanLayers()]), 'drop'), [], 'untagged VXLAN on an access port');
  });

  it('port ranges: both ends of 1024-65535 are allowed, 1023 is dropped', async () => {
    for (const port of [1024, 30000, 65535]) {
      const out = await r.dp.sendAndCollect(ACCESS, tagged(...toSearch(port)));
      assert.equal(out.length, 1, `tcp/${port}`);
      assert.equal(out[0].port, ROUTE_PORT);
    }
    for (const port of [1023, 22]) assert.deepEqual(await r.dp.sendAndCollect(ACCESS, tagged(...toSearch(port)), 'drop'), [], `tcp/${port}`);
  });

  it('IPsec: each SA sticks to one ipsec instance, SAs spread over both, NAT-T ESP too; IKE is routed', async () => {
    const spis = Array.from({ length: 48 }, (_, i) => 0x1000 + i * 7919);
    const portOf = new Map<number, number>();
    for (let round = 0; round < 3; round++) {
      const ids = spis.map((spi) => r.dp.send(ACCESS, tagged(...esp(spi, round + 1))));
      const got = await r.dp.collect(ids);
      spis.forEach((spi, i) => {
        const out = got.get(ids[i]!)!;
        assert.equal(out.length, 1, `SPI ${spi} round ${round}`);
        assert.ok(IPSEC_PORTS.includes(out[0].port), `SPI ${spi} left on ${out[0].port}`);
        if (round === 0) portOf.set(spi, out[0].port);
        else assert.equal(out[0].port, portOf.get(spi), `SPI ${spi} moved instance`);
      });
    }
    const perPort = IPSEC_PORTS.map((p) => [...portOf.values()].filter((x) => x === p).length);
    assert.ok(perPort.every((n) => n >= 8), `SAs per instance ${perPort.join('/')}`);
    // ESP in UDP 4500 (NAT-T) is the same flow, steered the same way.
    const natt = await r.dp.sendAndCollect(ACCESS, tagged({ kind: 'ipv4', src: '10.1.240.5', dst: '10.1.241.1' }, { kind: 'udp', sport: 4500, dport: 4500 }, { kind: 'esp', spi: 0xabc, seq: 1 }));
    assert.equal(natt.length, 1);
    assert.ok(IPSEC_PORTS.includes(natt[0].port));
    // IKE (udp 500) is its own flow, not steered: it takes the route.
    const ike = await r.dp.sendAndCollect(ACCESS, tagged({ kind: 'ipv4', src: '10.1.240.5', dst: '10.1.241.1' }, { kind: 'udp', sport: 500, dport: 500 }));
    assert.equal(ike[0]?.port, ROUTE_PORT);
    // ESP to another service is no flow.
    assert.deepEqual(await r.dp.sendAndCollect(ACCESS, tagged({ kind: 'ipv4', src: '10.1.240.5', dst: '10.1.5.9' }, { kind: 'esp', spi: 5, seq: 1 }), 'drop'), []);
  });

  it('IPsec scale-out: adding a third instance under a stream of SAs loses no packet, and the new instance takes SAs', async () => {
    const own = await rig(compiled);
    try {
      // ~200 packets/s over 40 SAs (4 every 20 ms): BMv2's egress queues hold 64 frames, so a faster
      // stream on a busy machine would lose frames in the queues, not in the pipeline.
      const spis = Array.from({ length: 40 }, (_, i) => 0x5000 + i * 104729);
      const ids: number[] = [];
      let stop = false;
      let k = 0;
      const stream = (async () => {
        while (!stop) {
          for (let j = 0; j < 4; j++, k++) ids.push(own.dp.send(ACCESS, tagged(...esp(spis[k % spis.length]!, 1 + Math.floor(k / spis.length)))));
          await new Promise((res) => setTimeout(res, 20));
        }
      })();
      await new Promise((res) => setTimeout(res, 300));
      const scaled = leaf1(
        own.index,
        exampleFiles((f) => {
          const t = 'tenants/acme/tenant.yaml';
          f.set(t, Buffer.from(f.get(t)!.toString().replace('        - { name: vpn-b, port: 25, mac: "02:00:00:01:0e:02" }', '        - { name: vpn-b, port: 25, mac: "02:00:00:01:0e:02" }\n        - { name: vpn-c, port: 26, mac: "02:00:00:01:0e:03" }')));
        }),
      );
      assert.equal(await converge(own.client, scaled, own.entries), 2, 'one member inserted, one group modified');
      const afterScale = ids.length;
      while (ids.length < afterScale + spis.length * 2) await new Promise((res) => setTimeout(res, 20));
      stop = true;
      await stream;
      // Bounded: returns as soon as every packet came out.
      const got = await own.dp.collect(ids, { timeoutMs: 30000 });
      const lost = ids.filter((id) => got.get(id)!.length === 0);
      const doubled = ids.filter((id) => got.get(id)!.length > 1);
      assert.deepEqual({ lost: lost.length, doubled: doubled.length }, { lost: 0, doubled: 0 }, `of ${ids.length} packets`);
      const ports = new Set(ids.slice(afterScale).map((id) => got.get(id)![0]!.port));
      assert.ok(ports.has(26), `after scale-out the new instance takes SAs: ${[...ports].join(',')}`);
      for (const p of ports) assert.ok([...IPSEC_PORTS, 26].includes(p), `port ${p}`);
    } finally {
      await stopRig(own);
    }
  });
});

function vxlanLayers(): Layer[] {
  return [
    { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
    { kind: 'udp', sport: 49152, dport: 4789 },
    { kind: 'vxlan', vni: 10101 },
    { kind: 'eth', dst: '02:00:00:00:00:fe', src: '02:00:00:01:aa:01' },
    ...toSearch(8080),
  ];
}
