// Prometheus metrics through prom-client, one registry per reconciler (tests
// run several in one process). The exported shape (`Metrics` with named
// series and `render()`) is what the loop and its tests use; prom-client's
// default process metrics come along. Label cardinality is bounded: series are
// per switch and per tenant (at most `maxTenants`, the rest summed under
// tenant="_other"); per-flow series exist only when `perFlow` is set.
import client from 'prom-client';
import type { EntityRpc } from '../apply/session.ts';

type Labels = Record<string, string>;

/** A counter with the loop's call shape: inc(labels, by). */
export class Counter {
  constructor(private readonly c: client.Counter<string>) {}
  inc(labels: Labels = {}, by = 1): void {
    this.c.inc(labels, by);
  }
}

export class Gauge {
  constructor(private readonly g: client.Gauge<string>) {}
  set(labels: Labels, value: number): void {
    this.g.set(labels, value);
  }
}

export class Histogram {
  constructor(private readonly h: client.Histogram<string>) {}
  observe(labels: Labels, value: number): void {
    this.h.observe(labels, value);
  }
}

export interface MetricsOptions {
  /** Default process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
  /** Tenants with their own series; further tenants are summed under "_other". Default 50. */
  maxTenants?: number;
  /** Per-flow packet/byte series (label `flow`); off by default: one series per flow per switch. */
  perFlow?: boolean;
}

/** Traffic of one flow on one switch, as the counter sampler last saw it. */
export interface FlowTraffic {
  target: string;
  tenant: string;
  flow: string;
  packets: number;
  bytes: number;
}

export const OTHER_TENANT = '_other';
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The reconciler's metrics. */
export class Metrics {
  readonly registry = new client.Registry();
  readonly syncDuration: Histogram;
  readonly writeDuration: Histogram;
  readonly syncs: Counter;
  readonly updatesWritten: Counter;
  readonly driftEntries: Gauge;
  readonly errors: Counter;
  readonly appliedTimestamp: Gauge;
  readonly primary: Gauge;
  readonly up: Gauge;
  readonly headRejected: Gauge;
  private readonly tenantPackets: client.Gauge<string>;
  private readonly tenantBytes: client.Gauge<string>;
  private readonly tenantFlows: client.Gauge<string>;
  private readonly flowPackets?: client.Gauge<string>;
  private readonly flowBytes?: client.Gauge<string>;
  private readonly maxTenants: number;
  private readonly traffic = new Map<string, readonly FlowTraffic[]>();

