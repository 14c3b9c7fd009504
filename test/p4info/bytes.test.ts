// Canonical byte strings: the rules the P4Runtime spec sets for bit<W> values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodeError } from '../../src/shared/errors.ts';
import {
  bytesToBigInt,
  canonical,
  formatValue,
  ipv4Bytes,
  ipv6Bytes,
  isMaskedLpm,
  isMaskedTernary,
  macBytes,
  prefixMask,
  uintBytes,
} from '../../src/p4info/bytes.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('canonical strips leading zeros and keeps one byte for 0', () => {
  assert.equal(hex(canonical(Buffer.from([0x00, 0x63]), 16, 'f')), '63');
  assert.equal(hex(canonical(Buffer.from([0x00, 0x00, 0x00]), 16, 'f')), '00');
  assert.equal(hex(canonical(Buffer.from([0x01, 0x00]), 9, 'port')), '0100');
  assert.equal(hex(canonical(new Uint8Array([0, 0, 0x1a, 0x2b]), 32, 'f')), '1a2b');
});

test('canonical rejects empty strings and values wider than the field', () => {
  const check = (v: number[], w: number) =>
    assert.throws(
      () => canonical(Buffer.from(v), w, 'ingress.t.f'),
      (e: unknown) => e instanceof EncodeError && e.code === 'OUT_OF_RANGE' && e.message.includes('ingress.t.f'),
    );
  check([], 8);
  check([0x01, 0x00], 8);
  check([0x02, 0x00], 9);
  check([0x20], 5);
  // A padded value whose significant bits fit is fine even with more bytes than the width needs.
  assert.equal(hex(canonical(Buffer.from([0, 0, 0, 0x1f]), 5, 'qid')), '1f');
});

test('uintBytes encodes numbers and bigints canonically and checks the width', () => {
  assert.equal(hex(uintBytes(0, 16, 'x')), '00');
  assert.equal(hex(uintBytes(443, 16, 'x')), '01bb');
  assert.equal(hex(uintBytes(0x1a2b3c4d, 32, 'x')), '1a2b3c4d');
  assert.equal(hex(uintBytes(0x123456, 24, 'x')), '123456');
  assert.equal(hex(uintBytes(2n ** 47n + 1n, 48, 'x')), '800000000001');
  assert.equal(hex(uintBytes(2 ** 40, 48, 'x')), '010000000000');
  assert.throws(() => uintBytes(512, 9, 'port'), { code: 'OUT_OF_RANGE' });
  assert.throws(() => uintBytes(2n ** 48n, 48, 'mac'), { code: 'OUT_OF_RANGE' });
  assert.throws(() => uintBytes(-1, 8, 'x'), { code: 'OUT_OF_RANGE' });
  assert.throws(() => uintBytes(1.5, 8, 'x'), { code: 'OUT_OF_RANGE' });
  assert.equal(bytesToBigInt(Buffer.from('0102030405060708', 'hex')), 0x0102030405060708n);
  assert.equal(bytesToBigInt(Buffer.from('01bb', 'hex')), 443n);
});

test('addresses parse to full-width bytes and reject malformed text', () => {
  assert.equal(hex(ipv4Bytes('10.0.0.1')), '0a000001');
  assert.equal(hex(ipv6Bytes('2001:db8::1')), '20010db8000000000000000000000001');
  assert.equal(hex(ipv6Bytes('::')), '0'.repeat(32));
  assert.equal(hex(ipv6Bytes('::ffff:10.0.0.1')), '00000000000000000000ffff0a000001');
  assert.equal(hex(ipv6Bytes('1:2:3:4:5:6:7:8')), '00010002000300040005000600070008');
  assert.equal(hex(macBytes('02:00:00:00:00:01')), '020000000001');
  for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', '01.2.3.4']) assert.throws(() => ipv4Bytes(bad), { code: 'BAD_ADDRESS' });
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '1:2:3:4:5:6:7']) assert.throws(() => ipv6Bytes(bad), { code: 'BAD_ADDRESS' });
  assert.throws(() => macBytes('02:00:00:00:01'), { code: 'BAD_ADDRESS' });
});

test('prefix masks and the LPM / ternary masking rules', () => {
  assert.equal(hex(prefixMask(24, 32)), 'ffffff00');
  assert.equal(hex(prefixMask(0, 32)), '00');
  assert.equal(hex(prefixMask(9, 9)), '01ff');
  assert.equal(hex(prefixMask(1, 9)), '0100');
  assert.throws(() => prefixMask(33, 32), { code: 'OUT_OF_RANGE' });
  assert.equal(isMaskedLpm(ipv4Bytes('10.1.0.0'), 16, 32), true);
  assert.equal(isMaskedLpm(ipv4Bytes('10.1.0.1'), 16, 32), false);
  assert.equal(isMaskedLpm(ipv4Bytes('10.1.128.0'), 17, 32), true);
  assert.equal(isMaskedLpm(ipv4Bytes('10.1.128.0'), 16, 32), false);
  // canonical (short) values are read right-aligned
  assert.equal(isMaskedLpm(Buffer.from([0x01]), 8, 9), false);
  assert.equal(isMaskedLpm(Buffer.from([0x01, 0x00]), 1, 9), true);
  assert.equal(isMaskedTernary(Buffer.from([0x0a, 0x00]), Buffer.from([0xff, 0x00])), true);
  assert.equal(isMaskedTernary(Buffer.from([0x0a, 0x01]), Buffer.from([0xff, 0x00])), false);
  assert.equal(isMaskedTernary(Buffer.from([0x01, 0x00]), Buffer.from([0xff])), false);
});

test('formatValue shows addresses, small ints in decimal and wide ints in hex', () => {
  assert.equal(formatValue(Buffer.from([10, 0, 0, 1]), 32, 'ipv4'), '10.0.0.1');
  assert.equal(formatValue(Buffer.from([1]), 32, 'ipv4'), '0.0.0.1');
  assert.equal(formatValue(ipv6Bytes('2001:db8::1'), 128, 'ipv6'), '2001:db8::1');
  assert.equal(formatValue(ipv6Bytes('1:0:0:1:0:0:0:1'), 128, 'ipv6'), '1:0:0:1::1');
  assert.equal(formatValue(Buffer.from([2, 0, 0, 0, 0, 1]), 48, 'mac'), '02:00:00:00:00:01');
  assert.equal(formatValue(Buffer.from([0x01, 0xbb]), 16), '443');
  assert.equal(formatValue(Buffer.from([0x1a, 0x2b, 0x3c, 0x4d]), 32), '0x1a2b3c4d');
});
