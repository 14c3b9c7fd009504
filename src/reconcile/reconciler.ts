// The loop. Git commit → desired state per switch → (read, diff, apply,
// verify) per switch, on a schedule; plus the drift scan (switch changed with
// no Git change) and the expiry tick (a flow's `expires` passed). Every run of
// every loop holds one lock, so a switch is never written by two of them at
// once; each switch's sync ends in exactly one outcome from the closed set in
// report/events.ts, and that outcome goes to logs, metrics, the status file
// and the reporter alike.
//
// HA: each switch connection takes part in P4Runtime arbitration with the
// configured election id. A backup never writes; when it is promoted it runs
// a normal sync — read, diff — which on a switch the old primary converged
// finds nothing to write.
import { parseOperatorKeys, type SerialRecord } from '../specs/trust.ts';
import { readSerials, rememberSerials, serialsFileBeside } from './serials.ts';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { silentLogger, type Logger } from '../shared/log.ts';
import { FlowopsError, formatPos } from '../shared/errors.ts';
import { GitSource, redact } from '../source/git-source.ts';
import type { DesiredState } from '../compile/types.ts';
import { plan } from '../diff/plan.ts';
import { planSize, type Plan } from '../diff/types.ts';
import { applyPlan, type ApplyResult } from '../apply/apply.ts';
import type { Reporter, SwitchResult, SyncEvent, SyncOutcome, DriftEvent } from '../report/events.ts';
import { resolvePath, type LoadedConfig } from './config.ts';
import { DesiredCache, desiredState } from '../desired/desired.ts';
import type { DesiredSet } from '../desired/types.ts';
import { Metrics } from './metrics.ts';
import { startHttp, type HttpHandler, type RunningHttp } from './http.ts';
import { Scheduler } from './schedule.ts';
import { readStatus, writeStatus, type StatusFile, type SwitchStatus } from './state-file.ts';
import { driftEntries, stateFromLive } from './live.ts';
import type { SwitchAddress, SwitchFactory, SwitchHandle } from './switch.ts';
import { roleOwnershipOf } from './role-config.ts';
import { formatCookie } from '../pipeline/cookie.ts';
import { noProgress, type Progress } from './progress.ts';

export interface ReconcilerOptions {
  loaded: LoadedConfig;
  env?: NodeJS.ProcessEnv;
  connect: SwitchFactory;
  logger?: Logger;
  reporter?: Reporter;
  /** Defaults to a GitSource built from the config. */
  source?: GitSource;
  now?: () => Date;
  /** Progress display per switch for long applies. */
  progress?: (target: string) => Progress;
  /** Human-readable one-line events (the `--demo` screen, `apply --once`). */
  human?: Writable;
  githubWebhook?: HttpHandler;
}

interface SwitchState {
  name: string;
  address: string;
  handle?: SwitchHandle;
  connecting?: Promise<SwitchHandle>;
  /** Desired state last converged on this switch (the drift scan compares against it). */
  applied?: DesiredState;
  appliedCommit?: string;
  /**
   * `mode cookie` of the pipeline checked/pushed on this connection (unset after
   * a reconnect): a commit that changes the Target's pipeline checks again.
   */
  pipelineFor?: string;
  /** A sync is wanted even if the commit did not change (promotion, reconnect, failure). */
  dirty: boolean;
  drifted: boolean;
  /** How the connection was made (role, role config, TLS, ids): a Target change to any of them needs a new connection. */
  connKey?: string;
  /** Set when the pre-connect of a sync failed; convergeOne reports it instead of dialling again. */
  connectError?: unknown;
  status: SwitchStatus;
}

export interface SyncOptions {
  /** Read + diff every switch even if nothing changed. */
  force?: boolean;
  /** Only these targets. */
  only?: string[];
}

