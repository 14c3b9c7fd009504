// Per-flow traffic from the P4 program's direct counters, sampled by the
// reconciler so the decisions it reports (a PR plan deleting a flow, `status
// --flows`, the web view) can say how busy a flow is. Memory is bounded: per
// switch and flow at most `maxSamples` samples, at least window/maxSamples
// apart (the newest one is always kept fresh), and the last per-entry counts
// only for switches up to `maxEntries` counted entries.
import type { DesiredState } from '../compile/types.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { entityKey, parseDirectCounter } from '../p4info/entity.ts';
import { directCounterRead } from '../p4rt/filters.ts';
import type { EntityRpc } from '../apply/session.ts';
import type { FlowTraffic } from './metrics.ts';
import type { StatusFileEntry } from './state-file.ts';

export interface CounterSample {
  /** Unix ms. */
  t: number;
  packets: number;
  bytes: number;
}

export interface Counts {
  packets: number;
  bytes: number;
}

/** What a flow did on one switch over the window. */
export interface FlowUsage extends Counts {
  /** Start of the measured span (the oldest sample inside the window), unix ms. */
  since: number;
  /** Span measured, ms (0 with one sample: the counts are then totals since install). */
  spanMs: number;
  /** Packets and bytes per second between the last two samples (0 with one sample). */
  pps: number;
  bps: number;
}

export interface CounterSamplerOptions {
  /** How far back usage is reported (ms); default 24 h. */
  windowMs?: number;
  /** Samples kept per flow and switch; default 96 (one per 15 min over 24 h). */
  maxSamples?: number;
  /** Keep per-entry counts of a switch only up to this many counted entries; default 100 000. */
  maxEntries?: number;
}

interface CounterSnapshot {
  flows: Map<string, CounterSample[]>;
  entries?: Map<string, Counts>;
  at: number;
}

export const DAY_MS = 24 * 3600 * 1000;

/** Reads the direct counters of every managed table that has one; sums them per flow (origin name). */
export async function readFlowCounters(
  session: EntityRpc,
  desired: DesiredState,
  index: P4InfoIndex,
): Promise<{ flows: Map<string, Counts>; entries: Map<string, Counts> }> {
  const tables = desired.managedTableIds.filter((id) => index.hasTable(id) && index.table(id).directCounterId !== 0);
  const flows = new Map<string, Counts>();
  const entries = new Map<string, Counts>();
  if (!tables.length) return { flows, entries };
  const origin = new Map<string, string>();
  for (const e of desired.entries) if (e.kind === 'table_entry' && e.origin.kind === 'flow') origin.set(e.key, e.origin.name);
  for (const ent of await session.read(tables.map(directCounterRead))) {
    const dc = parseDirectCounter(ent);
    if (!dc) continue;
    const key = entityKey(dc.tableEntry);
    entries.set(key, { packets: dc.packets, bytes: dc.bytes });
    const flow = origin.get(key);
    if (!flow) continue;
    const f = flows.get(flow) ?? flows.set(flow, { packets: 0, bytes: 0 }).get(flow)!;
    f.packets += dc.packets;
    f.bytes += dc.bytes;
  }
  return { flows, entries };
}

export class CounterSampler {
  readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly maxEntries: number;
  private readonly switches = new Map<string, CounterSnapshot>();

  constructor(o: CounterSamplerOptions = {}) {
    this.windowMs = o.windowMs ?? DAY_MS;
    this.maxSamples = Math.max(2, o.maxSamples ?? 96);
    this.maxEntries = o.maxEntries ?? 100_000;
  }

