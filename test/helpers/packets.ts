// A small packet builder and parser for the data-plane tests: a frame is a
// list of layers, outermost first. Each layer kind has one codec here; adding
// a header means adding one entry to CODECS (and, if something carries it, a
// line in the "next header" tables), e.g. VXLAN and ESP below.
import net from 'node:net';

export interface Eth { kind: 'eth'; dst: string; src: string; type?: number }
export interface Vlan { kind: 'vlan'; vid: number; pcp?: number; type?: number }
export interface Ipv4 { kind: 'ipv4'; src: string; dst: string; proto?: number; ttl?: number; dscp?: number; id?: number }
export interface Ipv6 { kind: 'ipv6'; src: string; dst: string; next?: number; hopLimit?: number; flowLabel?: number }
export interface Tcp { kind: 'tcp'; sport: number; dport: number; seq?: number; flags?: number }
export interface Udp { kind: 'udp'; sport: number; dport: number }
export interface Vxlan { kind: 'vxlan'; vni: number }
export interface Esp { kind: 'esp'; spi: number; seq: number }
export interface Raw { kind: 'raw'; data: Buffer }
export type Layer = Eth | Vlan | Ipv4 | Ipv6 | Tcp | Udp | Vxlan | Esp | Raw;
type Kind = Layer['kind'];

export const ETHERTYPE = { vlan: 0x8100, ipv4: 0x0800, ipv6: 0x86dd } as const;
export const IPPROTO = { tcp: 6, udp: 17, esp: 50 } as const;
export const VXLAN_PORT = 4789;

interface Codec<L extends Layer> {
  /** `inner` is everything after this layer, already encoded; `outer` the layers before it. */
  encode(l: L, inner: Buffer, next: Layer | undefined, outer: Layer[]): Buffer;
  /** The layer at `b[off]` and where the next one starts (and which kind it is, if known). */
  decode(b: Buffer, off: number): { layer: L; end: number; next?: Kind };
}

const byEthertype = (t: number): Kind | undefined => (t === 0x8100 ? 'vlan' : t === 0x0800 ? 'ipv4' : t === 0x86dd ? 'ipv6' : undefined);
const byProto = (p: number): Kind | undefined => (p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 50 ? 'esp' : undefined);
const ethertypeOf = (next: Layer | undefined, given?: number): number =>
  given ?? (next && next.kind in ETHERTYPE ? ETHERTYPE[next.kind as keyof typeof ETHERTYPE] : 0x88b5);
const protoOf = (next: Layer | undefined, given?: number): number =>
  given ?? (next && next.kind in IPPROTO ? IPPROTO[next.kind as keyof typeof IPPROTO] : 253);

function mac(s: string): Buffer {
  const b = Buffer.from(s.split(':').map((x) => parseInt(x, 16)));
  if (b.length !== 6) throw new Error(`bad MAC ${s}`);
  return b;
}
const macText = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