export class Reconciler {
  readonly metrics = new Metrics();
  readonly config;
  private readonly opts: ReconcilerOptions;
  private readonly log: Logger;
  private readonly source: GitSource;
  private readonly now: () => Date;
  private readonly switches = new Map<string, SwitchState>();
  private readonly scheduler: Scheduler;
  private readonly stop$ = new AbortController();
  private readonly statusFile: string;
  private desired?: DesiredSet;
  // Parsed files and compiled flows of the last commit, so a new commit costs what it changed.
  private readonly cache = new DesiredCache();
  private badCommit?: string;
  private lock: Promise<unknown> = Promise.resolve();
  private http?: RunningHttp;
  private stopped = false;
  private status: StatusFile;
  /** Highest manifest serial applied per signer (trust.operatorKeys set): a lower one is a rollback. */
  private serials: SerialRecord = {};
  private readonly serialsFile: string;
  private readonly trust?: Uint8Array[];

  constructor(opts: ReconcilerOptions) {
    this.opts = opts;
    this.config = opts.loaded.config;
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? (() => new Date());
    const env = opts.env ?? {};
    const repo = this.config.repo;
    this.source =
      opts.source ??
      new GitSource({
        repo: repo.url ?? resolvePath(opts.loaded, repo.path!),
        branch: repo.branch,
        cacheDir: resolvePath(opts.loaded, repo.cacheDir),
        under: repo.dir || undefined,
        token: env[repo.tokenEnv],
        logger: this.log,
      });
    this.scheduler = new Scheduler(this.log);
    this.statusFile = resolvePath(opts.loaded, this.config.stateFile);
    this.status = readStatus(this.statusFile) ?? { updated: new Date(0).toISOString(), switches: {} };
    this.status.repo = redact(repo.url ?? repo.path ?? '');
    this.status.branch = repo.branch;
    this.serialsFile = serialsFileBeside(this.statusFile);
    if (this.config.trust) {
      this.trust = parseOperatorKeys(this.config.trust.operatorKeys.join('\n'), 'trust.operatorKeys');
      this.serials = readSerials(this.serialsFile);
    }
  }

  /** The HTTP address once started. */
  get httpAddress(): string | undefined {
    return this.http?.address;
  }

  get signal(): AbortSignal {
    return this.stop$.signal;
  }

  /** Starts the HTTP server and the schedules, and runs a first sync. */
  async start(): Promise<void> {
    this.http = await startHttp(this.config.http.listen, {
      healthy: () => !this.stopped,
      ready: () => this.readiness(),
      metrics: () => this.metrics.render(),
      // A person or a webhook asking for a sync wants the switches looked at, not only Git.
      triggerSync: (reason) => this.triggerSync(reason),
      githubWebhook: this.opts.githubWebhook,
      logger: this.log,
    });
    this.log.info('http listening', { address: this.http.address });
    await this.sync('startup');
    if (this.stopped) return; // stopped during the first sync: schedule nothing
    const s = this.config.schedules;
    this.scheduler.start([
      { name: 'sync', cron: s.sync, run: () => this.sync('schedule') },
      { name: 'drift', cron: s.drift, run: () => this.driftScan() },
      { name: 'expiry', cron: s.expiry, run: () => this.expiryTick() },
    ]);
  }

  /** Stops schedules; an apply in flight finishes its request and rolls back; connections close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stop$.abort(new Error('stopping'));
    await this.scheduler.stop();
    await this.lock.catch(() => {});
    await this.http?.close();
    for (const s of this.switches.values()) await s.handle?.close().catch(() => {});
    this.switches.clear();
    this.saveStatus();
    this.log.info('stopped');
  }

  private readiness(): { ready: boolean; detail: Record<string, unknown> } {
    const detail: Record<string, unknown> = {};
    let ready = !!this.desired && this.switches.size > 0;
    for (const s of this.switches.values()) {
      const ok = !!s.handle && (!s.handle.primary || (!!s.appliedCommit && s.appliedCommit === this.desired?.commit) || this.config.mode === 'plan-only');
      detail[s.name] = { connected: !!s.handle, primary: s.handle?.primary ?? false, appliedCommit: s.appliedCommit };
      ready &&= ok;
    }
    return { ready, detail };
  }

  /** Serializes every loop's work (sync, drift, expiry, promotion). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  // ------------------------------------------------------------------ sync

  /** Fetch, (re)compile when the commit changed, converge switches that need it. */
  sync(reason: string, opts: SyncOptions = {}): Promise<SyncEvent | undefined> {
    return this.exclusive(() => this.syncNow(reason, opts));
  }

