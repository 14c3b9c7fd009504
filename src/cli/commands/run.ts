// `flowops run`: the reconciler daemon. `--demo` needs no config: it starts
// two bundled switches and points the loop at flows-example-repo/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { write, type Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { configHelp, ENV_OVERRIDES } from '../../reconcile/config.ts';
import { demoConfig, loadConfigFor, makeReconciler } from '../../reconcile/bootstrap.ts';
import type { Demo } from '../../reconcile/demo.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const help = `flowops run [--config FILE] [--demo] [--listen HOST:PORT]

Runs the reconciler: on every sync tick it fetches the Git branch, compiles the
specs of a new commit, and converges every switch (read, diff, ordered batched
writes, read-back). A drift scan compares switches with the applied commit; an
expiry tick removes flows whose \`expires\` has passed. Writes are all-or-nothing
per switch and sync: a failed update is compensated so the switch returns to
its previous state. SIGTERM/SIGINT finish the request in flight, roll back an
unfinished apply, and exit.

Options:
  --config FILE       config file (default $FLOWOPS_CONFIG or ./flowops.config.yaml)
  --demo              no config: start two bundled targets (leaf1, leaf2) in this
                      process, commit flows-example-repo/ into a temp Git repo and
                      converge them; prints each switch converging. \`npm start\`.
  --listen HOST:PORT  override http.listen

HTTP: GET / (read-only web view: switches, drift, sync history, service graph with
      live traffic; GET /flows/TENANT/NAME a flow), GET /healthz, GET /readyz, GET /metrics (Prometheus), POST /sync (sync now),
      POST /hooks/github (GitHub webhooks, when configured).
Logs: JSON lines on stderr (FLOWOPS_LOG_LEVEL=debug|info|warn|error).

flowops.config.yaml keys:
${configHelp()}

Environment overrides:
${ENV_OVERRIDES.map((o) => `  ${o.env.padEnd(24)} ${o.path.join('.')}`).join('\n')}
  FLOWOPS_CONFIG           config file path
  FLOWOPS_GIT_TOKEN        https token for repo.url (name set by repo.tokenEnv)

Example:
  repo:
    url: https://github.com/example/network-intent.git
    branch: main
  schedules: { sync: "*/30 * * * * *", drift: "0 * * * * *", expiry: "*/10 * * * * *" }
  mode: auto
  drift: { policy: heal }
  batch: { size: 500 }
  electionId: 10
  http: { listen: "0.0.0.0:8080" }
`;

export const command: Command = {
  name: 'run',
  summary: 'run the reconciler: poll Git, converge switches, watch drift',
  help,
  async run(ctx) {
    const { values, bools } = parseFlags(ctx.argv, { values: ['config', 'listen'], bools: ['demo'] });
    const env = { ...ctx.env };
    if (values.listen) env.FLOWOPS_HTTP_LISTEN = values.listen;
    let demo: Demo | undefined;
    let loaded;
    if (bools.has('demo')) {
      const { startDemo } = await import('../../reconcile/demo.ts');
      demo = await startDemo(path.join(REPO_ROOT, 'flows-example-repo'));
      write(ctx.stdout, `flowops demo: flows-example-repo/ committed as ${demo.commit.slice(0, 7)} in a temp Git repo`);
      for (const t of demo.targets) write(ctx.stdout, `flowops demo: bundled target ${t.name} listening on ${t.address}`);
      loaded = demoConfig(demo, env, env.FLOWOPS_HTTP_LISTEN ?? '127.0.0.1:0');
    } else {
      loaded = loadConfigFor(values.config, env, ctx.cwd);
    }
    const { reconciler, logger, github } = makeReconciler(loaded, {
      env, stdout: ctx.stdout, stderr: ctx.stderr,
      // One line per switch event for people: always in the demo, on a terminal otherwise (logs are on stderr).
      human: demo || (ctx.stdout as { isTTY?: boolean }).isTTY ? ctx.stdout : undefined,
      logLevel: demo ? 'warn' : 'info', github: !demo,
    });
    github?.start();
    const stopped = new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      await Promise.race([reconciler.start(), stopped]);
      if (!ctx.signal.aborted) {
        write(ctx.stdout, `flowops: reconciling; web view on http://${viewHost(reconciler.httpAddress ?? '')}/ (also /healthz /readyz /metrics, POST /sync). Ctrl-C to stop.`);
        await stopped;
      }
      logger.info('signal received; stopping', { reason: String(ctx.signal.reason ?? '') });
    } finally {
      await reconciler.stop();
      github?.stop();
      await demo?.close();
    }
    write(ctx.stdout, 'flowops: stopped');
    return 0;
  },
};

/** A URL host for people: a wildcard listen address is opened on loopback. */
function viewHost(address: string): string {
  return address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}
