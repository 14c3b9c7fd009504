// Everything GitHub, assembled for `flowops run`: one client, one outbox, the
// Reporter the reconciler emits to, the PR plan checker fed by a poller and (with
// GITHUB_WEBHOOK_SECRET set) by the webhook handler mounted at POST /hooks/github.
// Secrets come from the environment passed in, never from the config file.
import type { TrustRoots } from '../../specs/trust.ts';
import path from 'node:path';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { authFromEnv, createGitHubClient, type GitHubAuth, type GitHubClient } from './client.ts';
import { Outbox } from './outbox.ts';
import { PrChecker } from './pr-check.ts';
import type { TrafficReader } from '../traffic.ts';
import type { LiveReader } from './pr-plan.ts';
import { PrPoller } from './poller.ts';
import { GitHubReporter } from './reporter.ts';
import type { RepoRef } from './types.ts';
import { createWebhookHandler, type WebhookEvent } from './webhook.ts';

export interface GitHubIntegrationOptions {
  env: NodeJS.ProcessEnv;
  repo: RepoRef;
  /** Tracked branch. */
  branch: string;
  /** Smart-HTTP URL of the tracked repository, for fetching PR heads. */
  gitUrl: string;
  gitToken?: string;
  /** Folder of the repo holding the specs (default: all of it). */
  under?: string;
  /** Folder for the PR fetch cache and the outbox file. */
  stateDir: string;
  /** Ids from the config file; the private key comes from GITHUB_APP_PRIVATE_KEY. */
  appId?: number;
  installationId?: number;
  /** API root for GitHub Enterprise (default api.github.com). */
  apiUrl?: string;
  /** Web root for links in comments (default https://github.com). */
  htmlBase?: string;
  trust?: TrustRoots;
  live?: LiveReader;
  traffic?: TrafficReader;
  logger?: Logger;
  pollIntervalMs?: number;
  /** Called for a webhook push to the tracked branch (the reconciler's `pushed`), besides re-checking PRs. */
  onPush?: (commit: string) => void;
  /** Overrides, mostly for tests. */
  auth?: GitHubAuth;
  fetch?: typeof globalThis.fetch;
  backoffBaseMs?: number;
  spaceWrites?: boolean;
}

export interface GitHubIntegration {
  client: GitHubClient;
  outbox: Outbox;
  reporter: GitHubReporter;
  checker: PrChecker;
  poller: PrPoller;
  /** Present when GITHUB_WEBHOOK_SECRET is set. */
  webhook?: ReturnType<typeof createWebhookHandler>;
  start(): void;
  stop(): void;
}

export function createGitHubIntegration(o: GitHubIntegrationOptions): GitHubIntegration {
  const log = (o.logger ?? silentLogger).child({ component: 'github' });
  const auth = o.auth ?? authFromEnv(o.env, { appId: o.appId, installationId: o.installationId });
  const client = createGitHubClient({ auth, baseUrl: o.apiUrl, fetch: o.fetch, logger: log, backoffBaseMs: o.backoffBaseMs, spaceWrites: o.spaceWrites });
  const outbox = new Outbox({ client, file: path.join(o.stateDir, 'github-outbox.json'), logger: log });
  const reporter = new GitHubReporter({ repo: o.repo, outbox, logger: log });
  const checker = new PrChecker({
    client, outbox, repo: o.repo, branch: o.branch, logger: log, live: o.live, traffic: o.traffic, trust: o.trust, htmlBase: o.htmlBase,
    checkRuns: auth.kind === 'app',
    git: { url: o.gitUrl, token: o.gitToken, under: o.under, gitdir: path.join(o.stateDir, 'pr-cache.git') },
  });
  const poller = new PrPoller({ client, repo: o.repo, branch: o.branch, checker, intervalMs: o.pollIntervalMs, logger: log });
  const secret = o.env.GITHUB_WEBHOOK_SECRET;
  const onEvent = (ev: WebhookEvent) => {
    poller.handle(ev);
    if (ev.kind === 'push' && ev.ref === `refs/heads/${o.branch}`) o.onPush?.(ev.after);
  };
  const webhook = secret ? createWebhookHandler({ secret, logger: log, onEvent, repo: `${o.repo.owner}/${o.repo.repo}` }) : undefined;
  return {
    client, outbox, reporter, checker, poller, webhook,
    start() {
      poller.start();
      // Anything left queued by a previous run goes out now.
      void outbox.flush();
    },
    stop() {
      poller.stop();
      outbox.close();
    },
  };
}