  private async syncNow(reason: string, opts: SyncOptions): Promise<SyncEvent | undefined> {
    if (this.stopped && reason !== 'final') return undefined;
    const polled = await this.source.poll();
    if (polled.error) {
      this.metrics.errors.inc({ stage: 'git' });
      this.status.gitError = polled.error.message;
    } else this.status.gitError = undefined;
    const commit = polled.commit;
    if (!commit) {
      this.saveStatus();
      return undefined;
    }
    this.status.headCommit = commit;

    let changed = false;
    if (commit !== this.desired?.commit && commit !== this.badCommit) {
      const next = await this.compileCommit(commit);
      if (next.problems.length) {
        this.badCommit = commit;
        return this.reportProblems(next);
      }
      this.badCommit = undefined;
      if (next.manifests) this.serials = rememberSerials(this.serialsFile, this.serials, next.manifests);
      this.desired = next;
      changed = true;
      this.human(`commit ${commit.slice(0, 7)}: ${next.states.size} switch(es), ${[...next.states.values()].reduce((n, s) => n + s.entries.length, 0)} entries desired`);
    }
    const desired = this.desired;
    if (!desired) return undefined;
    return this.converge(desired, reason, { force: opts.force, only: opts.only, changed });
  }

  private async compileCommit(commit: string, now = this.now()): Promise<DesiredSet> {
    const t0 = performance.now();
    const tree = await this.source.read(commit);
    const d = desiredState(tree, {
      now,
      p4info: this.config.p4info ? resolvePath(this.opts.loaded, this.config.p4info) : undefined,
      deviceConfig: this.config.deviceConfig ? resolvePath(this.opts.loaded, this.config.deviceConfig) : undefined,
      cache: this.cache,
      trust: this.trust && { operatorKeys: this.trust, previous: this.serials },
    });
    if (d.problems.length) this.metrics.errors.inc({ stage: 'specs' }, d.problems.length);
    this.log.info('compiled', { commit, files: tree.files.size, problems: d.problems.length, ms: Math.round(performance.now() - t0) });
    return d;
  }

  private async reportProblems(d: DesiredSet): Promise<SyncEvent> {
    for (const p of d.problems) {
      this.log.error('spec error; nothing applied, switches keep the last good commit', { commit: d.commit, at: formatPos(p.pos), field: p.field, code: p.code, message: p.message });
      this.human(`commit ${d.commit.slice(0, 7)} rejected: ${formatPos(p.pos)} ${p.message}`);
    }
    const ev: SyncEvent = {
      commit: d.commit,
      branch: this.config.repo.branch,
      mode: this.config.mode,
      problems: d.problems,
      switches: [...this.switches.values()].map((s) => ({
        target: s.name, outcome: 'Skipped' as const, plan: emptyPlan(), written: { inserted: 0, modified: 0, deleted: 0 }, durationMs: 0,
      })),
    };
    for (const s of this.switches.values()) {
      s.status.lastCommit = d.commit;
      s.status.lastOutcome = 'Skipped';
      s.status.lastError = `commit rejected: ${d.problems.map((p) => `${formatPos(p.pos)} ${p.message}`).join('; ')}`;
      this.metrics.syncs.inc({ target: s.name, outcome: 'Skipped' });
    }
    this.saveStatus();
    await this.report(() => this.opts.reporter?.syncFinished(ev));
    return ev;
  }

  private enabledTargets(d: DesiredSet) {
    return d.targets.filter((t) => this.config.targets[t.metadata.name]?.enabled !== false);
  }

