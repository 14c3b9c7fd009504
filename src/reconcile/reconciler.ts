// The loop. Git commit → desired state per switch → (read, diff, apply,
// verify) per switch, on a schedule; plus the drift scan (switch changed with
// no Git change) and the expiry tick (a flow's `expires` passed). Every run of
// every loop holds one lock, so a switch is never written by two of them at
// once. The parts: pool.ts holds the connections (arbitration, reconnect,
// failover), sync-switch.ts runs one switch's sequence (connect → pipeline →
// read → plan → apply → verify, one exit, a typed reason on failure), and
// outcomes.ts sends every outcome to logs, metrics, the status file, the
// reporter (GitHub), the web view and the human lines. This file decides what
// runs when; each run carries one trace id in its log lines. The counter
// loop reads the connected switches' direct counters (traffic per flow).
//
// HA: a backup never writes; when it is promoted it runs a normal sync —
// read, diff — which on a switch the old primary converged finds nothing to
// write.
import { parseOperatorKeys, type SerialRecord } from '../specs/trust.ts';
import { readSerials, rememberSerials, serialsFileBeside } from './serials.ts';
import type { Writable } from 'node:stream';
import { newTraceId, silentLogger, withTrace, type Logger } from '../shared/log.ts';
import { FlowopsError } from '../shared/errors.ts';
import { GitSource, redact } from '../source/git-source.ts';
import type { DesiredState } from '../compile/types.ts';
import { plan } from '../diff/plan.ts';
import { planSize } from '../diff/types.ts';
import type { ApplyResult } from '../apply/apply.ts';
import type { Reporter, SyncResult, SyncEvent, DriftEvent } from '../report/events.ts';
import { resolvePath, type LoadedConfig } from './config.ts';
import { DesiredCache, desiredState } from '../desired/desired.ts';
import type { DesiredSet } from '../desired/types.ts';
import { Metrics } from './metrics.ts';
import { startHttp, type HttpHandler, type RunningHttp } from './http.ts';
import { Scheduler } from './schedule.ts';
import type { StatusFile } from './state-file.ts';
import { driftEntries } from './live.ts';
import type { SwitchEndpoint, ConnectSwitch } from './switch.ts';
import { roleOwnershipOf } from './role-ownership.ts';
import type { Progress } from './progress.ts';
import { Outcomes } from './outcomes.ts';
import { ConnectionPool, type PooledSwitch } from './pool.ts';
import { syncSwitch, type SyncSwitchContext } from './sync-switch.ts';
import { CounterSampler, readFlowCounters } from './counters.ts';
import { ReconcilerView } from './view-source.ts';
import { viewRoutes } from '../view/handler.ts';
import { Coalescer } from './coalesce.ts';
import { SYNC_TOKEN_ENV } from './http-guard.ts';
import { rejectedDetail, type RejectedHead } from './rejected-head.ts';
import { IntentJournal, ended, journalDirBeside } from './journal.ts';
import { distrust, trust } from './known-state.ts';

