// `flowops status`: per switch, the commit it runs, when it was last synced,
// how that ended, and drift — read from the reconciler's state file, so it
// works while `flowops run` runs elsewhere or after it stopped.
import path from 'node:path';
import { write, type Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { loadConfigFor } from '../../reconcile/bootstrap.ts';
import { resolvePath } from '../../reconcile/config.ts';
import { readStatus, type StatusFile } from '../../reconcile/state-file.ts';
import { trafficWords } from '../../report/traffic.ts';

const help = `flowops status [--config FILE] [--state FILE] [--json] [--flows]

Shows, per switch: P4Runtime API version, applied commit, last sync time and outcome, HA role,
and the last drift found. Reads the state file the reconciler keeps
(config key stateFile, default .flowops/state.json).

Options:
  --config FILE   config file (default $FLOWOPS_CONFIG or ./flowops.config.yaml)
  --state FILE    read this state file instead of the config's
  --json          machine-readable output
  --flows         also each switch's flows with the traffic their direct counters saw
                  (busiest first, up to 1000 per switch; \`flowops run\` samples them)`;

export const command: Command = {
  name: 'status',
  summary: 'show per-switch applied commit, last sync and drift',
  help,
  async run(ctx) {
    const { values, bools } = parseFlags(ctx.argv, { values: ['config', 'state'], bools: ['json', 'flows'] });
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
    const rows = [['SWITCH', 'ADDRESS', 'API', 'ROLE', 'APPLIED', 'LAST SYNC', 'OUTCOME', 'PATH', 'DRIFT']];
    for (const s of Object.values(st.switches).sort((a, b) => (a.target < b.target ? -1 : 1))) {
      const drift = s.drift ? `${s.drift.entries} entr${s.drift.entries === 1 ? 'y' : 'ies'}${s.drift.healed ? ' (healed)' : ''} at ${s.drift.at}` : 'none';
      rows.push([s.target, s.address ?? '', s.apiVersion ?? '', s.role ?? '', short(s.appliedCommit), s.lastSync ?? 'never', s.lastOutcome ?? '', s.lastPath ?? '', drift]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) lines.push(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
    for (const s of Object.values(st.switches)) {
      if (s.lastError) lines.push(`${s.target}: ${s.lastError}`);
      for (const d of s.drift?.sample ?? []) lines.push(`${s.target}: drift: ${d}`);
    }
    if (bools.has('flows')) lines.push(...flowLines(st));
    write(ctx.stdout, lines.join('\n'));
    return 0;
  },
};

function short(c?: string): string {
  return c ? c.slice(0, 7) : '-';
}

/** `acme/storefront-to-search: 1.2 M packets (76.8 MB) in the last 24 h on leaf1`, per switch. */
function flowLines(st: StatusFile): string[] {
  const out: string[] = [];
  for (const s of Object.values(st.switches).sort((a, b) => (a.target < b.target ? -1 : 1))) {
    if (!s.traffic) {
      out.push(`${s.target}: no counters read yet`);
      continue;
    }
    out.push(`${s.target}: ${s.traffic.flows.length} flow(s), counters read at ${s.traffic.at}`);
    for (const f of s.traffic.flows) out.push(`  ${f.flow}: ${trafficWords(f, s.target)}`);
  }
  return out;
}
