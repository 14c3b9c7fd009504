// Builds a Reconciler from a config file (or the demo) the way the commands
// `run`, `apply` and `status` need it: config + environment, logger, switch
// connections over P4Runtime, progress on a terminal.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ConfigError } from '../shared/errors.ts';
import { createLogger, type Level, type Logger } from '../shared/log.ts';
import { configFromObject, loadConfig, type LoadedConfig } from './config.ts';
import { Reconciler, type ReconcilerOptions } from './reconciler.ts';
import { p4rtConnector } from './p4rt-switch.ts';
import { ttyProgress } from './progress.ts';
import type { Demo } from './demo.ts';
import { githubFromConfig } from './github-from-config.ts';
import type { GitHubIntegration } from '../report/github/integration.ts';

export const DEFAULT_CONFIG = 'flowops.config.yaml';

/** `--config`, else $FLOWOPS_CONFIG, else ./flowops.config.yaml. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, flag ?? env.FLOWOPS_CONFIG ?? DEFAULT_CONFIG);
}

export function loadConfigFor(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): LoadedConfig {
  const file = configPath(flag, env, cwd);
  if (!fs.existsSync(file)) {
    throw new ConfigError('CONFIG_MISSING', `no config at ${path.relative(cwd, file) || file} (pass --config FILE, set FLOWOPS_CONFIG, or try --demo)`, { file });
  }
  return loadConfig(file, env);
}

/** A config for the demo: its temp repo, its targets, fast schedules, heal on drift. */
export function demoConfig(demo: Demo, env: NodeJS.ProcessEnv, listen: string): LoadedConfig {
  return configFromObject(
    {
      repo: { path: demo.repoDir, branch: 'main' },
      schedules: { sync: '*/10 * * * * *', drift: '*/15 * * * * *', expiry: '*/10 * * * * *', counters: '*/5 * * * * *' },
      mode: 'auto',
      drift: { policy: 'heal' },
      http: { listen },
      stateFile: path.join(demo.workDir, 'state.json'),
      ...(demo.operatorKeys.length ? { trust: { operatorKeys: demo.operatorKeys } } : {}),
      targets: Object.fromEntries(demo.targets.map((t) => [t.name, { address: t.address }])),
    },
    demo.workDir,
    env,
  );
}

export function makeReconciler(
  loaded: LoadedConfig,
  o: { env: NodeJS.ProcessEnv; stdout: Writable; stderr: Writable; human?: Writable; logLevel?: Level; extra?: Partial<ReconcilerOptions>; github?: boolean },
): { reconciler: Reconciler; logger: Logger; github?: GitHubIntegration } {
  const logger = createLogger({
    level: (o.env.FLOWOPS_LOG_LEVEL as Level) || o.logLevel || 'info',
    sink: (line) => o.stderr.write(line + '\n'),
    base: { app: 'flowops' },
  });
  // GitHub (when the config has a github: section) needs the reconciler for live
  // reads and push-triggered syncs, and the reconciler needs its reporter and
  // webhook handler: tie the knot through a reference set once the reconciler exists.
  let reconcilerRef: Reconciler | undefined;
  const github = o.github
    ? githubFromConfig(loaded, o.env, {
        logger,
        live: (target, desired) => reconcilerRef!.readLive(target, desired),
        traffic: (target, flow) => reconcilerRef?.counters.usage(target, flow),
        onPush: () => reconcilerRef?.pushed(),
      })
    : undefined;
  const reconciler = new Reconciler({
    loaded,
    env: o.env,
    logger,
    connect: p4rtConnector({ batchUpdates: loaded.config.batch.size }),
    human: o.human,
    progress: (target) => ttyProgress(o.stderr as Writable & { isTTY?: boolean }, `${target}: applying`),
    reporter: github?.reporter,
    githubWebhook: github?.webhook,
    ...o.extra,
  });
  reconcilerRef = reconciler;
  return { reconciler, logger, github };
}
