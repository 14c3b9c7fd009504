// Minimal protobuf wire format, for the paths where volume lives. A 1M-entry
// ReadResponse is cut into entity byte strings with `splitRepeated` (subarray
// views, no copies, no objects per field), and entities are written by hand
// in canonical field order with `WireWriter`. protobufjs stays for the small
// messages a person looks at.
import { FlowopsError } from '../shared/errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Malformed protobuf bytes (truncated, bad wire type). */
export class WireError extends FlowopsError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('WIRE_MALFORMED', message, data);
  }
}

/** Bytes a varint of `n` takes (n ≥ 0, ≤ 2^53). */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  n = Math.floor(n / 0x10000000);
  while (n > 0) {
    size++;
    n = Math.floor(n / 0x80);
  }
  return size;
}

/**
 * Append-only encoder over a growing scratch buffer. Nested messages are
 * written in place: `begin` reserves one length byte, `end` fixes it up and
 * shifts the body in the rare case the length needs more bytes.
 */
export class WireWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(n: number): this {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (n > 0x7fffffff) {
      b[p++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    while (n > 0x7f) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    this.pos = p;
    return this;
  }

  /** Varint of a 64-bit value; negative values use two's complement (10 bytes), as int32/int64 do. */
  varint64(v: bigint | number): this {
    if (typeof v === 'number' && v >= 0 && Number.isSafeInteger(v)) return this.varint(v);
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
    return this;
  }

  tag(fieldNo: number, wireType: number): this {
    return this.varint(fieldNo * 8 + wireType);
  }

  /** A varint field, omitted when 0 (proto3 default). */
  uintField(fieldNo: number, n: number): this {
    if (n === 0) return this;
    return this.tag(fieldNo, WIRE_VARINT).varint(n);
  }

  /** An int64/int32 field, omitted when 0. */
  int64Field(fieldNo: number, v: bigint | number): this {
    if (v === 0 || v === 0n) return this;
    return this.tag(fieldNo, WIRE_VARINT).varint64(v);
  }

  boolField(fieldNo: number, v: boolean | undefined): this {
    if (!v) return this;
    return this.tag(fieldNo, WIRE_VARINT).varint(1);
  }

  /** A bytes field, written even when empty (callers decide about defaults). */
  bytesField(fieldNo: number, v: Uint8Array): this {
    this.tag(fieldNo, WIRE_LEN).varint(v.length);
    return this.raw(v);
  }

  /** A bytes field from `src[start..end)`, leading zero bytes stripped (canonical form). */
  strippedField(fieldNo: number, src: Uint8Array, start: number, end: number): this {
    while (start < end - 1 && src[start] === 0) start++;
    const n = end - start;
    this.tag(fieldNo, WIRE_LEN).varint(n);
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) b[p++] = src[i];
    this.pos = p;
    return this;
  }

  stringField(fieldNo: number, s: string): this {
    if (!s) return this;
    return this.bytesField(fieldNo, Buffer.from(s, 'utf8'));
  }

  raw(v: Uint8Array): this {
    const n = v.length;
    this.ensure(n);
    // TypedArray#set costs more than a loop for the short values entities hold.
    if (n > 64) this.buf.set(v, this.pos);
    else {
      const b = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) b[p + i] = v[i];
    }
    this.pos += n;
    return this;
  }

  /** Opens a length-delimited field; returns the mark `end` needs. */
  begin(fieldNo: number): number {
    this.tag(fieldNo, WIRE_LEN);
    this.ensure(1);
    return this.pos++;
  }

  end(mark: number): this {
    const len = this.pos - mark - 1;
    if (len < 0x80) {
      this.buf[mark] = len;
      return this;
    }
    const size = varintSize(len);
    this.ensure(size - 1);
    this.buf.copy(this.buf, mark + size, mark + 1, this.pos);
    this.pos += size - 1;
    let p = mark;
    let n = len;
    while (n > 0x7f) {
      this.buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[p] = n;
    return this;
  }

  /** A copy of what was written (the scratch buffer is reused). */
  finish(): Buffer {
    const n = this.pos;
    const out = Buffer.allocUnsafe(n);
    if (n > 128) this.buf.copy(out, 0, 0, n);
    else {
      const b = this.buf;
      for (let i = 0; i < n; i++) out[i] = b[i];
    }
    return out;
  }

  /** What was written, as a view of the scratch buffer (no copy): for a writer used once and dropped. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** What was written, as a latin1 string (for identity keys; avoids a Buffer copy). */
  latin1(): string {
    return this.buf.toString('latin1', 0, this.pos);
  }
}

/**
 * Forward-only decoder over one buffer. `next()` reads a tag; then read the
 * value with the method for its wire type, or `skip()` it.
 */
