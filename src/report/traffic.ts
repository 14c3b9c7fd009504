// Traffic figures for people, in one place: "1.2 M packets (96 MB) in the
// last 24 h on leaf1". The PR plan, `flowops status --flows` and the web view
// all say it the same way. Pure.

/** What one flow carried on one switch over a span (from the direct counters). */
export interface TrafficFigure {
  packets: number;
  bytes: number;
  /** Span the counts cover (ms); 0 = one sample so far: totals since the entry was installed. */
  spanMs: number;
}

/** Traffic of a flow (`tenant/name`) on a switch, if it was ever sampled there. */
export type TrafficReader = (target: string, flow: string) => TrafficFigure | undefined;

/** 1.2 M, 950, 12 k — counts for people. */
export function humanCount(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) if (n >= v) return `${(n / v).toFixed(n / v >= 100 ? 0 : 1).replace(/\.0$/, '')} ${u}`;
  return String(Math.round(n));
}

/** 24 h, 35 min, 10 s. */
export function humanSpan(ms: number): string {
  if (ms >= 3600_000) return `${Math.round(ms / 3600_000)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

/** "1.2 M packets (96 MB) in the last 24 h on leaf1", or "… since it was installed on leaf1". */
export function trafficWords(f: TrafficFigure, target: string): string {
  const span = f.spanMs ? `in the last ${humanSpan(f.spanMs)}` : 'since it was installed';
  const bytes = humanCount(f.bytes);
  return `${humanCount(f.packets)} packets (${bytes}${bytes.endsWith(' ') || /[kMGT]$/.test(bytes) ? 'B' : ' B'}) ${span} on ${target}`;
}
