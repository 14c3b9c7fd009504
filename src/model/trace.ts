// A TypeScript model of p4/flowops_v1model.p4 (parser and keys.p4: VXLAN
// underlay classified by the inner packet, ESP/NAT-T as protocol 50; tenant by
// port+VLAN or underlay port+VNI; services and the tenant route side by side;
// flow_classify then flow_classify_range (ternary port cover); policy; NF
// steering overriding the route; egress tenant_rate), walked over decoded
// entries: the switch's live tables (read back) or a commit's compiled ones.
// It answers "why is this blocked?": each table applied, the key it looked
// up, the entry that matched (with its spec origin) and the verdict.
//
// Modelled exactly: match semantics (exact, LPM longest prefix, ternary/range
// by priority), default actions, the order and conditions of the apply block.
// Not modelled: meter colours (flow_meter, tenant_meter: taken as green, a trace has no rate),
// which member the selector's crc16 hash picks (every live member is named),
// IPv4 options/fragments (a trace packet has none).
import { TABLES } from '../compile/tables.ts';
import type { Origin } from '../compile/types.ts';
import { describeRow, fieldMatches, formatMatch, type Row } from './entries.ts';
import type { Packet } from './packet.ts';

export interface Step {
  table: string;
  /** The lookup key, for people. */
  key: string;
  hit?: { entry: string; origin?: Origin; metadata?: Buffer };
  /** What the table did: an action, or the default on a miss. */
  result: string;
}

export type Verdict =
  | { kind: 'forward'; port: number; dmac: string; via: 'route' }
  | { kind: 'nf'; group: number; instances: { member: number; port: number; dmac: string; weight: number; origin?: Origin }[] }
  | { kind: 'drop'; reason: string };

export interface Trace {
  packet: Packet;
  steps: Step[];
  verdict: Verdict;
  /** qid chosen by the policy, when the packet got that far. */
  qid?: number;
}

/** The tables of one switch, grouped for lookups. */
export class TableModel {
  private readonly byTable = new Map<string, Row[]>();
  readonly members = new Map<number, Row>();
  readonly groups = new Map<number, Row>();

  constructor(rows: readonly Row[]) {
    for (const r of rows) {
      if (r.kind === 'action_profile_member') this.members.set(r.memberId!, r);
      else if (r.kind === 'action_profile_group') this.groups.set(r.groupId!, r);
      else (this.byTable.get(r.table) ?? this.byTable.set(r.table, []).get(r.table)!).push(r);
    }
  }

  /** The entry a lookup hits: highest priority for ternary/range, longest prefix for LPM, the one exact entry otherwise. */
  lookup(table: string, key: Record<string, bigint>): Row | undefined {
    let best: Row | undefined;
    let bestRank = -1;
    for (const r of this.byTable.get(table) ?? []) {
      let ok = true;
      let lpmLen = 0;
      for (const [name, m] of r.match) {
        const v = key[name];
        if (v === undefined || !fieldMatches(m, v)) {
          ok = false;
          break;
        }
        if (m.kind === 'lpm') lpmLen = m.prefixLen;
      }
      if (!ok) continue;
      const rank = r.priority > 0 ? r.priority : lpmLen;
      if (rank > bestRank) {
        best = r;
        bestRank = rank;
      }
    }
    return best;
  }
}

const macText = (v: bigint) => v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');

/** The classification keys (p4/include/keys.p4): the inner packet of a VXLAN packet, else the outer one; ESP as protocol 50, port 0. */
function keys(p: Packet): { family?: 4 | 6; src?: bigint; dst?: bigint; proto: number; dport: number } {
  const vxlan = p.vni !== undefined;
  const l = vxlan ? p.inner : p;
  if (!l || l.family === undefined) return { proto: 0, dport: 0 };
  const natt = l.proto === 17 && l.dstPort === 4500 && (l.spi ?? 0) !== 0;
  if ((l.proto === 50 && (l.spi ?? 0) !== 0) || natt) return { family: l.family, src: l.src, dst: l.dst, proto: 50, dport: 0 };
  const ported = l.proto === 6 || l.proto === 17;
  return { family: l.family, src: l.src, dst: l.dst, proto: l.proto ?? 0, dport: ported ? (l.dstPort ?? 0) : 0 };
}