  private async converge(d: DesiredSet, reason: string, o: { force?: boolean; only?: string[]; changed: boolean }): Promise<SyncEvent | undefined> {
    const targets = this.enabledTargets(d).filter((t) => !o.only || o.only.includes(t.metadata.name));
    // Switches whose Target left the specs: stop managing them (their entries stay: removing a
    // Target from Git is not a request to wipe a switch).
    if (!o.only) {
      for (const [name, s] of this.switches) {
        if (!targets.some((t) => t.metadata.name === name)) {
          await s.handle?.close().catch(() => {});
          this.switches.delete(name);
          delete this.status.switches[name];
        }
      }
    }
    const results: SwitchResult[] = [];
    const todo = targets
      .map((t) => this.stateOf(t.metadata.name, this.addressOf(t, d)))
      .filter((s) => o.force || o.changed || s.dirty || !s.handle || s.appliedCommit !== d.commit);
    // Connect first, so only the replica that is primary says "pending" (a backup's
    // pending posted after the primary's result would stay on the commit forever).
    await Promise.all(
      todo.map(async (s) => {
        try {
          await this.connected(s, d);
        } catch (err) {
          s.connectError = err;
        }
      }),
    );
    if (this.config.mode === 'auto') {
      const starting = todo.filter((s) => s.handle?.primary && s.appliedCommit !== d.commit).map((s) => s.name).sort();
      if (starting.length) await this.report(() => this.opts.reporter?.syncStarted?.({ commit: d.commit, branch: this.config.repo.branch, targets: starting }));
    }
    await Promise.all(
      todo.map(async (s) => {
        const r = await this.convergeOne(s, d, reason);
        if (r) results.push(r);
      }),
    );
    this.saveStatus();
    if (!results.length) return undefined;
    results.sort((a, b) => (a.target < b.target ? -1 : 1));
    const ev: SyncEvent = { commit: d.commit, branch: this.config.repo.branch, mode: this.config.mode, problems: [], switches: results };
    await this.report(() => this.opts.reporter?.syncFinished(ev));
    return ev;
  }

  private addressOf(t: DesiredSet['targets'][number], d: DesiredSet): SwitchAddress {
    const o = this.config.targets[t.metadata.name] ?? {};
    return {
      name: t.metadata.name,
      address: o.address ?? t.spec.address,
      deviceId: o.deviceId ?? t.spec.deviceId,
      electionId: o.electionId ?? this.config.electionId ?? t.spec.electionId ?? 1,
      role: t.spec.role,
      roleConfig: roleOwnershipOf(d, t.metadata.name, t.spec),
      insecure: t.spec.insecure,
      tls: t.spec.tls,
      // TLS files are the operator's, next to the config, not in the spec repository.
      configDir: this.opts.loaded.baseDir,
    };
  }

  private stateOf(name: string, addr: { address: string }): SwitchState {
    let s = this.switches.get(name);
    if (s && s.address !== addr.address) {
      void s.handle?.close().catch(() => {});
      this.switches.delete(name);
      s = undefined;
    }
    if (!s) {
      const prev = this.status.switches[name];
      s = {
        name, address: addr.address, dirty: true, drifted: false,
        status: { target: name, address: addr.address, appliedCommit: prev?.appliedCommit, lastSync: prev?.lastSync, drift: prev?.drift },
      };
      this.switches.set(name, s);
      this.status.switches[name] = s.status;
    }
    return s;
  }

