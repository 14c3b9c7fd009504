// Address parsing (both families, compressed and embedded-IPv4 IPv6) and the
// unit conversions the compiler relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contains, formatPrefix, overlaps, parseCidr, parseIp, prefixBytes, toPrefix } from '../../src/specs/ip.ts';
import { parsePortItem } from '../../src/specs/ports.ts';
import { rateBytesPerSecond, sizeBytes } from '../../src/specs/units.ts';

test('IPv4 and IPv6 addresses parse to network-order bytes', () => {
  assert.deepEqual(prefixBytes(toPrefix('10.1.2.3')), Buffer.from([10, 1, 2, 3]));
  assert.deepEqual(prefixBytes(toPrefix('2001:db8::1')), Buffer.from('20010db8000000000000000000000001', 'hex'));
  assert.deepEqual(prefixBytes(toPrefix('::ffff:10.0.0.1')), Buffer.from('00000000000000000000ffff0a000001', 'hex'));
  assert.deepEqual(prefixBytes(toPrefix('::')), Buffer.alloc(16));
  for (const bad of ['1.2.3', '01.2.3.4', '1.2.3.256', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', 'g::1', '', '::1::']) {
    assert.equal(typeof parseIp(bad), 'string', bad);
  }
});

test('CIDR: lengths, host bits, overlap and containment across families', () => {
  assert.equal(parseCidr('10.0.0.0/33'), '"10.0.0.0/33": prefix length must be 0-32');
  assert.equal(parseCidr('2001:db8::1/64'), '"2001:db8::1/64" has host bits set (did you mean 2001:db8::/64?)');
  assert.equal(formatPrefix(toPrefix('0.0.0.0/0')), '0.0.0.0/0');
  assert.ok(overlaps(toPrefix('10.0.0.0/8'), toPrefix('10.9.9.0/24')));
  assert.ok(!overlaps(toPrefix('10.0.0.0/8'), toPrefix('11.0.0.0/8')));
  assert.ok(!overlaps(toPrefix('::/0'), toPrefix('0.0.0.0/0')), 'families never overlap');
  assert.ok(contains(toPrefix('2001:db8::/32'), toPrefix('2001:db8:ffff::1')));
  assert.ok(!contains(toPrefix('10.1.0.0/16'), toPrefix('10.0.0.0/8')));
});

test('rates, sizes and port items', () => {
  assert.equal(rateBytesPerSecond('100Mbps'), 12_500_000);
  assert.equal(rateBytesPerSecond('1.5Gbps'), 187_500_000);
  assert.equal(sizeBytes('1MB'), 1_000_000);
  assert.equal(sizeBytes('256KiB'), 262_144);
  assert.deepEqual(parsePortItem(80), [80, 80]);
  assert.deepEqual(parsePortItem('1-65535'), [1, 65535]);
  assert.equal(parsePortItem('10-9'), 'range "10-9" is reversed (low end above high end)');
});