  /** Records one read of a switch's counters at `t` (unix ms). Flows not in `flows` are forgotten. */
  record(target: string, t: number, flows: ReadonlyMap<string, Counts>, entries?: ReadonlyMap<string, Counts>): void {
    const sw = this.switches.get(target) ?? this.switches.set(target, { flows: new Map(), at: t }).get(target)!;
    sw.at = t;
    sw.entries = entries && entries.size <= this.maxEntries ? new Map(entries) : undefined;
    const gap = this.windowMs / this.maxSamples;
    for (const name of [...sw.flows.keys()]) if (!flows.has(name)) sw.flows.delete(name);
    for (const [name, c] of flows) {
      const list = sw.flows.get(name) ?? sw.flows.set(name, []).get(name)!;
      const s = { t, packets: c.packets, bytes: c.bytes };
      // The newest sample is replaced until it is `gap` past the one before it.
      if (list.length >= 2 && t - list[list.length - 2].t < gap) list[list.length - 1] = s;
      else list.push(s);
      while (list.length > this.maxSamples || (list.length > 2 && list[1].t < t - this.windowMs)) list.shift();
    }
  }

  forget(target: string): void {
    this.switches.delete(target);
  }

  targets(): string[] {
    return [...this.switches.keys()].sort();
  }

  /** When the switch was last sampled (unix ms). */
  sampledAt(target: string): number | undefined {
    return this.switches.get(target)?.at;
  }

  /** The last counts of one entry (by canonical key), when kept. */
  entry(target: string, key: string): Counts | undefined {
    return this.switches.get(target)?.entries?.get(key);
  }

  /** Names of the flows sampled on a switch. */
  flows(target: string): string[] {
    return [...(this.switches.get(target)?.flows.keys() ?? [])].sort();
  }

  /** A flow's traffic in the window on one switch; undefined when never sampled there. */
  usage(target: string, flow: string): FlowUsage | undefined {
    const list = this.switches.get(target)?.flows.get(flow);
    if (!list?.length) return undefined;
    const last = list[list.length - 1];
    const first = list.find((s) => s.t >= last.t - this.windowMs) ?? last;
    // A counter that went down was reset (entry re-inserted, switch restarted): count from zero.
    const reset = last.packets < first.packets || last.bytes < first.bytes;
    const base = first === last || reset ? { packets: 0, bytes: 0 } : first;
    const prev = list.length >= 2 ? list[list.length - 2] : undefined;
    const dt = prev ? (last.t - prev.t) / 1000 : 0;
    const rate = (a: number, b: number) => (dt > 0 && a >= b ? (a - b) / dt : 0);
    return {
      packets: last.packets - base.packets,
      bytes: last.bytes - base.bytes,
      since: first.t,
      spanMs: first === last ? 0 : last.t - first.t,
      pps: prev ? rate(last.packets, prev.packets) : 0,
      bps: prev ? rate(last.bytes, prev.bytes) : 0,
    };
  }

  /** The latest totals per flow on a switch, for metrics. */
  latest(target: string, tenantOf: (flow: string) => string): FlowTraffic[] {
    const sw = this.switches.get(target);
    if (!sw) return [];
    return [...sw.flows].map(([flow, list]) => ({ target, flow, tenant: tenantOf(flow), packets: list[list.length - 1].packets, bytes: list[list.length - 1].bytes }));
  }
}

/** Flows kept in the status file per switch (the busiest first). */
export const STATUS_FLOWS = 1000;

/** The status file's traffic of one switch: the busiest flows over the sampler's window. */
export function statusTraffic(sampler: CounterSampler, target: string, at: Date): NonNullable<StatusFileEntry['traffic']> {
  const flows = sampler.flows(target).map((flow) => {
    const u = sampler.usage(target, flow)!;
    return { flow, packets: u.packets, bytes: u.bytes, spanMs: u.spanMs };
  });
  flows.sort((a, b) => b.packets - a.packets || (a.flow < b.flow ? -1 : 1));
  return { at: at.toISOString(), windowMs: sampler.windowMs, flows: flows.slice(0, STATUS_FLOWS) };
}

/** The tenant of a `tenant/name` flow. */
export function tenantOf(flow: string): string {
  const i = flow.indexOf('/');
  return i < 0 ? flow : flow.slice(0, i);
}
