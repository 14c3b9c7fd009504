// `flowops apply --once`: one full sync (fetch, compile, read, diff, write,
// verify) of every switch, then exit. Exit code 0 when every switch ended
// Converged/Unchanged/Planned, 1 otherwise (spec errors, failed or rolled-back switches).
import { UsageError, write, type Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { loadConfigFor, makeReconciler } from '../../reconcile/bootstrap.ts';

const help = `flowops apply --once [--config FILE] [--json]

Converges every switch once to the tip of the configured branch and exits:
fetch, compile, read the managed tables, diff, write in make-before-break
order, read back. A failed update is compensated (the switch returns to its
old state) and reported with the update that failed and why.

Options:
  --once          required: run one sync and exit (the daemon is \`flowops run\`)
  --config FILE   config file (default $FLOWOPS_CONFIG or ./flowops.config.yaml);
                  see \`flowops run --help\` for its keys
  --json          print the sync result as JSON instead of lines

Exit codes: 0 all switches converged or unchanged; 1 a switch failed or the
commit has spec errors (nothing applied); 2 usage.`;

export const command: Command = {
  name: 'apply',
  summary: 'converge every switch once and exit',
  help,
  async run(ctx) {
    const { values, bools } = parseFlags(ctx.argv, { values: ['config'], bools: ['once', 'json'] });
    if (!bools.has('once')) throw new UsageError('apply needs --once (the long-running reconciler is `flowops run`)');
    const loaded = loadConfigFor(values.config, ctx.env, ctx.cwd);
    // GitHub gets the apply statuses too (when configured); no PR polling in a one-shot run.
    const { reconciler, github } = makeReconciler(loaded, {
      env: ctx.env, stdout: ctx.stdout, stderr: ctx.stderr, human: bools.has('json') ? undefined : ctx.stdout, logLevel: 'warn', github: true,
    });
    const onAbort = () => void reconciler.stop();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const ev = await reconciler.sync('apply --once', { force: true });
      const status = reconciler.snapshot();
      if (!ev) {
        write(ctx.stderr, `flowops apply: nothing to apply${status.gitError ? `: ${status.gitError}` : ''}`);
        return 1;
      }
      if (bools.has('json')) write(ctx.stdout, JSON.stringify({ ...ev, switches: ev.switches.map((s) => ({ ...s, plan: { inserts: s.plan.inserts.length, modifies: s.plan.modifies.length, deletes: s.plan.deletes.length, unchanged: s.plan.unchanged } })) }, null, 2));
      const ok = ev.problems.length === 0 && ev.switches.every((s) => ['Converged', 'Unchanged', 'Planned'].includes(s.outcome));
      return ok ? 0 : 1;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await reconciler.stop();
      if (github) {
        await github.outbox.flush().catch(() => {});
        github.stop();
      }
    }
  },
};
