// A test packet written the way an operator says it:
//   port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443
//   port=3 2001:db8:101:1::5 -> 2001:db8:101:4::5 udp/53 sport=5353
//   port=3 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/443
//                                                      (UDP/4789 carrying VXLAN, and the inner packet)
//   port=3 vlan=101 10.1.1.5 -> 10.1.4.5 esp spi=4096  (ESP; `udp/4500 spi=N` for NAT-T)
//   port=3 vlan=101 10.1.1.5 -> 10.1.4.5 icmp | proto=47
// Parsed into the header fields the P4 parser would extract.
import { FlowopsError } from '../shared/errors.ts';
import { parseIp } from '../specs/ip.ts';

export const VXLAN_PORT = 4789;
const PROTO: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, esp: 50, icmpv6: 58 };

export interface Packet {
  ingressPort: number;
  /** 802.1Q VID; absent = untagged. */
  vlan?: number;
  family?: 4 | 6;
  src?: bigint;
  dst?: bigint;
  proto?: number;
  srcPort?: number;
  dstPort?: number;
  /** VXLAN header present (UDP dst 4789) with this VNI. */
  vni?: number;
  /** ESP security parameter index (ESP, or UDP/4500 NAT-T). */
  spi?: number;
  /** The packet inside VXLAN (after `inner`). */
  inner?: Omit<Packet, 'ingressPort' | 'vlan' | 'vni' | 'inner' | 'text'>;
  /** The text it was parsed from. */
  text: string;
}

export class PacketSyntaxError extends FlowopsError {}

function int(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new PacketSyntaxError('TRACE_PACKET', `${what} "${text}" must be an integer 0-${max}`, { text });
  return Number(text);
}

export function parsePacket(text: string): Packet {
  const all = text.trim().split(/\s+/).filter(Boolean);
  const cut = all.indexOf('inner');
  const p = parseLayer(cut < 0 ? all : all.slice(0, cut), text, true);
  if (cut >= 0) {
    if (p.vni === undefined) throw new PacketSyntaxError('TRACE_PACKET', '`inner` follows a VXLAN packet (vxlan vni=N)', { text });
    const { ingressPort: _port, text: _t, vlan: _v, vni: _n, inner: _i, ...inner } = parseLayer(all.slice(cut + 1), text, false);
    p.inner = inner;
  }
  return p;
}

function parseLayer(words: string[], text: string, outer: boolean): Packet {
  const p: Packet = { ingressPort: -1, text };
  const addrs: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const kv = /^([a-z]+)=(.*)$/.exec(w);
    if (kv) {
      const [, k, v] = kv as unknown as [string, string, string];
      if (k === 'port') p.ingressPort = int(v, 'port', 511);
      else if (k === 'vlan') p.vlan = int(v, 'vlan', 4095);
      else if (k === 'vni') p.vni = int(v, 'vni', 0xffffff);
      else if (k === 'sport') p.srcPort = int(v, 'sport', 65535);
      else if (k === 'dport') p.dstPort = int(v, 'dport', 65535);
      else if (k === 'proto') p.proto = int(v, 'proto', 255);
      else if (k === 'spi') p.spi = int(v, 'spi', 0xffffffff);
      else throw new PacketSyntaxError('TRACE_PACKET', `unknown field "${k}" (port, vlan, vni, sport, dport, proto, spi)`, { text });
    } else if (w === '->' || w === '→') continue;
    else if (w === 'vxlan') {
      p.proto = 17;
      p.dstPort = VXLAN_PORT;
      p.vni ??= 0;
    } else if (/^(tcp|udp|icmp|icmpv6|esp)(\/\d+)?$/.test(w)) {
      const [name, port] = w.split('/') as [string, string | undefined];
      p.proto = PROTO[name]!;
      if (port !== undefined) p.dstPort = int(port, 'port', 65535);
    } else addrs.push(w);
  }
  if (outer && p.ingressPort < 0) throw new PacketSyntaxError('TRACE_PACKET', 'the packet needs port=N (the ingress switch port)', { text });
  if (addrs.length !== 0 && addrs.length !== 2) throw new PacketSyntaxError('TRACE_PACKET', `expected "SRC -> DST", got ${addrs.join(' ')}`, { text });
  if (addrs.length === 2) {
    const [s, d] = addrs.map((a) => parseIp(a));
    if (typeof s === 'string' || typeof d === 'string') throw new PacketSyntaxError('TRACE_PACKET', `not an address: ${typeof s === 'string' ? addrs[0] : addrs[1]}`, { text });
    if (s!.family !== d!.family) throw new PacketSyntaxError('TRACE_PACKET', 'source and destination are of different IP versions', { text });
    p.family = s!.family;
    p.src = s!.value;
    p.dst = d!.value;
  }
  if (p.vni !== undefined && (p.proto !== 17 || p.dstPort !== VXLAN_PORT)) {
    p.proto = 17;
    p.dstPort = VXLAN_PORT;
  }
  return p;
}
