// IPv4/IPv6 addresses and prefixes as (family, bigint, length), so overlap and
// containment are two shifts and a compare for both families alike. Parsers
// return a message string on failure: the caller decides where it points.

export interface Prefix {
  family: 4 | 6;
  /** Address bits, host bits zero. */
  value: bigint;
  len: number;
}

const bitsOf = (f: 4 | 6) => (f === 4 ? 32 : 128);

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail4: bigint | undefined;
  let text = s;
  // An embedded IPv4 tail (::ffff:10.0.0.1) counts as two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

/** A host address as a full-length prefix, or a message. */
export function parseIp(s: string): Prefix | string {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { family: 4, value: v4, len: 32 };
  const v6 = s.includes(':') ? parseV6(s) : undefined;
  if (v6 !== undefined) return { family: 6, value: v6, len: 128 };
  return `"${s}" is not an IPv4 or IPv6 address`;
}

/** `addr/len` with zero host bits, or a message. */
export function parseCidr(s: string): Prefix | string {
  const slash = s.indexOf('/');
  if (slash < 0) return `"${s}" is not a CIDR prefix (addr/len)`;
  const ip = parseIp(s.slice(0, slash));
  if (typeof ip === 'string') return `"${s}" is not a CIDR prefix: ${ip}`;
  const lenText = s.slice(slash + 1);
  const max = bitsOf(ip.family);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return `"${s}": prefix length must be 0-${max}`;
  const len = Number(lenText);
  const host = (1n << BigInt(max - len)) - 1n;
  if ((ip.value & host) !== 0n) return `"${s}" has host bits set (did you mean ${formatPrefix({ ...ip, value: ip.value & ~host, len })}?)`;
  return { family: ip.family, value: ip.value, len };
}

/** A host address or a CIDR prefix; throws on invalid input (use after schema validation). */
export function toPrefix(s: string): Prefix {
  const r = s.includes('/') ? parseCidr(s) : parseIp(s);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

function mask(p: Prefix, len: number): bigint {
  const shift = BigInt(bitsOf(p.family) - len);
  return (p.value >> shift) << shift;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.len, b.len);
  return mask(a, len) === mask(b, len);
}

/** Whether `inner` lies entirely inside `outer`. */
export function contains(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && inner.len >= outer.len && mask(inner, outer.len) === outer.value;
}

/** One identity string per prefix (family, value, length), for maps of prefixes. */
export function prefixKey(p: Prefix): string {
  return `${p.family}:${p.value.toString(16)}/${p.len}`;
}

export function formatPrefix(p: Prefix): string {
  if (p.family === 4) {
    const bytes = [24n, 16n, 8n, 0n].map((s) => Number((p.value >> s) & 0xffn));
    return `${bytes.join('.')}/${p.len}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((p.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${p.len}`;
}

/** The address as big-endian bytes (4 or 16), for P4 lpm values. */
export function prefixBytes(p: Prefix): Buffer {
  const n = p.family === 4 ? 4 : 16;
  const out = Buffer.alloc(n);
  let v = p.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
