// Every write to GitHub goes through this queue, so GitHub being down or
// rate-limited never stalls the switch side and nothing is lost: operations are
// plain data (persisted to an optional JSON file), retried in order once GitHub
// answers again, and an operation superseded by a newer one for the same thing
// (same commit+context, same comment, same switch's drift issue) is replaced,
// not replayed. Errors that retrying cannot fix (422, 404) drop the operation.
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger, type Logger } from '../../shared/log.ts';
import type { DriftClearedEvent, DriftEvent } from '../events.ts';
import { postCheckRun, type CheckRunInput } from './check-run.ts';
import type { GitHubClient } from './client.ts';
import { upsertMarkedComment } from './comments.ts';
import { APPLY_MARKER } from './plan-comment.ts';
import { closeDriftIssue, openOrUpdateDriftIssue } from './drift-issues.ts';
import { postStatus, type StatusState } from './statuses.ts';
import { repoName, type RepoRef } from './types.ts';

export type OutboxOp =
  | { kind: 'status'; repo: RepoRef; sha: string; context: string; state: StatusState; description: string; targetUrl?: string }
  | { kind: 'comment'; repo: RepoRef; issueNumber: number; marker: string; body: string }
  | { kind: 'check-run'; repo: RepoRef; input: CheckRunInput }
  | { kind: 'apply-comment'; repo: RepoRef; commit: string; body: string }
  | { kind: 'drift'; repo: RepoRef; event: DriftEvent }
  | { kind: 'drift-cleared'; repo: RepoRef; event: DriftClearedEvent };

/** Two operations with the same key are about the same thing on GitHub; the later one wins. */
export function opKey(op: OutboxOp): string {
  const r = repoName(op.repo);
  switch (op.kind) {
    case 'status': return `status ${r} ${op.sha} ${op.context}`;
    case 'comment': return `comment ${r} #${op.issueNumber} ${op.marker}`;
    case 'check-run': return `check ${r} ${op.input.headSha} ${op.input.name}`;
    case 'apply-comment': return `apply-comment ${r} ${op.commit}`;
    case 'drift':
    case 'drift-cleared': return `drift ${r} ${op.event.target}`;
  }
}

export async function executeOp(gh: GitHubClient, op: OutboxOp): Promise<void> {
  switch (op.kind) {
    case 'status': return postStatus(gh, op.repo, op);
    case 'comment': await upsertMarkedComment(gh, op.repo, op.issueNumber, op.marker, op.body); return;
    case 'check-run': await postCheckRun(gh, op.repo, op.input); return;
    case 'apply-comment': await commentOnMergedPulls(gh, op.repo, op.commit, op.body); return;
    case 'drift': await openOrUpdateDriftIssue(gh, op.repo, op.event); return;
    case 'drift-cleared': await closeDriftIssue(gh, op.repo, op.event); return;
  }
}

/** The pull requests merged as `commit` (usually one) get the apply comment; a direct push has none. */
async function commentOnMergedPulls(gh: GitHubClient, repo: RepoRef, commit: string, body: string): Promise<void> {
  const pulls = await gh.paginate(gh.rest.repos.listPullRequestsAssociatedWithCommit, { ...repo, commit_sha: commit, per_page: 100 });
  for (const p of pulls.filter((x) => x.merged_at && x.merge_commit_sha === commit)) {
    await upsertMarkedComment(gh, repo, p.number, APPLY_MARKER, body);
  }
}

/** Worth retrying later: GitHub unreachable, 5xx, rate limited, or credentials briefly refused. */
export function isTransient(e: any): boolean {
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (status === undefined || status >= 500 || status === 429 || status === 401) return true;
  if (status === 403) return e?.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(String(e?.message));
  return false;
}

export interface OutboxOptions {
  client: GitHubClient;
  /** Queue survives restarts when set. */
  file?: string;
  logger?: Logger;
  /** How long to wait after a transient failure before trying again by itself (0 = only on flush()). */
  retryMs?: number;
}

export class Outbox {
  private queue: OutboxOp[] = [];
  /** Last JSON posted per key: re-posting an identical status or comment is skipped (GitHub keeps every status). */
  private sent = new Map<string, string>();
  private running: Promise<void> | undefined;
  private lastFailed = false;
  private timer: NodeJS.Timeout | undefined;
  private log: Logger;
  readonly dropped: { op: OutboxOp; error: string }[] = [];

  constructor(private opts: OutboxOptions) {
    this.log = opts.logger ?? silentLogger;
    if (opts.file && fs.existsSync(opts.file)) {
      try {
        const saved = JSON.parse(fs.readFileSync(opts.file, 'utf8'));
        this.queue = Array.isArray(saved.queue) ? saved.queue : [];
      } catch (e: any) {
        // A torn or hand-edited file must not stop the reconciler; keep it aside for a person to read.
        fs.renameSync(opts.file, `${opts.file}.corrupt`);
        this.log.error('github outbox file unreadable; starting empty', { file: opts.file, error: String(e?.message ?? e) });
      }
    }
  }

  get pending(): readonly OutboxOp[] {
    return this.queue;
  }

  /** Queues `op` (replacing a queued one for the same thing) and tries to send. Never rejects. */
  submit(op: OutboxOp): Promise<void> {
    const key = opKey(op);
    const json = JSON.stringify(op);
    const queuedIdx = this.queue.findIndex((q) => opKey(q) === key);
    if (queuedIdx < 0 && (op.kind === 'status' || op.kind === 'comment') && this.sent.get(key) === json) return Promise.resolve();
    if (queuedIdx >= 0) this.queue.splice(queuedIdx, 1);
    this.queue.push(op);
    this.persist();
    return this.flush();
  }

  /** Sends queued operations in order until the queue is empty or GitHub fails transiently. Never rejects. */
  flush(): Promise<void> {
    // One pass at a time: a pass under way also sends what is queued meanwhile, and after a
    // transient failure the rest waits for the retry timer rather than hammering GitHub.
    if (this.running) return this.running;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length && !this.lastFailed) void this.flush();
    });
    return this.running;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async drain(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.lastFailed = false;
    while (this.queue.length) {
      const op = this.queue[0];
      try {
        await executeOp(this.opts.client, op);
        const key = opKey(op);
        this.sent.delete(key);
        this.sent.set(key, JSON.stringify(op));
        // Remember recent keys only: a long-running daemon sees a new commit every few minutes.
        if (this.sent.size > 10_000) this.sent.delete(this.sent.keys().next().value!);
        this.remove(op);
      } catch (e: any) {
        if (isTransient(e)) {
          this.log.warn('github unavailable; keeping operations queued', { queued: this.queue.length, status: e?.status, error: String(e?.message ?? e) });
          this.lastFailed = true;
          this.scheduleRetry();
          return;
        }
        this.log.error('github rejected an operation; dropping it', { key: opKey(op), status: e?.status, error: String(e?.message ?? e) });
        this.dropped.push({ op, error: String(e?.message ?? e) });
        this.remove(op);
      }
    }
  }

  private remove(op: OutboxOp): void {
    // By identity: a newer op for the same key may have replaced this one while it was in flight.
    const i = this.queue.indexOf(op);
    if (i >= 0) this.queue.splice(i, 1);
    this.persist();
  }

  private scheduleRetry(): void {
    const ms = this.opts.retryMs ?? 30_000;
    if (!ms || this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, ms);
    this.timer.unref();
  }

  private persist(): void {
    if (!this.opts.file) return;
    fs.mkdirSync(path.dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, queue: this.queue }));
    fs.renameSync(tmp, this.opts.file);
  }
}