  constructor(o: MetricsOptions = {}) {
    const registers = [this.registry];
    const counter = (name: string, help: string, labelNames: string[]) => new client.Counter({ name, help, labelNames, registers });
    const gauge = (name: string, help: string, labelNames: string[]) => new client.Gauge({ name, help, labelNames, registers });
    const histogram = (name: string, help: string) => new client.Histogram({ name, help, labelNames: ['target'], buckets: LATENCY_BUCKETS, registers });
    this.syncDuration = new Histogram(histogram('flowops_sync_duration_seconds', 'Time of one sync of one switch (read, diff, write, verify).'));
    this.writeDuration = new Histogram(histogram('flowops_write_duration_seconds', 'Time of one P4Runtime Write RPC, by switch.'));
    this.syncs = new Counter(counter('flowops_syncs_total', 'Syncs per switch by outcome (Converged, Unchanged, Failed, RolledBack, Skipped, Planned).', ['target', 'outcome']));
    this.updatesWritten = new Counter(counter('flowops_updates_written_total', 'P4Runtime updates written, by switch and type (INSERT, MODIFY, DELETE), rollbacks included.', ['target', 'type']));
    this.driftEntries = new Gauge(gauge('flowops_drift_entries', 'Entries differing from Git at the last drift scan, by switch and kind (extraneous, missing, modified).', ['target', 'kind']));
    this.errors = new Counter(counter('flowops_errors_total', 'Errors by stage (git, specs, compile, connect, pipeline, read, write, drift, report, counters).', ['stage', 'target']));
    this.appliedTimestamp = new Gauge(gauge('flowops_last_sync_timestamp_seconds', 'Unix time of the last successful sync, by switch.', ['target']));
    this.primary = new Gauge(gauge('flowops_primary', '1 when this replica is the primary controller of the switch, else 0.', ['target']));
    this.up = new Gauge(gauge('flowops_switch_up', '1 when the switch is connected.', ['target']));
    this.headRejected = new Gauge(gauge('flowops_head_rejected', '1 while the branch head cannot be loaded or fails validation (switches keep the last good commit).', []));
    this.tenantPackets = gauge('flowops_tenant_packets', 'Packets counted by the direct counters of a tenant\'s flow entries, by switch (last sample).', ['target', 'tenant']);
    this.tenantBytes = gauge('flowops_tenant_bytes', 'Bytes counted by the direct counters of a tenant\'s flow entries, by switch (last sample).', ['target', 'tenant']);
    this.tenantFlows = gauge('flowops_tenant_flows', 'Flows of a tenant installed on a switch.', ['target', 'tenant']);
    if (o.perFlow) {
      this.flowPackets = gauge('flowops_flow_packets', 'Packets of one flow on one switch (metrics.perFlow).', ['target', 'tenant', 'flow']);
      this.flowBytes = gauge('flowops_flow_bytes', 'Bytes of one flow on one switch (metrics.perFlow).', ['target', 'tenant', 'flow']);
    }
    this.maxTenants = o.maxTenants ?? 50;
    if (o.processMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  /** Replaces one switch's traffic series with the sampler's latest figures. */
  setTraffic(target: string, flows: readonly FlowTraffic[]): void {
    this.traffic.set(target, flows);
    for (const g of [this.tenantPackets, this.tenantBytes, this.tenantFlows, this.flowPackets, this.flowBytes]) g?.reset();
    for (const [t, list] of this.traffic) this.setSwitchTraffic(t, list);
  }

  /** Forgets a switch that left the specs. */
  dropTraffic(target: string): void {
    if (!this.traffic.has(target)) return;
    this.setTraffic(target, []);
    this.traffic.delete(target);
  }

  private setSwitchTraffic(target: string, flows: readonly FlowTraffic[]): void {
    const tenants = new Map<string, { packets: number; bytes: number; flows: number }>();
    for (const f of flows) {
      const t = tenants.get(f.tenant) ?? tenants.set(f.tenant, { packets: 0, bytes: 0, flows: 0 }).get(f.tenant)!;
      t.packets += f.packets;
      t.bytes += f.bytes;
      t.flows++;
    }
    // The busiest tenants keep their own label; the tail is summed (bounded cardinality).
    const ranked = [...tenants].sort((a, b) => b[1].packets - a[1].packets || (a[0] < b[0] ? -1 : 1));
    const shown = new Map(ranked.slice(0, this.maxTenants));
    const rest = ranked.slice(this.maxTenants);
    if (rest.length) shown.set(OTHER_TENANT, rest.reduce((s, [, v]) => ({ packets: s.packets + v.packets, bytes: s.bytes + v.bytes, flows: s.flows + v.flows }), { packets: 0, bytes: 0, flows: 0 }));
    for (const [tenant, v] of shown) {
      this.tenantPackets.set({ target, tenant }, v.packets);
      this.tenantBytes.set({ target, tenant }, v.bytes);
      this.tenantFlows.set({ target, tenant }, v.flows);
    }
    if (this.flowPackets && this.flowBytes) {
      for (const f of flows) {
        this.flowPackets.set({ target, tenant: f.tenant, flow: f.flow }, f.packets);
        this.flowBytes.set({ target, tenant: f.tenant, flow: f.flow }, f.bytes);
      }
    }
  }

  /** A session whose Write RPCs are timed into flowops_write_duration_seconds{target}. */
  timedWrites<S extends EntityRpc>(session: S, target: string): EntityRpc {
    return {
      write: async (updates, opts) => {
        const end = performance.now();
        try {
          return await session.write(updates, opts);
        } finally {
          this.writeDuration.observe({ target }, (performance.now() - end) / 1000);
        }
      },
      read: (filters) => session.read(filters),
    };
  }

  /** Prometheus text exposition format (version 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