function ip4(s: string): Buffer {
  if (!net.isIPv4(s)) throw new Error(`bad IPv4 ${s}`);
  return Buffer.from(s.split('.').map(Number));
}
function ip6(s: string): Buffer {
  if (!net.isIPv6(s)) throw new Error(`bad IPv6 ${s}`);
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}
function ip6Text(b: Buffer): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** The ones'-complement sum used by IPv4, TCP and UDP. */
export function inetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  const all = Buffer.concat(parts);
  for (let i = 0; i < all.length; i += 2) sum += (all[i] << 8) + (i + 1 < all.length ? all[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(outer: Layer[], proto: number, len: number): Buffer {
  const ip = [...outer].reverse().find((l) => l.kind === 'ipv4' || l.kind === 'ipv6') as Ipv4 | Ipv6 | undefined;
  if (!ip) return Buffer.alloc(0);
  if (ip.kind === 'ipv4') {
    const b = Buffer.alloc(12);
    ip4(ip.src).copy(b, 0);
    ip4(ip.dst).copy(b, 4);
    b[9] = proto;
    b.writeUInt16BE(len, 10);
    return b;
  }
  const b = Buffer.alloc(40);
  ip6(ip.src).copy(b, 0);
  ip6(ip.dst).copy(b, 16);
  b.writeUInt32BE(len, 32);
  b[39] = proto;
  return b;
}

const CODECS: { [K in Kind]: Codec<Extract<Layer, { kind: K }>> } = {
  eth: {
    encode: (l, inner, next) => {
      const h = Buffer.alloc(14);
      mac(l.dst).copy(h, 0);
      mac(l.src).copy(h, 6);
      h.writeUInt16BE(ethertypeOf(next, l.type), 12);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => {
      const type = b.readUInt16BE(o + 12);
      return { layer: { kind: 'eth', dst: macText(b.subarray(o, o + 6)), src: macText(b.subarray(o + 6, o + 12)), type }, end: o + 14, next: byEthertype(type) };
    },
  },
  vlan: {
    encode: (l, inner, next) => {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(((l.pcp ?? 0) << 13) | (l.vid & 0xfff), 0);
      h.writeUInt16BE(ethertypeOf(next, l.type), 2);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => {
      const tci = b.readUInt16BE(o);
      const type = b.readUInt16BE(o + 2);
      return { layer: { kind: 'vlan', vid: tci & 0xfff, pcp: tci >> 13, type }, end: o + 4, next: byEthertype(type) };
    },
  },
  ipv4: {
    encode: (l, inner, next) => {
      const h = Buffer.alloc(20);
      h[0] = 0x45;
      h[1] = (l.dscp ?? 0) << 2;
      h.writeUInt16BE(20 + inner.length, 2);
      h.writeUInt16BE(l.id ?? 0, 4);
      h[8] = l.ttl ?? 64;
      h[9] = protoOf(next, l.proto);
      ip4(l.src).copy(h, 12);
      ip4(l.dst).copy(h, 16);
      h.writeUInt16BE(inetChecksum(h), 10);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => {
      const ihl = (b[o] & 0x0f) * 4;
      const proto = b[o + 9];
      const layer: Ipv4 = { kind: 'ipv4', src: [...b.subarray(o + 12, o + 16)].join('.'), dst: [...b.subarray(o + 16, o + 20)].join('.'), proto, ttl: b[o + 8], dscp: b[o + 1] >> 2, id: b.readUInt16BE(o + 4) };
      return { layer, end: o + ihl, next: byProto(proto) };
    },
  },
  ipv6: {
    encode: (l, inner, next) => {
      const h = Buffer.alloc(40);
      h.writeUInt32BE((6 << 28) | ((l.flowLabel ?? 0) & 0xfffff), 0);
      h.writeUInt16BE(inner.length, 4);
      h[6] = protoOf(next, l.next);
      h[7] = l.hopLimit ?? 64;
      ip6(l.src).copy(h, 8);
      ip6(l.dst).copy(h, 24);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => {
      const nh = b[o + 6];
      const layer: Ipv6 = { kind: 'ipv6', src: ip6Text(b.subarray(o + 8, o + 24)), dst: ip6Text(b.subarray(o + 24, o + 40)), next: nh, hopLimit: b[o + 7], flowLabel: b.readUInt32BE(o) & 0xfffff };
      return { layer, end: o + 40, next: byProto(nh) };
    },
  },
  tcp: {
    encode: (l, inner, _next, outer) => {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(l.sport, 0);
      h.writeUInt16BE(l.dport, 2);
      h.writeUInt32BE(l.seq ?? 1, 4);
      h[12] = 5 << 4;
      h[13] = l.flags ?? 0x02;
      h.writeUInt16BE(65535, 14);
      h.writeUInt16BE(inetChecksum(pseudoHeader(outer, 6, 20 + inner.length), h, inner), 16);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => ({ layer: { kind: 'tcp', sport: b.readUInt16BE(o), dport: b.readUInt16BE(o + 2), seq: b.readUInt32BE(o + 4), flags: b[o + 13] }, end: o + (b[o + 12] >> 4) * 4 }),
  },
  udp: {
    encode: (l, inner, _next, outer) => {
      const h = Buffer.alloc(8);
      h.writeUInt16BE(l.sport, 0);
      h.writeUInt16BE(l.dport, 2);
      h.writeUInt16BE(8 + inner.length, 4);
      h.writeUInt16BE(inetChecksum(pseudoHeader(outer, 17, 8 + inner.length), h, inner) || 0xffff, 6);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => {
      const dport = b.readUInt16BE(o + 2);
      return { layer: { kind: 'udp', sport: b.readUInt16BE(o), dport }, end: o + 8, next: dport === VXLAN_PORT ? 'vxlan' : undefined };
    },
  },
  vxlan: {
    encode: (l, inner) => {
      const h = Buffer.alloc(8);
      h[0] = 0x08;
      h.writeUIntBE(l.vni, 4, 3);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => ({ layer: { kind: 'vxlan', vni: b.readUIntBE(o + 4, 3) }, end: o + 8, next: 'eth' }),
  },
  esp: {
    encode: (l, inner) => {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(l.spi >>> 0, 0);
      h.writeUInt32BE(l.seq >>> 0, 4);
      return Buffer.concat([h, inner]);
    },
    decode: (b, o) => ({ layer: { kind: 'esp', spi: b.readUInt32BE(o), seq: b.readUInt32BE(o + 4) }, end: o + 8 }),
  },
  raw: {
    encode: (l, inner) => Buffer.concat([l.data, inner]),
    decode: (b, o) => ({ layer: { kind: 'raw', data: Buffer.from(b.subarray(o)) }, end: b.length }),
  },
};

/** Encodes layers (outermost first) into a frame; type/protocol fields default from the next layer, checksums are computed. */
export function buildFrame(layers: Layer[]): Buffer {
  let inner: Buffer = Buffer.alloc(0);
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    inner = (CODECS[l.kind] as Codec<Layer>).encode(l, inner, layers[i + 1], layers.slice(0, i));
  }
  // Ethernet's minimum: short frames are padded, as a NIC would.
  return inner.length < 60 ? Buffer.concat([inner, Buffer.alloc(60 - inner.length)]) : inner;
}

/** Decodes a frame into layers; what follows the last known header is one `raw` layer. */
export function parseFrame(frame: Buffer): Layer[] {
  const out: Layer[] = [];
  let off = 0;
  let kind: Kind | undefined = 'eth';
  while (off < frame.length) {
    if (!kind) {
      out.push({ kind: 'raw', data: Buffer.from(frame.subarray(off)) });
      break;
    }
    const d = (CODECS[kind] as Codec<Layer>).decode(frame, off);
    out.push(d.layer);
    off = d.end;
    kind = d.next;
  }
  return out;
}

/** The first layer of `kind` (after `skip` earlier ones), for assertions. */
export function layer<K extends Kind>(layers: Layer[], kind: K, skip = 0): Extract<Layer, { kind: K }> | undefined {
  return layers.filter((l) => l.kind === kind)[skip] as Extract<Layer, { kind: K }> | undefined;
}
