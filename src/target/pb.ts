// Hand-rolled protobuf encoding for the bytes the target stores and streams.
// Canonical entities are built field by field in field-number order, with
// zero values omitted, so equal entries are equal byte strings.

/** A protobufjs Long, number or bigint as a number (P4 ids, sizes, counters stay below 2^53). */
export function toNum(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof (v as any).toNumber === 'function') return (v as any).toNumber();
  return Number(v);
}

/** A protobufjs Long / number as an unsigned bigint (election ids, device ids). */
export function toBig(v: unknown): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  const l = v as { high: number; low: number };
  return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
}

export function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) { n = Math.floor(n / 128); len++; }
  return len;
}

/**
 * Accumulates one message in a growing buffer; nested messages are encoded by
 * their own writer and added with `bytes`. Small pooled allocations and no
 * intermediate arrays: this runs once per stored entity.
 */
export class PbWriter {
  private buf = Buffer.allocUnsafe(128);
  private pos = 0;
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  private varint(n: number): void {
    this.room(10);
    const b = this.buf;
    if (n < 0) {
      // Negative int32/int64 go out as 10-byte two's complement.
      let v = BigInt.asUintN(64, BigInt(n));
      while (v >= 128n) { b[this.pos++] = Number(v & 127n) | 128; v >>= 7n; }
      b[this.pos++] = Number(v);
      return;
    }
    while (n >= 128) { b[this.pos++] = (n % 128) | 128; n = Math.floor(n / 128); }
    b[this.pos++] = n;
  }
  /** Varint field; omitted when zero (proto3). */
  uint(field: number, n: number): this {
    if (!n) return this;
    this.varint(field << 3);
    this.varint(n);
    return this;
  }
  /** Unsigned 64-bit varint field from a bigint; omitted when zero. */
  uint64(field: number, v: bigint): this {
    if (!v) return this;
    this.varint(field << 3);
    this.room(10);
    while (v >= 128n) { this.buf[this.pos++] = Number(v & 127n) | 128; v >>= 7n; }
    this.buf[this.pos++] = Number(v);
    return this;
  }
  bool(field: number, b: boolean): this {
    return this.uint(field, b ? 1 : 0);
  }
  /** Length-delimited field (bytes or nested message); omitted when empty unless `always`. */
  bytes(field: number, b: Uint8Array | undefined, always = false): this {
    if (!b || (!b.length && !always)) return this;
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** The encoded message (a view of the writer's buffer; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Top-level fields of a message as [fieldNo, wireType, start, end) of the whole field (tag included). */
export function scanFields(buf: Uint8Array): Array<{ no: number; start: number; end: number; valueStart: number }> {
  const out: Array<{ no: number; start: number; end: number; valueStart: number }> = [];
  let i = 0;
  const readVarint = (): number => {
    let r = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      r += (b & 127) * mul;
      if (b < 128) return r;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const start = i;
    const tag = readVarint();
    const wt = tag & 7;
    let valueStart = i;
    if (wt === 0) readVarint();
    else if (wt === 2) { const len = readVarint(); valueStart = i; i += len; }
    else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else throw new Error(`unsupported wire type ${wt}`);
    out.push({ no: Math.floor(tag / 8), start, end: i, valueStart });
  }
  return out;
}
