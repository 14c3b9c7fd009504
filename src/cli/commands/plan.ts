// `flowops plan`: what a change to the specs does to the switches, entry by
// entry, without talking to any switch. Both versions are compiled and the
// older one's entries play the part of the live state, so the output is the
// exact insert/modify/delete set a converged switch would receive. Both
// versions go through desired/, like the reconciler: an unsigned flow file or
// a missing pipeline file is an error here too.
//
// Exit codes follow Terraform's -detailed-exitcode: 0 no changes, 2 changes,
// 1 error (invalid specs on either side, unreadable ref, bad arguments).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { write, type Command, type CommandContext } from '../command.ts';
import { planSize } from '../../diff/types.ts';
import { readDirTree } from '../../source/spec-tree.ts';
import { problemLines, readVersion } from '../spec-versions.ts';
import { DesiredCache, desiredState } from '../../desired/desired.ts';
import { planVersions } from '../../diff/versions.ts';
import { renderPlanText } from '../../report/plan-text.ts';
import { flowWordsBetween } from '../../report/plan-words.ts';
import { contractChanges } from '../../specs/contracts.ts';
import { renderPlanJson } from '../../report/plan-json.ts';
import { trustChanges } from '../../specs/trust-diff.ts';
import { TRUST_HELP, TRUST_OPTIONS, trustRoots } from '../trust-args.ts';

const HELP = `Usage: flowops plan [DIR] --against (DIR | GIT-REF) [--target NAME] [--json] [--p4info FILE]

Compiles the specs in DIR (default: the current directory, as it is on disk)
and the specs of --against (another directory, or a commit of DIR's Git
repository: HEAD~1, a branch, a tag, a commit id), and prints the table
entries that turning the --against version into the DIR version inserts (+),
modifies (~) and deletes (-) on every switch.

Options:
  --against X     the baseline: a directory, or a Git ref of DIR's repository
  --target NAME   only this switch (Target name)
  --json          machine-readable output (stable schema, see report/plan-json.ts)
  --p4info FILE   P4Info for targets that name none in pipeline.p4info
                  (default: the bundled one of the target's pipeline.arch)
  --now ISO-TIME  the instant flow expiry is judged at (default: now)
${TRUST_HELP}

Trust-relevant changes (keys, prefixes, VLAN/VNI, routes, NF instances,
service addresses, Target connections, manifest serials) are listed first,
even when they change no table entry. With operator keys, a signer whose
files changed must raise its manifest serial over the --against version.

Exit status: 0 no changes, 2 changes, 1 error.`;


export const command: Command = {
  name: 'plan',
  summary: 'show the table entries a change would insert, modify and delete',
  help: HELP,
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        against: { type: 'string' },
        target: { type: 'string' },
        json: { type: 'boolean', default: false },
        p4info: { type: 'string' },
        now: { type: 'string' },
        ...TRUST_OPTIONS,
      },
    });
  } catch (err) {
    return usage(ctx, (err as Error).message);
  }
  const { values, positionals } = args;
  if (positionals.length > 1) return usage(ctx, `one DIR expected, got ${positionals.length}`);
  if (!values.against) return usage(ctx, '--against is required');
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) return usage(ctx, `--now '${values.now}' is not a date`);
  const dir = path.resolve(ctx.cwd, positionals[0] ?? '.');

  const head = readDirTree(dir, positionals[0] ?? '.');
  const base = await readVersion(dir, values.against, ctx.cwd);
  const cache = new DesiredCache();
  let roots;
  try {
    roots = trustRoots(values, ctx.cwd);
  } catch (err) {
    return usage(ctx, (err as Error).message);
  }
  const opts = { now, cache, keepSpecs: true, p4info: values.p4info ? path.resolve(ctx.cwd, values.p4info) : undefined };
  const before = desiredState(base, { ...opts, trust: roots });
  // The head's serials must not go below the baseline's (and must rise where a signer's files changed).
  const after = desiredState(head, { ...opts, trust: roots && { ...roots, previous: before.manifests } });
  // Problems of the baseline say which version they are in, so nobody looks for them on disk.
  const problems = [...problemLines(after), ...problemLines(before, `(in --against ${base.label}) `)];
  if (problems.length) {
    for (const line of problems) write(ctx.stderr, line);
    write(ctx.stderr, `flowops plan: ${problems.length} error${problems.length === 1 ? '' : 's'} in specs`);
    return 1;
  }
  const plans = planVersions(before, after, { target: values.target });
  const flows = flowWordsBetween(before.specs, after.specs!);
  const trust = trustChanges(before.specs, after.specs!, { base: before.manifests, head: after.manifests });
  if (trust.length && !values.json) ctx.stdout.write(`Trust-relevant changes:\n${trust.map((l) => `  ! ${l}\n`).join('')}\n`);
  // What contract bindings change, before the entries ("contract `db-access`: service `orders` joins as client → 2 new flows").
  const bindings = contractChanges(before.specs, after.specs!);
  if (bindings.length && !values.json) ctx.stdout.write(bindings.join('\n') + '\n\n');
  ctx.stdout.write(values.json ? renderPlanJson(plans, { trust, contracts: bindings }) : renderPlanText(plans, { flows }));
  return plans.some((p) => planSize(p.plan) > 0) || trust.length ? 2 : 0;
}

function usage(ctx: CommandContext, message: string): number {
  write(ctx.stderr, `flowops plan: ${message}\n\n${HELP}`);
  return 1;
}
