// Differential: the TypeScript model of the P4 program (src/model/trace.ts)
// against BMv2 running p4c's output of the same program, for the same entries
// (the example repository's leaf1, compiled) and the same packets. Each
// packet's model verdict must be what BMv2 does: forward on the route's port,
// one of the NF instances' ports, or drop.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { wildcardGroups, wildcardMembers, wildcardTable } from '../../src/p4rt/filters.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { compile } from '../../src/compile/compile.ts';
import { writeRank } from '../../src/compile/order.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { formatPrefix } from '../../src/specs/ip.ts';
import { decodeRows } from '../../src/model/entries.ts';
import { parsePacket, type Packet } from '../../src/model/packet.ts';
import { TableModel, trace, verdictText } from '../../src/model/trace.ts';
import { startBmv2, type Bmv2, type Dataplane } from '../helpers/bmv2.ts';
import { buildFrame, type Layer } from '../helpers/packets.ts';
import { compileV1model, peerSkip } from '../helpers/peers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOW = new Date('2026-06-01T00:00:00Z');

const PACKETS = [
  'port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443',
  'port=3 vlan=101 2001:db8:101:1::5 -> 2001:db8:101:4::5 tcp/443',
  'port=3 vlan=101 10.1.2.5 -> 10.1.6.5 tcp/8443',
  'port=3 vlan=101 10.1.7.5 -> 10.1.10.10 tcp/5432',
  'port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/22',
  'port=3 vlan=101 10.1.1.5 -> 10.2.1.5 tcp/443',
  'port=6 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443',
  'port=3 vlan=101 10.1.240.7 -> 10.1.5.9 tcp/1024',
  'port=3 vlan=101 10.1.240.7 -> 10.1.5.9 tcp/1023',
  'port=3 vlan=101 10.1.240.7 -> 10.1.241.1 esp spi=4096',
  'port=30 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/443',
  'port=30 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/22',
  'port=3 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/443',
];

const addr = (family: 4 | 6, v: bigint) => formatPrefix({ family, value: v, len: family === 4 ? 32 : 128 }).replace(/\/\d+$/, '');

function l3(p: Omit<Packet, 'ingressPort' | 'text' | 'inner'>): Layer[] {
  const ip: Layer = p.family === 4 ? { kind: 'ipv4', src: addr(4, p.src!), dst: addr(4, p.dst!), ...(p.proto !== undefined ? { proto: p.proto } : {}) } : { kind: 'ipv6', src: addr(6, p.src!), dst: addr(6, p.dst!), ...(p.proto !== undefined ? { next: p.proto } : {}) };
  if (p.proto === 6) return [ip, { kind: 'tcp', sport: p.srcPort ?? 40000, dport: p.dstPort ?? 0 }];
  if (p.proto === 17) return [ip, { kind: 'udp', sport: p.srcPort ?? 40000, dport: p.dstPort ?? 0 }];
  if (p.proto === 50) return [ip, { kind: 'esp', spi: p.spi ?? 1, seq: 1 }];
  return [ip, { kind: 'raw', data: Buffer.alloc(8) }];
}

function frameOf(p: Packet): Buffer {
  const eth: Layer = { kind: 'eth', dst: '02:00:00:00:00:fe', src: '02:00:00:01:aa:01' };
  const vlan: Layer[] = p.vlan !== undefined ? [{ kind: 'vlan', vid: p.vlan }] : [];
  if (p.vni === undefined) return buildFrame([eth, ...vlan, ...l3(p)]);
  return buildFrame([eth, ...vlan, { kind: 'ipv4', src: addr(4, p.src!), dst: addr(4, p.dst!) }, { kind: 'udp', sport: 49152, dport: 4789 }, { kind: 'vxlan', vni: p.vni }, eth, ...l3(p.inner!)]);
}

describe('trace model vs BMv2: same entries, same packets, same verdicts', peerSkip('p4c-bm2-ss', 'simple_switch_grpc'), () => {
  let tmp: string;
  let sw: Bmv2;
  let client: P4RuntimeClient;
  let dp: Dataplane;
  let model: TableModel;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-trace-diff-'));
    const compiled = await compileV1model(path.join(ROOT, 'p4/flowops_v1model.p4'), tmp);
    sw = await startBmv2();
    const p4info = loadP4InfoFile(compiled.p4info);
    const index = P4InfoIndex.fromP4Info(p4info);
    client = new P4RuntimeClient({ address: sw.p4rtAddr, deviceId: sw.deviceId, electionId: 1n });
    assert.equal((await client.connect()).primary, true);
    await client.setPipeline({ p4info, deviceConfig: fs.readFileSync(compiled.out) });
    const { specs, errors } = loadSpecs(readSpecDir(path.join(ROOT, 'flows-example-repo')), { now: NOW, expired: 'drop' });
    assert.deepEqual(errors.map(String), []);
    const entries = compile(specs, index, 'leaf1', { now: NOW }).entries;
    const byRank = new Map<number, { type: 'INSERT'; entity: Buffer }[]>();
    for (const e of entries) {
      const r = writeRank(e.kind, e.table);
      (byRank.get(r) ?? byRank.set(r, []).get(r)!).push({ type: 'INSERT', entity: e.bytes });
    }
    for (const r of [...byRank.keys()].sort((a, b) => a - b)) await client.write(byRank.get(r)!);
    // The model reads the switch's tables back: the very entries BMv2 holds.
    const filters = [...index.actionProfiles.flatMap((a) => [wildcardMembers(a.id), wildcardGroups(a.id)]), ...index.tables.map((t) => wildcardTable(t.id))];
    const live = await client.read(filters);
    assert.ok(live.length >= entries.length, `BMv2 holds every compiled entry (${live.length} read, ${entries.length} written)`);
    model = new TableModel(decodeRows(live.map((bytes) => ({ bytes })), index));
    dp = await sw.dataplane();
  });
  after(async () => {
    dp?.close();
    client?.close();
    await sw?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const text of PACKETS) {
    it(text, async () => {
      const p = parsePacket(text);
      const t = trace(model, p);
      const out = await dp.sendAndCollect(p.ingressPort, frameOf(p), t.verdict.kind === 'drop' ? 'drop' : 'emit');
      const v = t.verdict;
      if (v.kind === 'drop') assert.deepEqual(out.map((o) => o.port), [], `model: ${verdictText(v)}`);
      else if (v.kind === 'forward') assert.deepEqual(out.map((o) => o.port), [v.port], `model: ${verdictText(v)}`);
      else {
        assert.equal(out.length, 1, `model: ${verdictText(v)}`);
        assert.ok(v.instances.map((i) => i.port).includes(out[0]!.port), `BMv2 port ${out[0]!.port}; model: ${verdictText(v)}`);
      }
    });
  }
});