  private async connected(s: SwitchState, d: DesiredSet): Promise<SwitchHandle> {
    const t = d.targets.find((x) => x.metadata.name === s.name)!;
    const addr = this.addressOf(t, d);
    const { name: _n, address: _a, ...how } = addr;
    const connKey = JSON.stringify(how);
    if (s.handle && s.connKey !== connKey) {
      // E.g. the managed tables changed: a role's config is given at arbitration, so arbitrate again.
      this.log.info('connection settings changed; reconnecting', { target: s.name, role: addr.role });
      this.dropConnection(s, new Error('connection settings changed'));
    }
    if (s.handle) return s.handle;
    const log = this.log.child({ target: s.name });
    s.connecting ??= this.opts.connect(addr, log);
    try {
      const h = await s.connecting;
      s.handle = h;
      s.connKey = connKey;
      s.connectError = undefined;
      if (h.apiVersion !== undefined) s.status.apiVersion = h.apiVersion;
      s.pipelineFor = undefined;
      s.dirty = true;
      this.metrics.up.set({ target: s.name }, 1);
      this.metrics.primary.set({ target: s.name }, h.primary ? 1 : 0);
      s.status.role = h.primary ? 'primary' : 'backup';
      log.info('connected', { address: addr.address, electionId: addr.electionId, primary: h.primary, apiVersion: h.apiVersion, role: addr.role, tls: !addr.insecure });
      this.human(`${s.name}: connected to ${addr.address} as ${h.primary ? 'primary' : 'backup'} (election id ${addr.electionId}${addr.role ? `, role ${addr.role}` : ''}${h.apiVersion ? `, P4Runtime ${h.apiVersion}` : ''}${addr.insecure ? '' : ', TLS'})`);
      h.onRoleChange((primary) => {
        if (s.handle !== h) return;
        this.metrics.primary.set({ target: s.name }, primary ? 1 : 0);
        s.status.role = primary ? 'primary' : 'backup';
        log.info(primary ? 'promoted to primary' : 'now backup');
        this.human(`${s.name}: ${primary ? 'promoted to primary' : 'demoted to backup'}`);
        if (primary) {
          s.dirty = true;
          void this.sync('promoted', { force: true, only: [s.name] }).catch(() => {});
        }
      });
      h.onDisconnect((err) => {
        if (s.handle !== h) return;
        this.dropConnection(s, err);
      });
      return h;
    } finally {
      s.connecting = undefined;
    }
  }

  private dropConnection(s: SwitchState, err: Error): void {
    this.log.warn('switch connection lost', { target: s.name, err: err.message });
    const h = s.handle;
    s.handle = undefined;
    s.pipelineFor = undefined;
    s.dirty = true;
    s.status.role = 'disconnected';
    this.metrics.up.set({ target: s.name }, 0);
    this.metrics.primary.set({ target: s.name }, 0);
    void h?.close().catch(() => {});
  }

