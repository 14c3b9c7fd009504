// The reconciler's read-only face for people: the snapshot the web view
// (src/view/) renders, built from the status, the applied desired state and
// the counter sampler. It holds the little the status file does not: a
// bounded sync history and the last drift entries of each switch.
import { describeEntity } from '../p4info/entity.ts';
import type { DriftEntry, SyncResult } from '../report/events.ts';
import type { FlowDetail, FlowView, SwitchView, SyncRecord, TenantView, TrafficView, ViewSnapshot, ViewSource } from '../view/model.ts';
import type { CounterSampler } from './counters.ts';
import type { DesiredSet, FlowSummary } from '../desired/types.ts';
import type { StatusFile } from './state-file.ts';
import { formatCookie } from '../pipeline/cookie.ts';

/** What the provider reads from the reconciler (all of it live, none of it copied). */
export interface ViewInputs {
  status(): StatusFile;
  desired(): DesiredSet | undefined;
  /** `mode cookie` of the pipeline checked on each connected switch. */
  pipelineOf(target: string): string | undefined;
  sampler: CounterSampler;
  repo: { name: string; url?: string; branch: string; dir: string };
  now(): Date;
}

const HISTORY = 200;
const DRIFT_SHOWN = 200;
const EXPIRING_MS = 24 * 3600 * 1000;

/** https://github.com/OWNER/REPO for a GitHub https URL (credentials and .git dropped); else undefined. */
export function githubWebUrl(url?: string): string | undefined {
  const m = /^https:\/\/(?:[^@/]+@)?github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url ?? '');
  return m ? `https://github.com/${m[1]}/${m[2]}` : undefined;
}

function what(f: FlowSummary): string {
  const ports = f.spec.ports?.length ? `/${f.spec.ports.join(',')}` : '';
  return `${f.spec.protocol}${ports}`;
}

/** `push 123` (mode, decimal cookie) → `push 0x…` as the rest of flowops prints cookies. */
function pipelineWords(p?: string): string | undefined {
  const m = /^(\S+) (\d+)$/.exec(p ?? '');
  return m ? `${m[1]} ${formatCookie(BigInt(m[2]))}` : p;
}

export class ReconcilerView implements ViewSource {
  private readonly history: SyncRecord[] = [];
  private readonly drift = new Map<string, { at: string; healed: boolean; entries: DriftEntry[] }>();

  constructor(private readonly i: ViewInputs) {}

  /** One switch's sync ended (called with every outcome). */
  recordSync(commit: string, reason: string, r: SyncResult, traceId?: string): void {
    this.history.unshift({
      at: this.i.now().toISOString(), target: r.target, commit, reason, outcome: r.outcome,
      inserted: r.written.inserted, modified: r.written.modified, deleted: r.written.deleted, durationMs: r.durationMs, error: r.error?.message, traceId,
    });
    this.history.length = Math.min(this.history.length, HISTORY);
  }

  /** A drift scan found `entries` on `target` (empty: the switch matches again). */
  recordDrift(target: string, entries: readonly DriftEntry[], healed: boolean): void {
    if (!entries.length) this.drift.delete(target);
    else this.drift.set(target, { at: this.i.now().toISOString(), healed, entries: entries.slice(0, DRIFT_SHOWN) });
  }

  private traffic(flow: string): TrafficView[] {
    const out: TrafficView[] = [];
    for (const target of this.i.sampler.targets()) {
      const u = this.i.sampler.usage(target, flow);
      if (u) out.push({ target, packets: u.packets, bytes: u.bytes, pps: u.pps, bps: u.bps, spanMs: u.spanMs });
    }
    return out;
  }

  private flowView(f: FlowSummary, now: number): FlowView {
    const exp = f.spec.expires ? Date.parse(f.spec.expires) : undefined;
    return {
      name: f.name, tenant: f.tenant,
      from: 'service' in f.spec.from ? f.spec.from.service : `role:${f.spec.from.role}`,
      to: f.spec.to.service, what: what(f), expires: f.spec.expires, expiring: exp !== undefined && exp - now < EXPIRING_MS,
      file: f.file, line: f.line, traffic: this.traffic(f.name),
    };
  }

  overview(): ViewSnapshot {
    const st = this.i.status();
    const d = this.i.desired();
    const now = this.i.now();
    const switches: SwitchView[] = Object.values(st.switches).sort((a, b) => (a.target < b.target ? -1 : 1)).map((s) => {
      const dr = this.drift.get(s.target);
      const at = this.i.sampler.sampledAt(s.target);
      return {
        name: s.target, address: s.address ?? '', role: s.role ?? 'disconnected', apiVersion: s.apiVersion, appliedCommit: s.appliedCommit,
        pipeline: pipelineWords(this.i.pipelineOf(s.target)), lastSync: s.lastSync, lastOutcome: s.lastOutcome, lastError: s.lastError,
        drift: dr ?? (s.drift ? { at: s.drift.at, healed: s.drift.healed, entries: s.drift.sample.map((x) => ({ kind: x.split(' ')[0] as DriftEntry['kind'], table: '', description: x.slice(x.indexOf(' ') + 1) })) } : undefined),
        countersAt: at === undefined ? undefined : new Date(at).toISOString(),
      };
    });
    const tenants = new Map<string, TenantView>();
    const tenant = (name: string) => tenants.get(name) ?? tenants.set(name, { name, services: [], flows: [] }).get(name)!;
    for (const s of d?.services ?? []) tenant(s.tenant).services.push(s.name);
    for (const f of d?.flows ?? []) tenant(f.tenant).flows.push(this.flowView(f, now.getTime()));
    return {
      generatedAt: now.toISOString(),
      repo: { name: this.i.repo.name, branch: this.i.repo.branch, headCommit: st.headCommit, gitError: st.gitError, webUrl: githubWebUrl(this.i.repo.url), dir: this.i.repo.dir },
      switches, history: [...this.history], tenants: [...tenants.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), windowMs: this.i.sampler.windowMs,
    };
  }

  flow(name: string): FlowDetail | undefined {
    const d = this.i.desired();
    const f = d?.flows.find((x) => x.name === name);
    if (!d || !f) return undefined;
    const web = githubWebUrl(this.i.repo.url);
    const file = [this.i.repo.dir.replace(/^\/+|\/+$/g, ''), f.file].filter(Boolean).join('/');
    const entries: FlowDetail['entries'] = [];
    for (const [target, state] of d.states) {
      const index = d.pipelines.get(target)!.index;
      for (const e of state.entries) {
        if (e.origin.kind !== 'flow' || e.origin.name !== name) continue;
        let description: string;
        try {
          description = describeEntity(e.bytes, index);
        } catch (err) {
          description = `(undecodable: ${(err as Error).message})`;
        }
        const c = this.i.sampler.entry(target, e.key);
        entries.push({ target, table: e.table, description, packets: c?.packets, bytes: c?.bytes });
      }
    }
    return {
      flow: this.flowView(f, this.i.now().getTime()), commit: d.commit, spec: f.spec,
      fileUrl: web ? `${web}/blob/${d.commit}/${file.split('/').map(encodeURIComponent).join('/')}#L${f.line}` : undefined,
      entries,
    };
  }
}
