// protobufjs hands 64-bit fields over as Long objects (or numbers, or strings
// from JSON); these turn them into plain numbers and bigints.

/** A protobufjs Long, number, bigint or decimal string as a number (P4 ids, sizes, counters stay below 2^53). */
export function longToNumber(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

/** The same as an unsigned bigint (election ids, device ids, cookies). */
export function longToBigInt(v: unknown): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  const l = v as { high: number; low: number };
  return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
}