  /** One switch's sync; undefined when this replica is a backup (the primary reports that switch). */
  /**
   * `seen`: a read and plan of this switch against the same desired state just
   * made under the same lock (the drift scan's), reused instead of reading the
   * whole switch again — unless a pipeline push has since emptied the tables.
   */
  private async convergeOne(s: SwitchState, d: DesiredSet, reason: string, seen?: { against: DesiredState; live: Buffer[]; plan: Plan }): Promise<SwitchResult | undefined> {
    const t0 = performance.now();
    const desired = d.states.get(s.name)!;
    const pipe = d.pipelines.get(s.name)!;
    const target = d.targets.find((x) => x.metadata.name === s.name)!;
    const log = this.log.child({ target: s.name, commit: d.commit });
    const res: SwitchResult = { target: s.name, outcome: 'Failed', plan: emptyPlan(), written: { inserted: 0, modified: 0, deleted: 0 }, durationMs: 0 };
    const done = (outcome: SyncOutcome, error?: SwitchResult['error']): SwitchResult => {
      res.outcome = outcome;
      res.error = error;
      res.durationMs = Math.round(performance.now() - t0);
      this.metrics.syncs.inc({ target: s.name, outcome });
      this.metrics.syncDuration.observe({ target: s.name }, res.durationMs / 1000);
      s.status.lastCommit = d.commit;
      s.status.lastSync = this.now().toISOString();
      s.status.lastOutcome = outcome;
      s.status.lastError = error?.message;
      const sz = planSize(res.plan);
      log.info('sync finished', { reason, outcome, inserts: res.plan.inserts.length, modifies: res.plan.modifies.length, deletes: res.plan.deletes.length, unchanged: res.plan.unchanged, ms: res.durationMs, error: error?.message, leftAt: error?.leftAt });
      if (outcome === 'Converged') this.human(`${s.name}: converged to ${d.commit.slice(0, 7)} (+${res.written.inserted} ~${res.written.modified} -${res.written.deleted}, ${res.plan.unchanged} unchanged) in ${res.durationMs} ms: ${byTable(res.plan)}`);
      else if (outcome === 'Unchanged') this.human(`${s.name}: in sync with ${d.commit.slice(0, 7)} (${res.plan.unchanged} entries, nothing to write)`);
      else if (outcome === 'Planned') this.human(`${s.name}: plan-only: ${sz} change(s) not applied`);
      else if (outcome === 'Skipped') this.human(`${s.name}: skipped (${error?.message ?? 'backup replica'})`);
      else this.human(`${s.name}: ${outcome}: ${error?.message} (switch left at ${error?.leftAt} state)`);
      return res;
    };

    let h: SwitchHandle;
    try {
      const pre = s.connectError;
      s.connectError = undefined;
      if (pre) throw pre;
      h = await this.connected(s, d);
    } catch (err) {
      this.metrics.errors.inc({ stage: 'connect', target: s.name });
      s.status.role = 'disconnected';
      log.error('cannot connect', { address: s.address, code: (err as { code?: unknown }).code, err: (err as Error).message });
      // Nothing was written by this run: the switch is where it was.
      return done('Failed', { message: `cannot connect to ${s.address}: ${(err as Error).message}`, code: codeOf(err), leftAt: 'old' });
    }
    if (!h.primary) {
      // Not ours to write or to report: the primary replica reports this switch
      // (a backup's "Skipped" would overwrite its status on GitHub).
      s.dirty = true; // converge when promoted
      s.status.role = 'backup';
      log.debug('backup replica: not syncing', { reason });
      return undefined;
    }
    let pushed = false;
    try {
      const mode = target.spec.pipeline?.mode ?? 'push';
      const wanted = `${mode} ${pipe.cookie}`;
      if (s.pipelineFor !== wanted) {
        const r = await h.ensurePipeline(pipe, mode);
        s.pipelineFor = wanted;
        if (r === 'pushed') {
          pushed = true;
          log.info('pipeline pushed', { p4info: path.basename(pipe.p4infoFile), cookie: formatCookie(pipe.cookie) });
          this.human(`${s.name}: pipeline ${path.basename(pipe.p4infoFile)} pushed (cookie ${formatCookie(pipe.cookie)})`);
        } else if (r === 'verified') log.info('pipeline verified', { p4info: pipe.p4infoFile });
      }
    } catch (err) {
      this.metrics.errors.inc({ stage: 'pipeline', target: s.name });
      const differences = (err as { data?: { differences?: unknown } }).data?.differences;
      log.error('pipeline check failed; nothing written', { code: codeOf(err), err: (err as Error).message, ...(Array.isArray(differences) ? { differences } : {}) });
      return done('Failed', { message: `pipeline: ${(err as Error).message}`, code: codeOf(err), leftAt: 'old' });
    }

    let live: Buffer[];
    let p: Plan;
    if (seen && seen.against === desired && !pushed) {
      ({ live, plan: p } = seen);
    } else {
      try {
        live = await h.readManaged(desired, pipe.index);
      } catch (err) {
        this.metrics.errors.inc({ stage: 'read', target: s.name });
        this.maybeDrop(s, err);
        return done('Failed', { message: `read: ${(err as Error).message}`, leftAt: 'old' });
      }
      p = plan(desired, live, { prune: this.config.prune, index: pipe.index });
    }
    res.plan = p;
    if (this.config.mode === 'plan-only') return done('Planned');
    if (planSize(p) === 0) {
      this.markApplied(s, d, desired);
      return done('Unchanged');
    }

    const progress = this.opts.progress?.(s.name) ?? noProgress;
    let r: ApplyResult;
    try {
      r = await applyPlan(h, p, {
        limits: this.config.batch,
        signal: this.stop$.signal,
        logger: log,
        onProgress: (n, total) => progress.update(n, total),
        // Read back only what was written; the full re-read below is the fallback for large applies.
        readBack: { index: pipe.index },
        verify: async (expect) => {
          const now = await h.readManaged(desired, pipe.index);
          const want = expect === 'new' ? desired : stateFromLive(live, desired, pipe.index);
          return planSize(plan(want, now, { prune: expect === 'old' ? true : this.config.prune, index: pipe.index })) === 0;
        },
      });
    } finally {
      progress.finish();
    }
    this.countWrites(s.name, r);
    res.written = r.written;
    if (r.ok) {
      if (s.drifted) await this.clearDrift(s, d.commit, reason === 'drift-heal' ? 'healed' : 'git-changed');
      this.markApplied(s, d, desired);
      return done('Converged');
    }
    this.metrics.errors.inc({ stage: 'write', target: s.name });
    s.dirty = true;
    if (r.error) this.maybeDrop(s, new Error(r.error)); // a switch that went away mid-apply: reconnect next tick
    const error = { message: r.error ?? 'apply failed', updateIndex: r.failed?.index, code: r.failed ? String(r.failed.code) : undefined, leftAt: r.leftAt };
    return done(r.leftAt === 'old' ? 'RolledBack' : 'Failed', error);
  }