export interface ReconcilerOptions {
  loaded: LoadedConfig;
  env?: NodeJS.ProcessEnv;
  connect: ConnectSwitch;
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

export interface SyncOptions {
  /** Read + diff every switch even if nothing changed. */
  force?: boolean;
  /** Only these targets. */
  only?: string[];
}

export class Reconciler {
  readonly metrics: Metrics;
  readonly config;
  /** Per-flow traffic samples (bounded), read from the direct counters. */
  readonly counters = new CounterSampler();
  /** The read-only snapshot the web view renders. */
  readonly view: ReconcilerView;
  private readonly opts: ReconcilerOptions;
  private readonly log: Logger;
  private readonly source: GitSource;
  private readonly now: () => Date;
  private readonly pool: ConnectionPool;
  private readonly outcomes: Outcomes;
  private readonly scheduler: Scheduler;
  private readonly stopping = new AbortController();
  private desired?: DesiredSet;
  // Parsed files and compiled flows of the last commit, so a new commit costs what it changed.
  private readonly cache = new DesiredCache();
  private badCommit?: string;
  /** The branch head when it cannot be loaded (rejected-head.ts); cleared by the next good head. */
  private rejectedHead?: RejectedHead;
  private lock: Promise<unknown> = Promise.resolve();
  private http?: RunningHttp;
  /** POST /sync: any number while a forced sync runs → one more (coalesce.ts). */
  private readonly forced = new Coalescer(() => this.sync(this.forcedReason, { force: true }));
  /** Push webhooks: the same coalescing, for a sync that is not forced (a new commit goes the delta path). */
  private readonly pushes = new Coalescer(() => this.sync('github push'));
  private forcedReason = 'http';
  private stopped = false;
  /** Highest manifest serial applied per signer (trust.operatorKeys set): a lower one is a rollback. */
  private serials: SerialRecord = {};
  private readonly serialsFile: string;
  private readonly trust?: Uint8Array[];
  /** Applies in progress, on disk (journal.ts): read at construction, before any switch is touched. */
  readonly journal: IntentJournal;

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
    this.metrics = new Metrics({ perFlow: this.config.metrics.perFlow, maxTenants: this.config.metrics.maxTenants });
    this.view = new ReconcilerView({
      status: () => this.outcomes.status,
      desired: () => this.desired,
      pipelineOf: (t) => this.pool.get(t)?.pipelineChecked,
      sampler: this.counters,
      repo: { name: redact(repo.url ?? repo.path ?? ''), url: repo.url, branch: repo.branch, dir: repo.dir },
      now: this.now,
    });
    this.outcomes = new Outcomes({
      metrics: this.metrics, logger: this.log, reporter: opts.reporter, human: opts.human,
      statusFile: resolvePath(opts.loaded, this.config.stateFile), now: this.now, counters: this.counters, view: this.view,
    });
    this.outcomes.status.repo = redact(repo.url ?? repo.path ?? '');
    this.outcomes.status.branch = repo.branch;
    this.journal = new IntentJournal(journalDirBeside(resolvePath(opts.loaded, this.config.stateFile)), this.now);
    for (const [name, e] of this.journal.unfinishedAtStart) {
      this.log.warn('journal: an apply did not end; the switch will be read in full and converged to the head first', { target: name, ...e });
    }
    this.pool = new ConnectionPool({
      connect: opts.connect, logger: this.log, metrics: this.metrics, outcomes: this.outcomes,
      onPromoted: (name) => void this.sync('promoted', { force: true, only: [name] }).catch(() => {}),
      doubtAtStart: (name) => {
        const e = this.journal.get(name);
        return e && !ended(e) ? 'journal' : 'restart';
      },
    });
    this.serialsFile = serialsFileBeside(resolvePath(opts.loaded, this.config.stateFile));
    if (this.config.trust) {
      this.trust = parseOperatorKeys(this.config.trust.operatorKeys.join('\n'), 'trust.operatorKeys');
      this.serials = readSerials(this.serialsFile);
    }
  }

  /** The HTTP address once started. */
  get httpAddress(): string | undefined {
    return this.http?.address;
  }

