// `flowops.config.yaml`'s `github:` section → the GitHub integration, or
// undefined when GitHub reporting is not configured. Lives in reconcile/ (it
// reads the reconciler's config) so report/github/ does not depend on the
// config's shape.
import { parseOperatorKeys } from '../specs/trust.ts';
import path from 'node:path';
import type { LoadedConfig } from './config.ts';
import type { Logger } from '../shared/log.ts';
import { ConfigError } from '../shared/errors.ts';
import { createGitHubIntegration, type GitHubIntegration } from '../report/github/integration.ts';
import type { LiveReader } from '../report/github/pr-plan.ts';
import type { TrafficReader } from '../report/traffic.ts';

export function githubFromConfig(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  o: { logger?: Logger; live?: LiveReader; traffic?: TrafficReader; onPush?: (commit: string) => void } = {},
): GitHubIntegration | undefined {
  const { config, baseDir } = loaded;
  const gh = config.github;
  if (!gh?.owner || !gh.repo) return undefined;
  if (!config.repo.url) {
    throw new ConfigError('GITHUB_NEEDS_REPO_URL', 'github reporting needs repo.url (PR heads are fetched from it as refs/pull/N/head)', { field: 'repo.url' });
  }
  const stateDir = path.resolve(baseDir, path.dirname(config.stateFile));
  return createGitHubIntegration({
    env, repo: { owner: gh.owner, repo: gh.repo }, branch: config.repo.branch, gitUrl: config.repo.url,
    gitToken: env[config.repo.tokenEnv], under: config.repo.dir || undefined, stateDir, appId: gh.appId, installationId: gh.installationId, apiUrl: gh.apiUrl,
    logger: o.logger, live: o.live, traffic: o.traffic, onPush: o.onPush,
    trust: config.trust ? { operatorKeys: parseOperatorKeys(config.trust.operatorKeys.join('\n'), 'trust.operatorKeys') } : undefined,
  });
}