  private maybeDrop(s: SwitchState, err: unknown): void {
    const code = (err as { code?: unknown }).code;
    if (code === 14 || code === 'UNAVAILABLE' || code === 1 || /UNAVAILABLE|ECONNREFUSED|closed|ended/i.test(String((err as Error).message))) {
      this.dropConnection(s, err as Error);
    }
  }

  private countWrites(target: string, r: ApplyResult): void {
    const { inserted, modified, deleted } = r.written;
    if (inserted) this.metrics.updatesWritten.inc({ target, type: 'INSERT' }, inserted);
    if (modified) this.metrics.updatesWritten.inc({ target, type: 'MODIFY' }, modified);
    if (deleted) this.metrics.updatesWritten.inc({ target, type: 'DELETE' }, deleted);
    if (r.rolledBack) this.metrics.updatesWritten.inc({ target, type: 'ROLLBACK' }, r.rolledBack + r.attempted - inserted - modified - deleted);
  }

  private markApplied(s: SwitchState, d: DesiredSet, desired: DesiredState): void {
    s.applied = desired;
    s.appliedCommit = d.commit;
    s.dirty = false;
    s.status.appliedCommit = d.commit;
    this.metrics.appliedTimestamp.set({ target: s.name }, Math.floor(this.now().getTime() / 1000));
  }

  // ------------------------------------------------------------------ drift

  /** Reads every converged switch and compares it with the commit it was converged to. */
  driftScan(): Promise<DriftEvent[]> {
    return this.exclusive(() => this.driftNow());
  }

  private async driftNow(): Promise<DriftEvent[]> {
    const d = this.desired;
    if (!d || this.stopped) return [];
    const events: DriftEvent[] = [];
    for (const s of this.switches.values()) {
      if (!s.handle?.primary || !s.applied || s.appliedCommit !== d.commit) continue;
      const pipe = d.pipelines.get(s.name);
      if (!pipe) continue;
      let live: Buffer[];
      try {
        live = await s.handle.readManaged(s.applied, pipe.index);
      } catch (err) {
        this.metrics.errors.inc({ stage: 'drift', target: s.name });
        this.maybeDrop(s, err);
        continue;
      }
      const p = plan(s.applied, live, { prune: this.config.prune, index: pipe.index });
      const n = planSize(p);
      const kinds = { missing: p.inserts.length, modified: p.modifies.length, extraneous: p.deletes.length };
      for (const [kind, v] of Object.entries(kinds)) this.metrics.driftEntries.set({ target: s.name, kind }, v);
      if (n === 0) {
        if (s.drifted) await this.clearDrift(s, d.commit, 'switch-changed');
        continue;
      }
      const entries = driftEntries(p, pipe.index);
      const heal = this.config.drift.policy === 'heal' && this.config.mode === 'auto';
      this.log.warn('drift', { target: s.name, commit: d.commit, ...kinds, policy: this.config.drift.policy, sample: entries.slice(0, 5).map((e) => `${e.kind} ${e.description}`) });
      this.human(`${s.name}: drift: ${kinds.missing} missing, ${kinds.modified} modified, ${kinds.extraneous} extraneous${heal ? ' — healing' : ''}`);
      // convergeOne clears drift it finds set; the drift event must go out before any clear.
      s.drifted = false;
      let healed = false;
      if (heal) {
        const r = await this.convergeOne(s, d, 'drift-heal', { against: s.applied, live, plan: p });
        healed = r?.outcome === 'Converged';
        if (healed) for (const kind of Object.keys(kinds)) this.metrics.driftEntries.set({ target: s.name, kind }, 0);
      }
      s.status.drift = { at: this.now().toISOString(), entries: n, healed, sample: entries.slice(0, 20).map((e) => `${e.kind} ${e.table} ${e.description}`) };
      s.drifted = true;
      const ev: DriftEvent = { target: s.name, commit: d.commit, entries, healed };
      events.push(ev);
      await this.report(() => this.opts.reporter?.drift(ev));
      if (healed) await this.clearDrift(s, d.commit, 'healed');
    }
    this.saveStatus();
    return events;
  }

