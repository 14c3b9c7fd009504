// `flowops verify`: the proof before merge, over the compiled entries of every
// switch (src/verify/). Exit codes like `plan`: 0 clean (warnings allowed),
// 2 findings, 1 error (invalid specs, unreadable ref, bad arguments).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { write, type Command, type CommandContext } from '../command.ts';
import { SpecErrors } from '../../shared/errors.ts';
import { loadSpecs } from '../../specs/load.ts';
import { failing, newFindings, renderVerifyText, verifySpecs } from '../../verify/specs.ts';
import { p4infoResolver, readBaseline, readDir } from './plan.ts';

const HELP = `Usage: flowops verify [DIR] [--against (DIR | GIT-REF)] [--target NAME] [--json] [--p4info FILE]

Compiles the specs in DIR (default: the current directory) and checks the
entries every switch would hold: no entry crosses tenants, none is shadowed
or claimed twice, every table fits the pipeline's size (with headroom), and
every flow is reachable end to end. Each finding names the spec line its
entry came from. With --against, only findings the baseline does not have.

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
    const opts = { now, target: values.target, indexFor: p4infoResolver(values.p4info, ctx.cwd) };
    try {
      const { specs, errors } = loadSpecs(await readDir(dir), { now, expired: 'drop' });
      if (errors.length) {
        for (const e of errors) write(ctx.stderr, e.toString());
        return 1;
      }
      let results = verifySpecs(specs, opts);
      if (values.against) {
        const base = await readBaseline(dir, values.against, ctx.cwd);
        const old = loadSpecs(base.files, { now, expired: 'drop' });
        if (old.errors.length) {
          for (const e of old.errors) write(ctx.stderr, `(in --against ${base.label}) ${e.toString()}`);
          return 1;
        }
        results = newFindings(verifySpecs(old.specs, opts), results);
      }
      ctx.stdout.write(values.json ? JSON.stringify({ switches: results }, null, 2) + '\n' : renderVerifyText(results));
      return failing(results) ? 2 : 0;
    } catch (err) {
      if (err instanceof SpecErrors) {
        for (const e of err.errors) write(ctx.stderr, e.toString());
        return 1;
      }
      throw err;
    }
  },
};
