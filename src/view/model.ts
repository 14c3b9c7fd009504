// What the web view shows, as plain data: the narrow, read-only snapshot the
// reconciler provides (src/reconcile/view-source.ts). The view renders from
// nothing else, so it stays pure and is tested without switches.

export interface ViewSnapshot {
  generatedAt: string;
  repo: RepoView;
  switches: SwitchView[];
  /** Newest first, bounded. */
  history: SyncRecord[];
  tenants: TenantView[];
  /** The span traffic figures cover at most (ms). */
  windowMs: number;
}

export interface RepoView {
  /** The repository for people (credentials redacted). */
  name: string;
  branch: string;
  headCommit?: string;
  gitError?: string;
  /** `https://github.com/OWNER/REPO` when the repo is on GitHub: files link to it at the commit. */
  webUrl?: string;
  /** Folder of the specs inside the repository ('' = root). */
  dir: string;
}

export interface SwitchView {
  name: string;
  address: string;
  role: 'primary' | 'backup' | 'disconnected';
  apiVersion?: string;
  appliedCommit?: string;
  /** `mode cookie` of the pipeline checked or pushed on this connection. */
  pipeline?: string;
  lastSync?: string;
  lastOutcome?: string;
  lastError?: string;
  drift?: { at: string; healed: boolean; entries: DriftLine[] };
  /** When the direct counters were last read. */
  countersAt?: string;
}

export interface DriftLine {
  kind: 'extraneous' | 'missing' | 'modified';
  table: string;
  description: string;
}

export interface SyncRecord {
  at: string;
  target: string;
  commit: string;
  reason: string;
  outcome: string;
  inserted: number;
  modified: number;
  deleted: number;
  durationMs: number;
  error?: string;
  traceId?: string;
}

export interface TenantView {
  name: string;
  /** Service names (without the tenant). */
  services: string[];
  flows: FlowView[];
}

export interface FlowView {
  /** `tenant/name` */
  name: string;
  tenant: string;
  /** A service name, or `role:NAME` for a flow from every service with a role label. */
  from: string;
  to: string;
  /** `tcp/443,8080` */
  what: string;
  expires?: string;
  /** Expires within the warning span (a day). */
  expiring: boolean;
  file: string;
  line: number;
  traffic: TrafficView[];
}

export interface TrafficView {
  target: string;
  packets: number;
  bytes: number;
  pps: number;
  bps: number;
  /** 0 = totals since the entry was installed (one sample so far). */
  spanMs: number;
}

export interface FlowDetail {
  flow: FlowView;
  commit: string;
  /** The flow's spec as written (the document's `spec`). */
  spec: unknown;
  /** Link to the file at the commit (GitHub repos only). */
  fileUrl?: string;
  entries: EntryView[];
}

export interface EntryView {
  target: string;
  table: string;
  description: string;
  packets?: number;
  bytes?: number;
}

/** What the reconciler gives the view. */
export interface ViewSource {
  overview(): ViewSnapshot;
  flow(name: string): FlowDetail | undefined;
}
