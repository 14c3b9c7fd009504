// `flowops status`: per switch, the commit it runs, when it was last synced,
// how that ended, and drift — read from the reconciler's state file, so it
// works while `flowops run` runs elsewhere or after it stopped.
import path from 'node:path';
import { write, type Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { loadConfigFor } from '../../reconcile/bootstrap.ts';
import { resolvePath } from '../../reconcile/config.ts';
import { readStatus } from '../../reconcile/state-file.ts';

const help = `flowops status [--config FILE] [--state FILE] [--json]

Shows, per switch: P4Runtime API version, applied commit, last sync time and outcome, HA role,
and the last drift found. Reads the state file the reconciler keeps
(config key stateFile, default .flowops/state.json).

Options:
  --config FILE   config file (default $FLOWOPS_CONFIG or ./flowops.config.yaml)
  --state FILE    read this state file instead of the config's
  --json          machine-readable output`;

export const command: Command = {
  name: 'status',
  summary: 'show per-switch applied commit, last sync and drift',
  help,
  async run(ctx) {
    const { values, bools } = parseFlags(ctx.argv, { values: ['config', 'state'], bools: ['json'] });
    const file = values.state ? path.resolve(ctx.cwd, values.state) : (() => {
      const loaded = loadConfigFor(values.config, ctx.env, ctx.cwd);
      return resolvePath(loaded, loaded.config.stateFile);
    })();
    const st = readStatus(file);
    if (!st) {
      write(ctx.stderr, `flowops status: no state at ${path.relative(ctx.cwd, file) || file} (has \`flowops run\` or \`flowops apply --once\` run yet?)`);
      return 1;
    }
    if (bools.has('json')) {
      write(ctx.stdout, JSON.stringify(st, null, 2));
      return 0;
    }
    const lines = [`repo ${st.repo ?? '?'} branch ${st.branch ?? '?'} head ${short(st.headCommit)}  (updated ${st.updated})`];
    if (st.gitError) lines.push(`git: ${st.gitError}`);
    if (st.headError) lines.push(`HEAD REJECTED: ${st.headError} (switches keep the last good commit)`);
    const rows = [['SWITCH', 'ADDRESS', 'API', 'ROLE', 'APPLIED', 'LAST SYNC', 'OUTCOME', 'DRIFT']];
    for (const s of Object.values(st.switches).sort((a, b) => (a.target < b.target ? -1 : 1))) {
      const drift = s.drift ? `${s.drift.entries} entr${s.drift.entries === 1 ? 'y' : 'ies'}${s.drift.healed ? ' (healed)' : ''} at ${s.drift.at}` : 'none';
      rows.push([s.target, s.address ?? '', s.apiVersion ?? '', s.role ?? '', short(s.appliedCommit), s.lastSync ?? 'never', s.lastOutcome ?? '', drift]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) lines.push(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
    for (const s of Object.values(st.switches)) {
      if (s.lastError) lines.push(`${s.target}: ${s.lastError}`);
      for (const d of s.drift?.sample ?? []) lines.push(`${s.target}: drift: ${d}`);
    }
    write(ctx.stdout, lines.join('\n'));
    return 0;
  },
};

function short(c?: string): string {
  return c ? c.slice(0, 7) : '-';
}