  /** Aborted when the reconciler stops (an apply in flight rolls back). */
  get signal(): AbortSignal {
    return this.stopping.signal;
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
      routes: viewRoutes(this.view),
      logger: this.log,
      syncToken: this.opts.env?.[SYNC_TOKEN_ENV] || undefined,
    });
    this.log.info('http listening', { address: this.http.address });
    if (!this.trust) {
      // Without pinned operator keys only per-file flow signatures are checked (docs/trust.md).
      this.log.warn('trust roots off: no trust.operatorKeys pinned; Tenant, Service and Target changes are not signature-checked and rollback is not refused');
    }
    await this.sync('startup');
    if (this.stopped) return; // stopped during the first sync: schedule nothing
    const s = this.config.schedules;
    this.scheduler.start([
      { name: 'sync', cron: s.sync, run: () => this.sync('schedule') },
      { name: 'drift', cron: s.drift, run: () => this.driftScan() },
      { name: 'expiry', cron: s.expiry, run: () => this.expiryTick() },
      { name: 'counters', cron: s.counters, run: () => this.sampleCounters() },
    ]);
  }

  /** Stops schedules; an apply in flight finishes its request and rolls back; connections close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort(new Error('stopping'));
    await this.scheduler.stop();
    await this.lock.catch(() => {});
    await this.http?.close();
    await this.pool.closeAll();
    this.outcomes.save();
    this.log.info('stopped');
  }

  private readiness(): { ready: boolean; detail: Record<string, unknown> } {
    const detail: Record<string, unknown> = { trust: this.trust ? 'operator-keys' : 'off' };
    let ready = !!this.desired && this.pool.size > 0;
    if (this.rejectedHead) {
      detail.head = rejectedDetail(this.rejectedHead);
      ready = false;
    }
    for (const s of this.pool.all()) {
      const ok = !!s.conn && (!s.conn.primary || (!!s.appliedCommit && s.appliedCommit === this.desired?.commit) || this.config.mode === 'plan-only');
      detail[s.name] = { connected: !!s.conn, primary: s.conn?.primary ?? false, appliedCommit: s.appliedCommit };
      ready &&= ok;
    }
    return { ready, detail };
  }

  /** Serializes every loop's work (sync, drift, expiry, promotion). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // One trace id per run: every log line of this sync (or scan) carries it.
    const traced = () => withTrace(newTraceId(), fn);
    const run = this.lock.then(traced, traced);
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
    const status = this.outcomes.status;
    const t0 = performance.now();
    const polled = await this.source.poll();
    if (polled.changed) this.log.info('fetched', { commit: polled.commit, ms: Math.round(performance.now() - t0) });
    if (polled.error) {
      this.metrics.errors.inc({ stage: 'git' });
      status.gitError = polled.error.message;
    } else status.gitError = undefined;
    const commit = polled.commit;
    if (!commit) {
      this.outcomes.save();
      return undefined;
    }
    status.headCommit = commit;

    let changed = false;
    if (commit !== this.desired?.commit && commit !== this.badCommit) {
      const next = await this.compileCommit(commit);
      if (next.problems.length) {
        this.badCommit = commit;
        return this.rejected(next);
      }
      this.badCommit = undefined;
      this.setRejectedHead(undefined);
      if (next.manifests) this.serials = rememberSerials(this.serialsFile, this.serials, next.manifests);
      this.desired = next;
      changed = true;
      this.outcomes.human(`commit ${commit.slice(0, 7)}: ${next.states.size} switch(es), ${[...next.states.values()].reduce((n, s) => n + s.entries.length, 0)} entries desired`);
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
    this.log.info('compiled', { commit, files: tree.files.size, problems: d.problems.length, ms: Math.round(performance.now() - t0) });
    return d;
  }

  private setRejectedHead(head: RejectedHead | undefined): void {
    if (!head && !this.rejectedHead) return;
    this.rejectedHead = head;
    this.outcomes.headRejected(head);
  }

  /**
   * A head with spec problems: every switch known — connected, or only in the
   * state file (a head rejected at startup has no desired state to name its
   * Targets) — gets a failure with reason CommitRejected on the head commit.
   */
  private rejected(d: DesiredSet): Promise<SyncEvent> {
    const head: RejectedHead = { commit: d.commit, problems: d.problems };
    this.setRejectedHead(head);
    const names = [...new Set([...this.pool.all().map((s) => s.name), ...Object.keys(this.outcomes.status.switches)])].sort();
    return this.outcomes.commitRejected(head, names, this.config.repo.branch, this.config.mode);
  }

  private enabledTargets(d: DesiredSet) {
    return d.targets.filter((t) => this.config.targets[t.metadata.name]?.enabled !== false);
  }

  private async converge(d: DesiredSet, reason: string, o: { force?: boolean; only?: string[]; changed: boolean }): Promise<SyncEvent | undefined> {
    const targets = this.enabledTargets(d).filter((t) => !o.only || o.only.includes(t.metadata.name));
    if (!o.only) await this.pool.retain(targets.map((t) => t.metadata.name));
    const results: SyncResult[] = [];
    const todo = targets
      .map((t) => this.pool.slot(t.metadata.name, this.addressOf(t, d).address))
      .filter((s) => o.force || o.changed || s.dirty || !s.conn || s.appliedCommit !== d.commit);
    // Connect first, so only the replica that is primary says "pending" (a backup's
    // pending posted after the primary's result would stay on the commit forever).
    await Promise.all(
      todo.map(async (s) => {
        try {
          await this.connect(s, d);
        } catch (err) {
          s.connectError = err;
        }
      }),
    );
    if (this.config.mode === 'auto') {
      const starting = todo.filter((s) => s.conn?.primary && s.appliedCommit !== d.commit).map((s) => s.name).sort();
      if (starting.length) await this.outcomes.syncStarted({ commit: d.commit, branch: this.config.repo.branch, targets: starting });
    }
    await Promise.all(
      todo.map(async (s) => {
        // A forced sync that brought no new commit asks for the switches to be read.
        const r = await this.convergeOne(s, d, reason, undefined, !!o.force && !o.changed);
        if (r) results.push(r);
      }),
    );
    this.outcomes.save();
    if (!results.length) return undefined;
    results.sort((a, b) => (a.target < b.target ? -1 : 1));
    const ev: SyncEvent = { commit: d.commit, branch: this.config.repo.branch, mode: this.config.mode, problems: [], switches: results };
    await this.outcomes.syncFinished(ev);
    return ev;
  }

  private addressOf(t: DesiredSet['targets'][number], d: DesiredSet): SwitchEndpoint {
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
      // TLS files are the operator's, next to the config (or in tlsDir), not in the spec repository.
      configDir: this.config.tlsDir ? resolvePath(this.opts.loaded, this.config.tlsDir) : this.opts.loaded.baseDir,
    };
  }

  private connect(s: PooledSwitch, d: DesiredSet) {
    return this.pool.connected(s, this.addressOf(d.targets.find((x) => x.metadata.name === s.name)!, d));
  }

  /** One switch's sync (sync-switch.ts) and what follows from its result; undefined on a backup. */
  private async convergeOne(s: PooledSwitch, d: DesiredSet, reason: string, seen?: SyncSwitchContext['seen'], forced = false): Promise<SyncResult | undefined> {
    const log = this.log.child({ target: s.name, commit: d.commit });
    const sync = await syncSwitch(s, d, {
      config: this.config, connect: () => this.connect(s, d), signal: this.stopping.signal, log, outcomes: this.outcomes,
      progress: this.opts.progress?.(s.name), seen, journal: this.journal, forced,
    });
    if (!sync) return undefined;
    const { result } = sync;
    if (sync.applied) this.countWrites(s.name, sync.applied);
    if (sync.lost) this.pool.drop(s, sync.lost);
    if (result.outcome === 'Converged' && s.drifted) await this.clearDrift(s, d.commit, reason === 'drift-heal' ? 'healed' : 'git-changed');
    if (result.outcome === 'Converged' || result.outcome === 'Unchanged') this.markApplied(s, d, d.states.get(s.name)!);
    this.outcomes.switchFinished(s.status, d.commit, result, reason, log);
    return result;
  }

  private countWrites(target: string, r: ApplyResult): void {
    const { inserted, modified, deleted } = r.written;
    if (inserted) this.metrics.updatesWritten.inc({ target, type: 'INSERT' }, inserted);
    if (modified) this.metrics.updatesWritten.inc({ target, type: 'MODIFY' }, modified);
    if (deleted) this.metrics.updatesWritten.inc({ target, type: 'DELETE' }, deleted);
    if (r.rolledBack) this.metrics.updatesWritten.inc({ target, type: 'ROLLBACK' }, r.rolledBack + r.attempted - inserted - modified - deleted);
  }

  private markApplied(s: PooledSwitch, d: DesiredSet, desired: DesiredState): void {
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
    for (const s of this.pool.all()) {
      if (!s.conn?.primary || !s.applied || s.appliedCommit !== d.commit) continue;
      const pipe = d.pipelines.get(s.name);
      if (!pipe) continue;
      let live: readonly Buffer[];
      try {
        live = await s.conn.readManaged(s.applied, pipe.index);
      } catch (err) {
        this.metrics.errors.inc({ stage: 'drift', target: s.name });
        this.pool.dropIfGone(s, err);
        continue;
      }
      const p = plan(s.applied, live, { prune: this.config.prune, index: pipe.index });
      const n = planSize(p);
      const kinds = { missing: p.inserts.length, modified: p.modifies.length, extraneous: p.deletes.length };
      for (const [kind, v] of Object.entries(kinds)) this.metrics.driftEntries.set({ target: s.name, kind }, v);
      if (n === 0) {
        // A full read found the switch at the applied commit: what the delta path needs to know.
        if (p.extraneous?.length) distrust(s.trust, 'extraneous');
        else trust(s.trust, { commit: d.commit, desired: s.applied, epoch: s.epoch, pipeline: s.pipelineChecked, prune: this.config.prune });
        this.outcomes.noDrift(s.name);
        if (s.drifted) await this.clearDrift(s, d.commit, 'switch-changed');
        continue;
      }
      const entries = driftEntries(p, pipe.index);
      const heal = this.config.drift.policy === 'heal' && this.config.mode === 'auto';
      this.log.warn('drift', { target: s.name, commit: d.commit, ...kinds, policy: this.config.drift.policy, sample: entries.slice(0, 5).map((e) => `${e.kind} ${e.description}`) });
      this.outcomes.human(`${s.name}: drift: ${kinds.missing} missing, ${kinds.modified} modified, ${kinds.extraneous} extraneous${heal ? ' — healing' : ''}`);
      distrust(s.trust, 'drift');
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
      await this.outcomes.drift(ev);
      if (healed) await this.clearDrift(s, d.commit, 'healed');
    }
    this.outcomes.save();
    return events;
  }

  private async clearDrift(s: PooledSwitch, commit: string, reason: 'healed' | 'git-changed' | 'switch-changed'): Promise<void> {
    if (!s.drifted) return;
    s.drifted = false;
    if (reason !== 'healed') s.status.drift = undefined;
    await this.outcomes.driftCleared({ target: s.name, commit, reason });
  }

  // ------------------------------------------------------------------ expiry

  /** When a flow's `expires` has passed, recompile the current commit and converge (no Git change needed). */
  expiryTick(): Promise<SyncEvent | undefined> {
    return this.exclusive(async () => {
      const d = this.desired;
      const now = this.now();
      if (!d || d.nextExpiry === undefined || d.nextExpiry > now.getTime() || this.stopped) return undefined;
      const next = await this.compileCommit(d.commit, now);
      if (next.problems.length) return this.rejected(next);
      this.desired = next;
      this.log.info('flow expired; converging', { commit: d.commit });
      this.outcomes.human(`flow expiry at ${now.toISOString()}: removing expired flow(s)`);
      return this.converge(next, 'expiry', { changed: true });
    });
  }

  // ------------------------------------------------------------------ counters

  /** Reads the direct counters of every connected switch (backups too: reads are allowed) into the sampler. */
  sampleCounters(): Promise<void> {
    return this.exclusive(async () => {
      const d = this.desired;
      if (!d || this.stopped) return;
      for (const s of this.pool.all()) {
        const state = d.states.get(s.name);
        const pipe = d.pipelines.get(s.name);
        if (!s.conn || !state || !pipe) continue;
        try {
          const { flows, entries } = await readFlowCounters(s.conn, state, pipe.index);
          this.outcomes.countersRead(s.status, flows, entries);
        } catch (err) {
          this.outcomes.countersFailed(s.name, err as Error);
          this.pool.dropIfGone(s, err);
        }
      }
      this.outcomes.save();
    });
  }

  // ------------------------------------------------------------------ for others

  /** Live entries of a switch's managed tables (PR plans diff against them). Works on a backup too. */
  async readLive(target: string, desired: DesiredState): Promise<readonly Buffer[]> {
    const s = this.pool.get(target);
    const pipe = this.desired?.pipelines.get(target);
    if (!s?.conn || !pipe) throw new FlowopsError('SWITCH_NOT_CONNECTED', `switch ${target} is not connected`, { target });
    return s.conn.readManaged(desired, pipe.index);
  }

  /** Queues a sync that also reads every switch (POST /sync: a person asking wants the switches looked at). */
  triggerSync(reason: string): void {
    this.forcedReason = reason;
    this.forced.trigger();
  }

  /**
   * Queues a sync for a push to the tracked branch (GitHub's push webhook).
   * A push says Git changed, not that a switch did: the new commit converges
   * the way a scheduled sync would — the delta path when the switch is known
   * to hold the previous commit — and a push that brings nothing new reads no
   * switch. Pushes while one runs collapse into one more sync.
   */
  pushed(): void {
    this.pushes.trigger();
  }

  /** Resolves when no push-triggered sync is running or queued. */
  pushIdle(): Promise<void> {
    return this.pushes.idle();
  }

  /** Resolves when no forced sync is running or queued. */
  forcedIdle(): Promise<void> {
    return this.forced.idle();
  }

  /** Forced syncs started so far (each is a full read of every switch). */
  get forcedSyncs(): number {
    return this.forced.runs;
  }

  /** Snapshot of per-switch status (what `flowops status` shows). */
  snapshot(): StatusFile {
    return structuredClone(this.outcomes.status);
  }
}
