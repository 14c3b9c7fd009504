// Finds work for the PR checker: open PRs into the tracked branch, by polling
// the pulls list and by webhooks. Both feed one queue keyed by PR number, so a
// head seen by both is checked once, a newer push supersedes a queued older
// one, and checks run one at a time (they compile; the machine has other work).
// A push to the tracked branch changes every open PR's plan: all are rechecked.
import { silentLogger, type Logger } from '../../shared/log.ts';
import type { GitHubClient } from './client.ts';
import type { PrChecker } from './pr-check.ts';
import { repoName, type RepoRef } from './types.ts';
import type { WebhookEvent } from './webhook.ts';

export interface PrPollerOptions {
  client: GitHubClient;
  repo: RepoRef;
  branch: string;
  checker: Pick<PrChecker, 'check' | 'closed'>;
  intervalMs?: number;
  logger?: Logger;
}

export class PrPoller {
  /** PR → `headSha@baseGeneration` last checked. */
  private done = new Map<number, string>();
  private queue = new Map<number, string>();
  private open = new Set<number>();
  private baseGen = 0;
  private running: Promise<void> | undefined;
  /** Closes and push-triggered polls under way (idle() waits for them too). */
  private background = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private log: Logger;
  /** Checks started, in order, the last 1000 (for status pages and tests). */
  readonly checked: { pr: number; sha: string }[] = [];

  constructor(private opts: PrPollerOptions) {
    this.log = opts.logger ?? silentLogger;
  }

  /** One look at GitHub's open PRs; schedules those whose head (or base) moved since their last check. */
  async pollOnce(): Promise<void> {
    const { client, repo, branch } = this.opts;
    const pulls = await client.paginate(client.rest.pulls.list, { ...repo, state: 'open', base: branch, per_page: 100 });
    const now = new Set<number>();
    for (const p of pulls) {
      if (p.base.ref !== branch) continue;
      now.add(p.number);
      this.enqueue(p.number, p.head.sha);
    }
    for (const n of this.open) if (!now.has(n)) this.forget(n);
    this.open = now;
    // Only the checks: a push-triggered poll is itself in `background`, so waiting for idle() would wait for itself.
    while (this.running) await this.running;
  }

  /** Webhook events (from createWebhookHandler's onEvent): schedule at once, never wait. */
  handle(ev: WebhookEvent): void {
    const { repo, branch } = this.opts;
    if (ev.kind === 'ping') return;
    if (ev.repo && ev.repo.toLowerCase() !== repoName(repo).toLowerCase()) return;
    if (ev.kind === 'push') {
      if (ev.ref !== `refs/heads/${branch}`) return;
      this.baseGen++;
      this.track(this.pollOnce().catch((e) => this.log.warn('poll after push failed', { error: String(e?.message ?? e) })));
      return;
    }
    if (ev.baseRef !== branch) return;
    if (ev.action === 'closed') {
      this.open.delete(ev.number);
      this.forget(ev.number);
      return;
    }
    this.open.add(ev.number);
    this.enqueue(ev.number, ev.headSha);
  }

  start(): void {
    const ms = this.opts.intervalMs ?? 60_000;
    const tick = () => {
      this.pollOnce()
        .catch((e) => this.log.warn('pull request poll failed', { error: String(e?.message ?? e) }))
        .finally(() => { if (this.timer) this.timer = setTimeout(tick, ms).unref(); });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when no check is queued or running. */
  async idle(): Promise<void> {
    while (this.running || this.background.size) await Promise.all([this.running, ...this.background]);
  }

  private track(p: Promise<void>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private key(sha: string): string {
    return `${sha}@${this.baseGen}`;
  }

  private enqueue(pr: number, sha: string): void {
    if (this.done.get(pr) === this.key(sha) || this.queue.get(pr) === sha) return;
    this.queue.set(pr, sha);
    if (!this.running) this.running = this.drain().finally(() => { this.running = undefined; });
  }

  private forget(pr: number): void {
    this.queue.delete(pr);
    this.done.delete(pr);
    this.track(this.opts.checker.closed(pr).catch((e) => this.log.warn('closing PR check failed', { pr, error: String(e?.message ?? e) })));
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.entries().next(); !next.done; next = this.queue.entries().next()) {
      const [pr, sha] = next.value;
      this.queue.delete(pr);
      const key = this.key(sha);
      if (this.done.get(pr) === key) continue;
      this.done.set(pr, key);
      this.checked.push({ pr, sha });
      if (this.checked.length > 1000) this.checked.shift();
      try {
        await this.opts.checker.check(pr);
      } catch (e: any) {
        // Not marked done: the next poll tries again.
        this.done.delete(pr);
        this.log.warn('pull request check failed', { pr, error: String(e?.message ?? e) });
      }
    }
  }
}