export function trace(model: TableModel, p: Packet): Trace {
  const steps: Step[] = [];
  const meta = { tenant: 0n, src: 0n, dst: 0n, flow: 0n, qid: 0 };
  const vlan = BigInt(p.vlan ?? 0);
  const vxlan = p.vni !== undefined;
  const k = keys(p);

  const apply = (table: string, key: Record<string, bigint>, onMiss: string): Row | undefined => {
    const hit = model.lookup(table, key);
    const keyText = Object.entries(key).map(([n, v]) => formatMatch(n, { kind: 'exact', value: v, bits: bitsOf(n, table) })).join(' ');
    steps.push({
      table,
      key: keyText,
      hit: hit ? { entry: describeRow(hit), origin: hit.origin, metadata: hit.metadata } : undefined,
      result: hit ? (hit.action ? hit.action.name : hit.groupId !== undefined ? `group ${hit.groupId}` : 'member') : `miss → ${onMiss}`,
    });
    return hit;
  };
  const done = (verdict: Verdict, qid?: number): Trace => ({ packet: p, steps, verdict, ...(qid !== undefined ? { qid } : {}) });
  const drop = (reason: string) => done({ kind: 'drop', reason });

  // ---------------------------------------------------------------- tenant: VNI on an underlay port, or (port, VLAN)
  const tc = vxlan
    ? apply(TABLES.tenantClassifyVni.name, { ingress_port: BigInt(p.ingressPort), vni: BigInt(p.vni!) }, 'drop()')
    : apply(TABLES.tenantClassify.name, { ingress_port: BigInt(p.ingressPort), vlan_id: vlan }, 'drop()');
  if (!tc) return drop(vxlan ? `no tenant has VNI ${p.vni} on port ${p.ingressPort} (not an underlay port, or an unknown VNI)` : `no tenant on port ${p.ingressPort} vlan ${p.vlan ?? 'untagged (0)'}`);
  if (tc.action?.name !== TABLES.tenantClassify.actions.setTenant.name) return drop(`${tc.table} entry drops it`);
  meta.tenant = tc.action.params.get('tenant_id') ?? 0n;

  // ---------------------------------------------------------------- services and the route, side by side
  let route: Row | undefined;
  if (k.family === 4 || k.family === 6) {
    const [s, d, r] = k.family === 4 ? [TABLES.srcServiceV4, TABLES.dstServiceV4, TABLES.tenantRouteV4] : [TABLES.srcServiceV6, TABLES.dstServiceV6, TABLES.tenantRouteV6];
    const sh = apply(s.name, { tenant_id: meta.tenant, src_addr: k.src! }, 'no_match() (service 0)');
    if (sh?.action?.name === s.actions.setSrcService.name) meta.src = sh.action.params.get('service_id') ?? 0n;
    const dh = apply(d.name, { tenant_id: meta.tenant, dst_addr: k.dst! }, 'no_match() (service 0)');
    if (dh?.action?.name === d.actions.setDstService.name) meta.dst = dh.action.params.get('service_id') ?? 0n;
    const rh = apply(r.name, { tenant_id: meta.tenant, dst_addr: k.dst! }, 'no_match() (not routed)');
    if (rh?.action?.name === r.actions.forward.name) route = rh;
  }
  const fkey = { tenant_id: meta.tenant, src_service: meta.src, dst_service: meta.dst, ip_proto: BigInt(k.proto), l4_dst_port: BigInt(k.dport) };
  let fc = apply(TABLES.flowClassify.name, fkey, 'no_match() (port ranges next)');
  if (!fc) fc = apply(TABLES.flowClassifyRange.name, fkey, 'drop()');
  if (!fc) {
    const unknown = [meta.src === 0n ? 'the source is no service of the tenant' : '', meta.dst === 0n ? 'the destination is no service of the tenant' : ''].filter(Boolean);
    return drop(`no flow allows it${unknown.length ? ` (${unknown.join('; ')})` : ''}: what no flow allows is dropped`);
  }
  if (fc.action?.name !== TABLES.flowClassify.actions.setFlow.name) return drop(`${fc.table} entry drops it`);
  meta.flow = fc.action.params.get('flow_id') ?? 0n;

  // ---------------------------------------------------------------- policy, then steering overrides the route
  const pol = apply(TABLES.flowPolicy.name, { flow_id: meta.flow }, 'drop()');
  if (!pol) return drop(`flow 0x${meta.flow.toString(16)} has no policy entry`);
  if (pol.action?.name !== TABLES.flowPolicy.actions.allow.name) return drop('the flow policy drops it');
  meta.qid = Number(pol.action.params.get('qid') ?? 0n);
  const st = apply(TABLES.nfSteer.name, { flow_id: meta.flow }, 'NoAction (the route decides)');
  let verdict: Verdict;
  if (st) {
    const g = st.groupId !== undefined ? model.groups.get(st.groupId) : undefined;
    const instances = (g?.members ?? []).flatMap((m) => {
      const row = model.members.get(m.id);
      if (!row?.action) return [];
      return [{ member: m.id, port: Number(row.action.params.get('port') ?? 0n), dmac: macText(row.action.params.get('dmac') ?? 0n), weight: m.weight, origin: row.origin }];
    });
    instances.sort((a, b) => a.member - b.member);
    if (!instances.length) return done({ kind: 'drop', reason: `NF group ${st.groupId} has no live instance` }, meta.qid);
    verdict = { kind: 'nf', group: st.groupId ?? 0, instances };
  } else if (route?.action) {
    verdict = { kind: 'forward', via: 'route', port: Number(route.action.params.get('port') ?? 0n), dmac: macText(route.action.params.get('dmac') ?? 0n) };
  } else {
    return done({ kind: 'drop', reason: k.family ? 'no route of the tenant for the destination, and the flow is not steered' : 'not IP: no route lookup' }, meta.qid);
  }
  // ---------------------------------------------------------------- egress: the tenant's aggregate rate (colour taken as green)
  apply(TABLES.tenantRate.name, { tenant_id: meta.tenant }, 'NoAction (no tenant rate)');
  return done(verdict, meta.qid);
}

