// Canonical P4Runtime byte strings, in one place (P4Runtime spec, "Bytestrings").
// A value of a bit<W> field travels as a big-endian byte string; the canonical
// form is the shortest one (leading zero bytes stripped, but never empty).
// Every encoder in flowops goes through `canonical`, so two equal values are
// always equal bytes and the diff can compare buffers instead of numbers.
import { EncodeError } from '../shared/errors.ts';

const ZERO = Buffer.from([0]);

/** Bytes needed for a bit<W> value at full width. */
export function byteWidth(bitwidth: number): number {
  return (bitwidth + 7) >> 3;
}

/** Significant bits of a big-endian byte string, ignoring leading zeros. */
function significantBits(v: Uint8Array, start: number): number {
  if (start >= v.length) return 0;
  return (v.length - start - 1) * 8 + (32 - Math.clz32(v[start]));
}

/**
 * The shortest big-endian form of `value` for a bit<bitwidth> field.
 * Accepts padded input (`\x00\x63` for bit<16> → `\x63`); rejects an empty
 * string and any value needing more than `bitwidth` bits. Returns a subarray
 * of the input when it can (no copy) — callers must not mutate it.
 */
export function canonical(value: Uint8Array, bitwidth: number, what: string): Buffer {
  const n = value.length;
  if (n === 0) throw new EncodeError('OUT_OF_RANGE', `${what}: empty byte string (0 is encoded as \\x00)`, { what, bitwidth });
  let i = 0;
  while (i < n - 1 && value[i] === 0) i++;
  if (significantBits(value, i) > bitwidth) {
    throw new EncodeError('OUT_OF_RANGE', `${what}: value 0x${Buffer.from(value).toString('hex')} does not fit in bit<${bitwidth}>`, {
      what,
      bitwidth,
      value: Buffer.from(value).toString('hex'),
    });
  }
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return i === 0 ? buf : buf.subarray(i);
}

/** Strips leading zero bytes without a width check (for values whose width is unknown). */
export function stripZeros(value: Uint8Array): Buffer {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (buf.length === 0) return ZERO;
  let i = 0;
  while (i < buf.length - 1 && buf[i] === 0) i++;
  return i === 0 ? buf : buf.subarray(i);
}

// Values below 2^16 (tenant, service, port, protocol ids) are the bulk of
// match keys; sharing one Buffer per value saves a million allocations per
// compile. Shared means read-only: nothing in flowops writes into value bytes.
const smallCache: (Buffer | undefined)[] = new Array(0x10000);
function small(v: number): Buffer {
  let b = smallCache[v];
  if (!b) {
    b = v < 0x100 ? Buffer.from([v]) : Buffer.from([v >>> 8, v & 0xff]);
    smallCache[v] = b;
  }
  return b;
}

/** Canonical bytes of an unsigned integer for a bit<bitwidth> field. */
export function uintBytes(v: bigint | number, bitwidth: number, what: string): Buffer {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) {
      throw new EncodeError('OUT_OF_RANGE', `${what}: ${v} is not a non-negative integer`, { what, bitwidth, value: v });
    }
    if (v <= 0xffffffff) {
      const bits = v === 0 ? 0 : 32 - Math.clz32(v);
      if (bits > bitwidth) {
        throw new EncodeError('OUT_OF_RANGE', `${what}: ${v} does not fit in bit<${bitwidth}>`, { what, bitwidth, value: v });
      }
      if (v < 0x10000) return small(v);
      if (v < 0x1000000) {
        const b = Buffer.allocUnsafe(3);
        b[0] = v >>> 16;
        b[1] = (v >>> 8) & 0xff;
        b[2] = v & 0xff;
        return b;
      }
      const b = Buffer.allocUnsafe(4);
      b.writeUInt32BE(v, 0);
      return b;
    }
    if (!Number.isSafeInteger(v)) {
      throw new EncodeError('OUT_OF_RANGE', `${what}: ${v} is beyond exact number range; pass a bigint`, { what, bitwidth });
    }
    v = BigInt(v);
  }
  if (v < 0n) throw new EncodeError('OUT_OF_RANGE', `${what}: ${v} is negative`, { what, bitwidth, value: String(v) });
  if (v >> BigInt(bitwidth) !== 0n) {
    throw new EncodeError('OUT_OF_RANGE', `${what}: ${v} does not fit in bit<${bitwidth}>`, { what, bitwidth, value: String(v) });
  }
  if (v < 0x10000n) return small(Number(v));
  let hex = v.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
}

export function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  if (b.length <= 6) {
    let n = 0;
    for (let i = 0; i < b.length; i++) n = n * 256 + b[i];
    return BigInt(n);
  }
  return BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
}

/** A small unsigned value as a number (throws past 2^53, where a number would lie). */
export function bytesToNumber(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) n = n * 256 + b[i];
  if (!Number.isSafeInteger(n)) throw new EncodeError('OUT_OF_RANGE', 'value does not fit a JS number; use bytesToBigInt', {});
  return n;
}