export class WireReader {
  pos: number;
  end: number;
  fieldNo = 0;
  wireType = 0;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** Reads the next tag; false at the end. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const t = this.varint();
    this.fieldNo = Math.floor(t / 8);
    this.wireType = t & 7;
    if (this.fieldNo === 0) throw new WireError('field number 0', { at: this.pos });
    return true;
  }

  /** Varint as a number (exact up to 2^53; uint32 and ids always are). */
  varint(): number {
    const b = this.buf;
    let p = this.pos;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw new WireError('truncated varint', { at: p });
      const byte = b[p++];
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = p;
        return x;
      }
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes', { at: p });
  }

  /** Varint as an unsigned 64-bit bigint. */
  varint64(): bigint {
    const b = this.buf;
    let p = this.pos;
    let x = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw new WireError('truncated varint', { at: p });
      const byte = b[p++];
      x |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = p;
        return BigInt.asUintN(64, x);
      }
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes', { at: p });
  }

  /** int32 read from a varint (negative values are 10-byte two's complement). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint64()));
  }

  /** Start and end of the length-delimited value at the cursor; moves past it. */
  lenRange(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new WireError('length-delimited field runs past the end', { at: start, len });
    this.pos = end;
    return [start, end];
  }

  /** The length-delimited value as a view into the buffer (no copy). */
  bytes(): Buffer {
    const [s, e] = this.lenRange();
    const b = this.buf;
    return Buffer.isBuffer(b) ? b.subarray(s, e) : Buffer.from(b.buffer, b.byteOffset + s, e - s);
  }

  /** A reader over the length-delimited value at the cursor. */
  sub(): WireReader {
    const [s, e] = this.lenRange();
    return new WireReader(this.buf, s, e);
  }

  skip(): void {
    switch (this.wireType) {
      case WIRE_VARINT: {
        // Past the bytes with the high bit set: no value (varint64 made a BigInt per skipped field).
        const b = this.buf;
        let p = this.pos;
        for (let i = 0; i < 10; i++) {
          if (p >= this.end) throw new WireError('truncated varint', { at: p });
          if (b[p++] < 0x80) {
            this.pos = p;
            return;
          }
        }
        throw new WireError('varint longer than 10 bytes', { at: p });
      }
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.lenRange();
        return;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${this.wireType}`, { at: this.pos, fieldNo: this.fieldNo });
    }
    if (this.pos > this.end) throw new WireError('fixed-width field runs past the end', { at: this.pos });
  }
}

/** One top-level field occurrence. */
export interface WireField {
  fieldNo: number;
  wireType: number;
  /** Varint value (numbers exact up to 2^53). */
  value?: number;
  /** Length-delimited payload, a view into the input. */
  bytes?: Buffer;
}

/** Iterates the top-level fields of a message (varint and length-delimited values read; others skipped over). */
export function* fields(buf: Uint8Array): Generator<WireField> {
  const r = new WireReader(buf);
  while (r.next()) {
    if (r.wireType === WIRE_VARINT) yield { fieldNo: r.fieldNo, wireType: r.wireType, value: r.varint() };
    else if (r.wireType === WIRE_LEN) yield { fieldNo: r.fieldNo, wireType: r.wireType, bytes: r.bytes() };
    else {
      r.skip();
      yield { fieldNo: r.fieldNo, wireType: r.wireType };
    }
  }
}

/**
 * Every occurrence of the length-delimited field `fieldNo` at the top level of
 * `buf`, as views into `buf` (no copy). This is how ReadResponse.entities is
 * read without decoding a single entity.
 */
export function splitRepeated(buf: Buffer, fieldNo: number): Buffer[] {
  const out: Buffer[] = [];
  const r = new WireReader(buf);
  while (r.next()) {
    if (r.fieldNo === fieldNo && r.wireType === WIRE_LEN) {
      const [s, e] = r.lenRange();
      out.push(buf.subarray(s, e));
    } else {
      r.skip();
    }
  }
  return out;
}

/** Encodes a message made of one repeated length-delimited field whose items are already encoded. */
export function joinRepeated(fieldNo: number, items: readonly Uint8Array[], prefix?: Uint8Array, suffix?: Uint8Array): Buffer {
  const tagSize = varintSize(fieldNo * 8 + WIRE_LEN);
  let size = (prefix?.length ?? 0) + (suffix?.length ?? 0);
  for (const it of items) size += tagSize + varintSize(it.length) + it.length;
  const w = new WireWriter(size + 16);
  if (prefix) w.raw(prefix);
  for (const it of items) w.bytesField(fieldNo, it);
  if (suffix) w.raw(suffix);
  return w.buf.subarray(0, w.pos);
}
