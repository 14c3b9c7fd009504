// `flowops plan`: what a change to the specs does to the switches, entry by
// entry, without talking to any switch. Both versions are compiled and the
// older one's entries play the part of the live state, so the output is the
// exact insert/modify/delete set a converged switch would receive.
//
// Exit codes follow Terraform's -detailed-exitcode: 0 no changes, 2 changes,
// 1 error (invalid specs on either side, unreadable ref, bad arguments).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import git from 'isomorphic-git';
import { write, type Command, type CommandContext } from '../command.ts';
import { FlowopsError, SpecErrors } from '../../shared/errors.ts';
import { planSize } from '../../diff/types.ts';
import { loadSpecs, isSpecFile } from '../../specs/load.ts';
import type { SpecSet } from '../../specs/spec-set.ts';
import { readFilesAtRef } from '../../source/tree.ts';
import { resolveRevision } from '../../source/rev-parse.ts';
import { readSpecDir } from '../../source/dir.ts';
import type { P4InfoIndex } from '../../p4info/index.ts';
import { bundledP4Info, p4infoIndexOf } from '../../reconcile/desired.ts';
import type { Target } from '../../specs/schema.ts';
import { planBetween } from '../../diff/between.ts';
import { renderPlanText } from '../../report/plan-text.ts';
import { flowWordsBetween } from '../../report/plan-words.ts';
import { contractChanges } from '../../specs/contracts.ts';
import { renderPlanJson } from '../../report/plan-json.ts';

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
  --p4info FILE   P4Info to compile against (default: the bundled one of each
                  target's pipeline.arch, v1model when unset)
  --now ISO-TIME  the instant flow expiry is judged at (default: now)

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

  try {
    const after = await readDir(dir);
    const before = await readBaseline(dir, values.against, ctx.cwd);
    const newSpecs = load(after, undefined, now);
    const oldSpecs = load(before.files, before.label, now);
    const problems = [...newSpecs.errors, ...oldSpecs.errors];
    if (problems.length) {
      for (const e of problems) write(ctx.stderr, e);
      write(ctx.stderr, `flowops plan: ${problems.length} error${problems.length === 1 ? '' : 's'} in specs`);
      return 1;
    }
    const plans = planBetween(oldSpecs.specs, newSpecs.specs, { now, target: values.target, indexFor: p4infoResolver(values.p4info, ctx.cwd) });
    const flows = flowWordsBetween(oldSpecs.specs, newSpecs.specs);
    // What contract bindings change, before the entries ("contract `db-access`: service `orders` joins as client → 2 new flows").
    const bindings = values.json ? [] : contractChanges(oldSpecs.specs, newSpecs.specs);
    if (bindings.length) ctx.stdout.write(bindings.join('\n') + '\n\n');
    ctx.stdout.write(values.json ? renderPlanJson(plans) : renderPlanText(plans, { flows }));
    return plans.some((p) => planSize(p.plan) > 0) ? 2 : 0;
  } catch (err) {
    if (err instanceof SpecErrors) {
      for (const e of err.errors) write(ctx.stderr, e.toString());
      return 1;
    }
    throw err; // main.ts prints any other FlowopsError as `flowops plan: …`, exit 1
  }
}

function usage(ctx: CommandContext, message: string): number {
  write(ctx.stderr, `flowops plan: ${message}\n\n${HELP}`);
  return 1;
}

function load(files: Map<string, Buffer>, label: string | undefined, now: Date): { specs: SpecSet; errors: string[] } {
  // Expired flows are dropped, not errors: a plan shows what the reconciler would do.
  const { specs, errors } = loadSpecs(files, { now, expired: 'drop' });
  // Errors of the baseline say which version they are in, so nobody looks for them on disk.
  return { specs, errors: errors.map((e) => (label ? `(in --against ${label}) ${e.toString()}` : e.toString())) };
}

/** P4Info per target: --p4info for all, else the bundled one of the target's arch; each file loaded once. */
export function p4infoResolver(flag: string | undefined, cwd: string): (t: Target) => P4InfoIndex {
  return (t) => p4infoIndexOf(flag ? path.resolve(cwd, flag) : bundledP4Info(t.spec.pipeline?.arch));
}

/** Every file under `dir` on disk (source/dir.ts), keyed by `/`-separated path relative to `dir`. */
export async function readDir(dir: string): Promise<Map<string, Buffer>> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new FlowopsError('DIR_NOT_FOUND', `'${dir}' is not a directory`, { dir });
  }
  return readSpecDir(dir);
}

/** The --against side: a directory when one exists at that path, otherwise a ref of DIR's Git repository. */
export async function readBaseline(dir: string, against: string, cwd: string): Promise<{ files: Map<string, Buffer>; label: string }> {
  const asDir = path.resolve(cwd, against);
  if (fs.existsSync(asDir) && fs.statSync(asDir).isDirectory()) return { files: await readDir(asDir), label: against };
  let root: string;
  try {
    root = await git.findRoot({ fs, filepath: dir });
  } catch {
    throw new FlowopsError('NOT_A_REPO', `--against '${against}' is neither a directory nor usable as a Git ref: '${dir}' is not inside a Git repository`, {
      dir,
      against,
    });
  }
  const under = path.relative(root, dir).split(path.sep).join('/');
  const cache = {};
  const oid = await resolveRevision({ fs, dir: root, rev: against, cache });
  const { commit, files } = await readFilesAtRef({ fs, dir: root, ref: oid, under: under || undefined, include: isSpecFile, cache });
  // Paths come back repo-relative; make them DIR-relative like the other side so unchanged files compare equal.
  const rel = new Map<string, Buffer>();
  for (const [p, b] of files) rel.set(under ? p.slice(under.length + 1) : p, b);
  return { files: rel, label: `${against}@${commit.slice(0, 7)}` };
}
