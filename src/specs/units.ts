// The units a person writes in a Flow (rates, sizes, QoS class names, protocol
// names, port ranges) turned into the numbers the data plane wants. Inputs are
// schema-valid strings; the compiler uses these so it never re-parses text.
import { parsePortItem } from './ports.ts';
import { RATE_RE, SIZE_RE, type Flow, type QosClass } from './schema.ts';

const RATE_UNITS: Record<string, number> = { bps: 1, Kbps: 1e3, Mbps: 1e6, Gbps: 1e9, Tbps: 1e12 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** "100Mbps" → bytes per second (the flow meter counts bytes). */
export function rateBytesPerSecond(rate: string): number {
  const m = RATE_RE.exec(rate);
  if (!m) throw new Error(`not a rate: ${rate}`);
  return Math.round((Number(m[1]) * RATE_UNITS[m[2]!]!) / 8);
}

/** "1MB" → bytes. */
export function sizeBytes(size: string): number {
  const m = SIZE_RE.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!]!);
}

/** QoS class → egress queue id (P4 `allow(qid)`, bit<5>). A flow without qos uses best-effort. */
export const QOS_QUEUE: Record<QosClass, number> = { gold: 3, silver: 2, bronze: 1, 'best-effort': 0 };

export function qosQueue(flow: Flow): number {
  return QOS_QUEUE[flow.spec.qos ?? 'best-effort'];
}

export const PROTOCOL_NUMBER = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, esp: 50 } as const;

/** The IP protocol number of a flow (P4 key `ip_proto`). */
export function protocolNumber(flow: Flow): number {
  const p = flow.spec.protocol;
  return typeof p === 'number' ? p : PROTOCOL_NUMBER[p];
}

/** Whether the protocol carries ports (tcp, udp, or their numbers). */
export function hasPorts(protocol: Flow['spec']['protocol']): boolean {
  return protocol === 'tcp' || protocol === 'udp' || protocol === 6 || protocol === 17;
}

/**
 * The destination port ranges of a valid flow; `[[0, 0]]` for protocols
 * without ports (the P4 key `l4_dst_port` is 0 for them).
 */
export function portRanges(flow: Flow): [number, number][] {
  if (!flow.spec.ports) return [[0, 0]];
  return flow.spec.ports.map((p) => {
    const r = parsePortItem(p);
    if (typeof r === 'string') throw new Error(r);
    return r;
  });
}
