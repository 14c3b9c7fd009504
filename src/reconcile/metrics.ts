// Prometheus metrics, written in the text exposition format by hand (it is a
// few lines; a client library would be the largest dependency of the daemon).
// Counters, gauges and one histogram kind, each with optional labels.

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[];
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const all = Object.entries(labels);
  if (extra) all.push(extra);
  if (!all.length) return '';
  return `{${all.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort());
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

export class Counter extends Metric {
  private series = new Map<string, Series>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = keyOf(labels);
    const s = this.series.get(k) ?? this.series.set(k, { labels, value: 0 }).get(k)!;
    s.value += by;
  }
  get(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${labelText(s.labels)} ${num(s.value)}`);
  }
}

export class Gauge extends Metric {
  private series = new Map<string, Series>();
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.series.set(keyOf(labels), { labels, value });
  }
  get(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${labelText(s.labels)} ${num(s.value)}`);
  }
}

export class Histogram extends Metric {
  private series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, readonly buckets: number[]) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, value: number): void {
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s!.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText(s.labels, ['le', num(b)])} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** The reconciler's metrics. */
export class Metrics {
  readonly syncDuration = new Histogram('flowops_sync_duration_seconds', 'Time of one sync of one switch (read, diff, write, verify).', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);
  readonly syncs = new Counter('flowops_syncs_total', 'Syncs per switch by outcome (Converged, Unchanged, Failed, RolledBack, Skipped, Planned).');
  readonly updatesWritten = new Counter('flowops_updates_written_total', 'P4Runtime updates written, by switch and type (INSERT, MODIFY, DELETE), rollbacks included.');
  readonly driftEntries = new Gauge('flowops_drift_entries', 'Entries differing from Git at the last drift scan, by switch and kind (extraneous, missing, modified).');
  readonly errors = new Counter('flowops_errors_total', 'Errors by stage (git, specs, compile, connect, pipeline, read, write, drift).');
  readonly appliedTimestamp = new Gauge('flowops_last_sync_timestamp_seconds', 'Unix time of the last successful sync, by switch.');
  readonly primary = new Gauge('flowops_primary', '1 when this replica is the primary controller of the switch, else 0.');
  readonly up = new Gauge('flowops_switch_up', '1 when the switch is connected.');
  readonly headRejected = new Gauge('flowops_head_rejected', '1 while the branch head cannot be loaded or fails validation (switches keep the last good commit).');

  private all(): Metric[] {
    return [this.syncDuration, this.syncs, this.updatesWritten, this.driftEntries, this.errors, this.appliedTimestamp, this.primary, this.up, this.headRejected];
  }

  /** Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    for (const m of this.all()) {
      out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    return out.join('\n') + '\n';
  }
}