  private async clearDrift(s: SwitchState, commit: string, reason: 'healed' | 'git-changed' | 'switch-changed'): Promise<void> {
    if (!s.drifted) return;
    s.drifted = false;
    if (reason !== 'healed') s.status.drift = undefined;
    this.log.info('drift cleared', { target: s.name, reason });
    await this.report(() => this.opts.reporter?.driftCleared({ target: s.name, commit, reason }));
  }

  // ------------------------------------------------------------------ expiry

  /** When a flow's `expires` has passed, recompile the current commit and converge (no Git change needed). */
  expiryTick(): Promise<SyncEvent | undefined> {
    return this.exclusive(async () => {
      const d = this.desired;
      const now = this.now();
      if (!d || d.nextExpiry === undefined || d.nextExpiry > now.getTime() || this.stopped) return undefined;
      const next = await this.compileCommit(d.commit, now);
      if (next.problems.length) return this.reportProblems(next);
      this.desired = next;
      this.log.info('flow expired; converging', { commit: d.commit });
      this.human(`flow expiry at ${now.toISOString()}: removing expired flow(s)`);
      return this.converge(next, 'expiry', { changed: true });
    });
  }

  // ------------------------------------------------------------------ for others

  /** Live entries of a switch's managed tables (PR plans diff against them). Works on a backup too. */
  async readLive(target: string, desired: DesiredState): Promise<Buffer[]> {
    const s = this.switches.get(target);
    const pipe = this.desired?.pipelines.get(target);
    if (!s?.handle || !pipe) throw new FlowopsError('SWITCH_NOT_CONNECTED', `switch ${target} is not connected`, { target });
    return s.handle.readManaged(desired, pipe.index);
  }

  /** Queues a sync that also reads every switch (POST /sync, a GitHub push webhook). */
  triggerSync(reason: string): void {
    void this.sync(reason, { force: true }).catch(() => {});
  }

  // ------------------------------------------------------------------ plumbing

  private human(line: string): void {
    this.opts.human?.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  }

  private async report(fn: () => Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.metrics.errors.inc({ stage: 'report' });
      this.log.warn('reporter failed', { err: (err as Error).message });
    }
  }

  private saveStatus(): void {
    this.status.updated = this.now().toISOString();
    try {
      writeStatus(this.statusFile, this.status);
    } catch (err) {
      this.log.warn('cannot write status file', { file: this.statusFile, err: (err as Error).message });
    }
  }

  /** Snapshot of per-switch status (what `flowops status` shows). */
  snapshot(): StatusFile {
    return structuredClone(this.status);
  }
}

/** `flow_classify +12 -3, flow_policy +4` — what a sync changed, per table, for people. */
function byTable(p: Plan): string {
  const m = new Map<string, { '+': number; '~': number; '-': number }>();
  const add = (table: string, k: '+' | '~' | '-') => {
    const short = table.replace(/^ingress\./, '');
    const c = m.get(short) ?? m.set(short, { '+': 0, '~': 0, '-': 0 }).get(short)!;
    c[k]++;
  };
  for (const c of p.inserts) add(c.table, '+');
  for (const c of p.modifies) add(c.table, '~');
  for (const c of p.deletes) add(c.table, '-');
  return [...m]
    .map(([t, c]) => `${t} ${(['+', '~', '-'] as const).filter((k) => c[k]).map((k) => `${k}${c[k]}`).join(' ')}`)
    .join(', ');
}

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : typeof c === 'number' ? String(c) : undefined;
}

function emptyPlan(): Plan {
  return { inserts: [], modifies: [], deletes: [], unchanged: 0 };
}