function bitsOf(field: string, table: string): number {
  for (const t of Object.values(TABLES)) {
    if (t.name !== table) continue;
    const k = t.keys.find((x) => x.name === field);
    if (k) return k.bits;
  }
  return 32;
}

/** The verdict in one line: `forward port 1 (dmac …)`, `NF instances …`, `drop: why`. */
export function verdictText(v: Verdict): string {
  if (v.kind === 'forward') return `forward to port ${v.port} (dmac ${v.dmac}) by route`;
  if (v.kind === 'nf') return `to NF group ${v.group}: one of ${v.instances.map((i) => `port ${i.port} (dmac ${i.dmac}, weight ${i.weight}${i.origin ? `, ${i.origin.name}` : ''})`).join(', ')} — the selector's hash picks`;
  return `drop: ${v.reason}`;
}

/** The trace as text for a terminal. */
export function renderTrace(t: Trace, originText: (o: Origin | undefined, metadata?: Buffer) => string = (o) => (o ? `${o.file}:${o.line} ${o.kind} ${o.name}` : 'not in Git')): string {
  const lines = [`packet: ${t.packet.text}`];
  for (const s of t.steps) {
    lines.push(`  ${s.table.replace(/^ingress\./, '')} [${s.key}]`);
    if (s.hit) lines.push(`    hit ${s.hit.entry}`, `        from ${originText(s.hit.origin, s.hit.metadata)}`);
    else lines.push(`    ${s.result}`);
  }
  lines.push(`verdict: ${verdictText(t.verdict)}${t.qid !== undefined && t.verdict.kind !== 'drop' ? ` (queue ${t.qid})` : ''}`);
  return lines.join('\n') + '\n';
}

