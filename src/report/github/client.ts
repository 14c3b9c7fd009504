// The one place an Octokit is built. Auth comes from the environment passed in
// (a token, or a GitHub App → installation token); retries with backoff for 5xx
// and rate limits come from the official plugins. Tests pass their own env,
// baseUrl, fetch and a tiny backoff base instead of patching globals.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { createAppAuth } from '@octokit/auth-app';
import { ConfigError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';

export const FlowopsOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof FlowopsOctokit>;

export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: number | string; privateKey: string; installationId: number | string };

export interface GitHubClientOptions {
  auth: GitHubAuth;
  /** API root; `https://api.github.com` unless pointed at GHES or a test server. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
  /** Milliseconds per "second" of backoff; 1000 in production, ~1 in tests. */
  backoffBaseMs?: number;
  /** Retries of one request after 5xx / rate limits before giving up (the outbox takes over then). */
  retries?: number;
  /**
   * GitHub asks integrators to space writes (1 s) and notification-triggering writes (3 s).
   * `false` turns that spacing off, for tests against a local server only.
   */
  spaceWrites?: boolean;
}

/** Reads auth from the environment: `GITHUB_TOKEN`, or `GITHUB_APP_ID` + `GITHUB_APP_PRIVATE_KEY` + `GITHUB_APP_INSTALLATION_ID`. */
export function authFromEnv(env: NodeJS.ProcessEnv, config: { appId?: number; installationId?: number } = {}): GitHubAuth {
  // Ids may come from flowops.config.yaml (github.appId / installationId); the key only ever from the environment.
  if (config.appId !== undefined) env = { ...env, GITHUB_APP_ID: String(config.appId) };
  if (config.installationId !== undefined) env = { ...env, GITHUB_APP_INSTALLATION_ID: String(config.installationId) };
  const { GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID, GITHUB_TOKEN } = env;
  if (GITHUB_APP_ID || GITHUB_APP_PRIVATE_KEY) {
    const missing = ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_INSTALLATION_ID'].filter((k) => !env[k]);
    if (missing.length) throw new ConfigError('GITHUB_APP_INCOMPLETE', `GitHub App auth needs ${missing.join(', ')}`, { missing });
    // Keys pasted into env files often carry literal `\n`.
    return { kind: 'app', appId: GITHUB_APP_ID!, privateKey: GITHUB_APP_PRIVATE_KEY!.replace(/\\n/g, '\n'), installationId: GITHUB_APP_INSTALLATION_ID! };
  }
  if (GITHUB_TOKEN) return { kind: 'token', token: GITHUB_TOKEN };
  throw new ConfigError('GITHUB_AUTH_MISSING', 'set GITHUB_TOKEN, or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID');
}

/** A limiter group that runs jobs at once (write spacing off). Shape of the Bottleneck.Group the plugin calls. */
const immediateGroup = {
  key: () => ({ schedule: (...args: any[]) => {
    const fnAt = typeof args[0] === 'function' ? 0 : 1;
    return Promise.resolve().then(() => args[fnAt](...args.slice(fnAt + 1)));
  } }),
};

export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const log = opts.logger ?? silentLogger;
  const base = opts.backoffBaseMs ?? 1000;
  const retries = opts.retries ?? 3;
  const onLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
    log.warn('github rate limited', { kind, retryAfter, method: options.method, url: options.url, retryCount });
    return retryCount < retries;
  };
  const auth = opts.auth.kind === 'token'
    ? { auth: opts.auth.token }
    : { authStrategy: createAppAuth, auth: { appId: opts.auth.appId, privateKey: opts.auth.privateKey, installationId: opts.auth.installationId } };
  const spacing = opts.spaceWrites === false ? { write: immediateGroup, notifications: immediateGroup } : {};
  return new FlowopsOctokit({
    ...auth,
    baseUrl: opts.baseUrl ?? 'https://api.github.com',
    userAgent: 'flowops',
    request: { fetch: opts.fetch },
    retry: { retries, retryAfterBaseValue: base },
    throttle: {
      retryAfterBaseValue: base,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(spacing as object),
    },
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) },
  });
}
