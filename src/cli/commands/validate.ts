// `flowops validate [DIR]`: every defect of a spec directory, one
// `file:line:col field: message` line each, so an editor or CI annotator can
// jump to it. Reads the directory (source/) and runs the desired stage the
// reconciler applies commits with: specs, signatures, pipeline files, compile.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TRUST_HELP, TRUST_OPTIONS, trustRoots } from '../trust-args.ts';
import { UsageError, write, type Command, type CommandContext } from '../command.ts';
import { ConfigError, withField } from '../../shared/errors.ts';
import { readDirTree } from '../../source/spec-tree.ts';
import { desiredState } from '../../desired/desired.ts';
import type { SpecProblem } from '../../desired/types.ts';

const help = `Usage: flowops validate [DIR] [--require-signatures] [--json] [--now ISO-8601]

Checks every spec in DIR (default: the current directory) as the reconciler
would apply it: YAML syntax, the schema of each document, the rules between
documents (unknown tenants and services, overlapping prefixes, duplicate ids
and VLANs, flows crossing tenants, expired flows, ...), pipeline files and
compiling for every Target. Prints one line per problem, sorted by file and
line:  path/to/file.yaml:LINE:COL field: message

Options:
  --require-signatures  every flow file must carry a valid <file>.sig by its
                        tenant's key, as the reconciler demands (without it,
                        bad signatures are warnings, missing ones are ignored)
  --json                print {valid, errors, warnings, counts} as JSON
  --now ISO-8601        the instant flow expiry is judged at (default: now)
${TRUST_HELP}

Exit status: 0 valid, 1 invalid, 2 usage error.`;

export interface ProblemJson {
  file: string;
  line: number;
  col: number;
  field: string;
  code: string;
  message: string;
}

function toJson(e: SpecProblem): ProblemJson {
  return { file: e.pos.file, line: e.pos.line, col: e.pos.col, field: e.field, code: e.code, message: e.message };
}

export const command: Command = {
  name: 'validate',
  summary: 'check specs in a directory; file:line errors for every defect',
  help,
  async run(ctx: CommandContext): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: ctx.argv,
        allowPositionals: true,
        options: {
          'require-signatures': { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          now: { type: 'string' },
          ...TRUST_OPTIONS,
        },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length > 1) throw new UsageError(`expected at most one DIR, got ${positionals.length}`);
    let now = new Date();
    if (values.now !== undefined) {
      now = new Date(values.now);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now: "${values.now}" is not an ISO-8601 date-time`);
    }
    const dirArg = positionals[0] ?? '.';
    const dir = path.resolve(ctx.cwd, dirArg);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new ConfigError('DIR_NOT_FOUND', `${dirArg} is not a directory`, { dir: dirArg });
    }

    const d = desiredState(readDirTree(dir, dirArg), {
      now,
      expired: 'error',
      signatures: values['require-signatures'] ? 'require' : 'warn',
      keepSpecs: true,
      trust: trustRoots(values, ctx.cwd),
    });
    const { problems: errors, warnings } = d;
    const specs = d.specs!;
    const counts = {
      files: d.specFiles,
      tenants: specs.tenants.length,
      services: specs.services.length,
      flows: specs.flows.length,
      targets: specs.targets.length,
    };
    if (values.json) {
      write(ctx.stdout, JSON.stringify({ valid: errors.length === 0, errors: errors.map(toJson), warnings: warnings.map(toJson), counts }, null, 2));
      return errors.length ? 1 : 0;
    }

    // Paths as the user can open them from where they ran the command.
    const shown = (e: SpecProblem) => {
      const { file, line, col } = e.pos;
      return `${dirArg === '.' ? file : path.join(dirArg, file)}:${line}:${col} ${withField(e.field, e.message)}`;
    };
    for (const w of warnings) write(ctx.stderr, `${shown(w)} (warning)`);
    for (const e of errors) write(ctx.stdout, shown(e));
    const summary = `${counts.tenants} tenants, ${counts.services} services, ${counts.flows} flows, ${counts.targets} targets in ${counts.files} files`;
    if (errors.length) {
      write(ctx.stdout, `${errors.length} error${errors.length === 1 ? '' : 's'} (${summary})`);
      return 1;
    }
    write(ctx.stdout, `valid: ${summary}${values['require-signatures'] ? ', all flow files signed' : ''}`);
    return 0;
  },
};
