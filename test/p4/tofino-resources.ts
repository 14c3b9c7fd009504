// Reads bf-p4c's `-g` output (pipe/logs/resources.json, table_summary.log)
// into the figures p4/README.md records: ingress/egress stages, and SRAM,
// map-RAM and TCAM blocks per table and in total.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TofinoResources {
  ingressStages: number;
  egressStages: number;
  /** table (or attached object) name → blocks */
  sram: Map<string, number>;
  tcam: Map<string, number>;
  mapRam: Map<string, number>;
  totals: { sram: number; tcam: number; mapRam: number };
}

const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** `out`: the `-o` folder of a bf-p4c run. */
export function readTofinoResources(out: string): TofinoResources {
  const summary = readFileSync(join(out, 'pipe/logs/table_summary.log'), 'utf8');
  const last = (re: RegExp) => {
    const all = [...summary.matchAll(re)];
    if (!all.length) throw new Error(`table_summary.log: no line matching ${re}`);
    return Number(all[all.length - 1]![1]);
  };
  const ingressStages = last(/Number of stages for ingress table allocation: (\d+)/g);
  const egressStages = last(/Number of stages for egress table allocation: (\d+)/g);
  const res = JSON.parse(readFileSync(join(out, 'pipe/logs/resources.json'), 'utf8')) as {
    resources: { mau: { mau_stages: Array<{ rams: { srams: Usage[] }; tcams: { tcams: Usage[] }; map_rams: { maprams: Usage[] } }> } };
  };
  type Usage = { usages: Array<{ used_by: string }> };
  const sram = new Map<string, number>();
  const tcam = new Map<string, number>();
  const mapRam = new Map<string, number>();
  for (const st of res.resources.mau.mau_stages) {
    for (const r of st.rams?.srams ?? []) add(sram, r.usages[0]!.used_by);
    for (const t of st.tcams?.tcams ?? []) add(tcam, t.usages[0]!.used_by);
    for (const m of st.map_rams?.maprams ?? []) add(mapRam, m.usages[0]!.used_by);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return { ingressStages, egressStages, sram, tcam, mapRam, totals: { sram: sum(sram), tcam: sum(tcam), mapRam: sum(mapRam) } };
}