function bad(kind: string, text: string): EncodeError {
  return new EncodeError('BAD_ADDRESS', `${JSON.stringify(text)} is not a valid ${kind} address`, { kind, text });
}

/** `'10.0.0.1'` → 4 bytes. */
export function ipv4Bytes(text: string): Buffer {
  const parts = text.split('.');
  if (parts.length !== 4) throw bad('IPv4', text);
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) throw bad('IPv4', text);
    const n = Number(p);
    if (n > 255) throw bad('IPv4', text);
    out[i] = n;
  }
  return out;
}

/** `'2001:db8::1'` (also `::ffff:10.0.0.1`) → 16 bytes. */
export function ipv6Bytes(text: string): Buffer {
  let s = text;
  if (s.includes('.')) {
    // An embedded IPv4 tail becomes the last two 16-bit groups.
    const cut = s.lastIndexOf(':');
    if (cut < 0) throw bad('IPv6', text);
    const v4 = ipv4Bytes(s.slice(cut + 1));
    s = s.slice(0, cut + 1) + v4.readUInt16BE(0).toString(16) + ':' + v4.readUInt16BE(2).toString(16);
  }
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad('IPv6', text);
          return parseInt(g, 16);
        });
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) throw bad('IPv6', text);
  let groups: number[];
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const tail = parse(s.slice(dbl + 2));
    const fill = 8 - head.length - tail.length;
    if (fill < 1) throw bad('IPv6', text);
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    groups = parse(s);
  }
  if (groups.length !== 8) throw bad('IPv6', text);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** `'02:00:00:00:00:01'` (or `-` separated) → 6 bytes. */
export function macBytes(text: string): Buffer {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw bad('MAC', text);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** Canonical mask with the top `len` bits of a bit<bitwidth> value set. */
export function prefixMask(len: number, bitwidth: number): Buffer {
  if (!Number.isInteger(len) || len < 0 || len > bitwidth) {
    throw new EncodeError('OUT_OF_RANGE', `prefix length ${len} outside 0..${bitwidth}`, { prefixLen: len, bitwidth });
  }
  if (len === 0) return Buffer.from([0]);
  const full = (1n << BigInt(len)) - 1n;
  return uintBytes(full << BigInt(bitwidth - len), bitwidth, 'mask');
}

/**
 * True when `value` has no bit set past the first `prefixLen` of `bitwidth`
 * bits — the spec rejects LPM values with host bits set. `value` may be
 * padded or canonical; it is read right-aligned.
 */
export function isMaskedLpm(value: Uint8Array, prefixLen: number, bitwidth: number): boolean {
  let hostBits = bitwidth - prefixLen;
  for (let i = value.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    const m = hostBits >= 8 ? 0xff : (1 << hostBits) - 1;
    if (value[i] & m) return false;
  }
  return true;
}

/** Ternary rule: `value & mask == value` (no value bit outside the mask). Right-aligned. */
export function isMaskedTernary(value: Uint8Array, mask: Uint8Array): boolean {
  for (let i = 1; i <= value.length; i++) {
    const v = value[value.length - i];
    const m = i <= mask.length ? mask[mask.length - i] : 0;
    if ((v & m) !== v) return false;
  }
  return true;
}

/** Compares two big-endian unsigned byte strings of any padding. */
export function compareUint(a: Uint8Array, b: Uint8Array): number {
  const ca = stripZeros(a);
  const cb = stripZeros(b);
  if (ca.length !== cb.length) return ca.length - cb.length;
  return Buffer.compare(ca, cb);
}

export type ValueHint = 'ipv4' | 'ipv6' | 'mac' | 'int';

/** Guesses how a field is best shown from its name and width. */
export function hintFor(name: string, bitwidth: number): ValueHint {
  const n = name.toLowerCase();
  if (bitwidth === 48 && /mac|dmac|smac|eth/.test(n)) return 'mac';
  if (bitwidth === 32 && /addr|ip/.test(n)) return 'ipv4';
  if (bitwidth === 128 && /addr|ip/.test(n)) return 'ipv6';
  return 'int';
}

/** A value for people: dotted IPv4, IPv6, MAC, or decimal (≤ 16 bits) / hex (wider). */
export function formatValue(bytes: Uint8Array, bitwidth: number, hint: ValueHint = 'int'): string {
  const w = byteWidth(bitwidth);
  const full = Buffer.alloc(Math.max(w, bytes.length));
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).copy(full, full.length - bytes.length);
  switch (hint) {
    case 'ipv4':
      if (full.length === 4) return Array.from(full).join('.');
      break;
    case 'mac':
      if (full.length === 6) return Array.from(full, (b) => b.toString(16).padStart(2, '0')).join(':');
      break;
    case 'ipv6':
      if (full.length === 16) return formatIpv6(full);
      break;
  }
  const n = bytesToBigInt(bytes);
  return bitwidth <= 16 ? n.toString(10) : '0x' + n.toString(16);
}

function formatIpv6(b: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  // Longest run of zero groups (length ≥ 2) becomes `::` (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}
