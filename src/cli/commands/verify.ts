// `flowops verify`: the proof before merge, over the compiled entries of every
// switch (src/verify/). Exit codes like `plan`: 0 clean (warnings allowed),
// 2 findings, 1 error (invalid specs, unreadable ref, bad arguments).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { write, type Command, type CommandContext } from '../command.ts';
import { readDirTree } from '../../source/spec-tree.ts';
import { DesiredCache, desiredState } from '../../desired/desired.ts';
import { failing, newFindings, renderVerifyText, verifyDesired } from '../../verify/specs.ts';
import { problemLines, readVersion } from '../spec-versions.ts';

const HELP = `Usage: flowops verify [DIR] [--against (DIR | GIT-REF)] [--target NAME] [--json] [--p4info FILE]

Compiles the specs in DIR (default: the current directory) and checks the
entries every switch would hold: no entry crosses tenants, none is shadowed
or claimed twice, every table fits the pipeline's size (with headroom), and
every flow is reachable end to end. Each finding names the spec line its
entry came from. With --against, only findings the baseline does not have.
Both versions are read like plan reads them: an unsigned flow file, a missing
pipeline file or a compile error is an error (exit 1), not a finding.

Exit status: 0 clean (warnings allowed), 2 findings, 1 error.`;

export const command: Command = {
  name: 'verify',
  summary: 'prove the compiled entries keep tenants apart, fit, and reach',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    let args;
    try {
      args = parseArgs({
        args: ctx.argv,
        allowPositionals: true,
        options: { against: { type: 'string' }, target: { type: 'string' }, json: { type: 'boolean', default: false }, p4info: { type: 'string' }, now: { type: 'string' } },
      });
    } catch (err) {
      write(ctx.stderr, `flowops verify: ${(err as Error).message}\n\n${HELP}`);
      return 1;
    }
    const { values, positionals } = args;
    if (positionals.length > 1) {
      write(ctx.stderr, `flowops verify: one DIR expected, got ${positionals.length}\n\n${HELP}`);
      return 1;
    }
    const now = values.now ? new Date(values.now) : new Date();
    const dir = path.resolve(ctx.cwd, positionals[0] ?? '.');
    // The same reading as plan and the reconciler (desired/): what verify proves is what they would write.
    const opts = { now, cache: new DesiredCache(), keepSpecs: true, p4info: values.p4info ? path.resolve(ctx.cwd, values.p4info) : undefined };
    const head = desiredState(readDirTree(dir, positionals[0] ?? '.'), opts);
    const problems = problemLines(head);
    let results = verifyDesired(head, { target: values.target });
    if (values.against && !problems.length) {
      const base = desiredState(await readVersion(dir, values.against, ctx.cwd), opts);
      problems.push(...problemLines(base, `(in --against ${base.label}) `));
      results = newFindings(verifyDesired(base, { target: values.target }), results);
    }
    if (problems.length) {
      for (const line of problems) write(ctx.stderr, line);
      write(ctx.stderr, `flowops verify: ${problems.length} error${problems.length === 1 ? '' : 's'} in specs`);
      return 1;
    }
    ctx.stdout.write(values.json ? JSON.stringify({ switches: results }, null, 2) + '\n' : renderVerifyText(results));
    return failing(results) ? 2 : 0;
  },
};
