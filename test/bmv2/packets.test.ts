// The test packet builder/parser: layers round-trip, checksums verify, and
// the type/protocol fields follow the next layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrame, inetChecksum, layer, parseFrame, type Layer } from '../helpers/packets.ts';

test('Ethernet/802.1Q/IPv4/TCP round-trips with a valid IPv4 and TCP checksum', () => {
  const layers: Layer[] = [
    { kind: 'eth', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' },
    { kind: 'vlan', vid: 101, pcp: 3 },
    { kind: 'ipv4', src: '10.1.0.5', dst: '10.1.1.7', ttl: 63 },
    { kind: 'tcp', sport: 40000, dport: 443 },
  ];
  const f = buildFrame(layers);
  assert.equal(f.length, 60, 'padded to the Ethernet minimum');
  assert.equal(f.readUInt16BE(12), 0x8100);
  assert.equal(f.readUInt16BE(16), 0x0800);
  const ip = f.subarray(18, 38);
  assert.equal(inetChecksum(ip), 0, 'IPv4 header checksum verifies');
  assert.equal(ip[9], 6);
  const tcp = f.subarray(38, 58);
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, 0, 20])]);
  assert.equal(inetChecksum(pseudo, tcp), 0, 'TCP checksum verifies');
  const p = parseFrame(f);
  assert.deepEqual(layer(p, 'vlan'), { kind: 'vlan', vid: 101, pcp: 3, type: 0x0800 });
  assert.equal(layer(p, 'ipv4')?.dst, '10.1.1.7');
  assert.equal(layer(p, 'tcp')?.dport, 443);
});

test('IPv6/UDP, VXLAN around an inner frame, and ESP parse back', () => {
  const inner: Layer[] = [
    { kind: 'eth', dst: '02:00:00:00:00:0b', src: '02:00:00:00:00:0a' },
    { kind: 'ipv6', src: '2001:db8::5', dst: '2001:db8:1::7' },
    { kind: 'udp', sport: 5353, dport: 53 },
  ];
  const f = buildFrame([
    { kind: 'eth', dst: '02:00:00:00:01:02', src: '02:00:00:00:01:01' },
    { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
    { kind: 'udp', sport: 49152, dport: 4789 },
    { kind: 'vxlan', vni: 10101 },
    ...inner,
  ]);
  const p = parseFrame(f);
  assert.equal(layer(p, 'vxlan')?.vni, 10101);
  assert.equal(layer(p, 'eth', 1)?.src, '02:00:00:00:00:0a');
  assert.equal(layer(p, 'ipv6')?.dst, '2001:db8:1::7');
  assert.equal(layer(p, 'udp', 1)?.dport, 53);
  const e = parseFrame(buildFrame([
    { kind: 'eth', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' },
    { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
    { kind: 'esp', spi: 0xdeadbeef, seq: 9 },
  ]));
  assert.equal(layer(e, 'ipv4')?.proto, 50);
  assert.deepEqual(layer(e, 'esp'), { kind: 'esp', spi: 0xdeadbeef, seq: 9 });
  assert.throws(() => buildFrame([{ kind: 'eth', dst: 'zz', src: '02:00:00:00:00:01' }]), /bad MAC/);
});
