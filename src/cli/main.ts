// Entry point of the `flowops` binary: picks the command, runs it, exits.
// The only module that calls process.exit.
import { commands } from './registry.ts';
import { UsageError, wantsHelp, write, type CommandContext } from './command.ts';
import { FlowopsError } from '../shared/errors.ts';

function topHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return [
    'flowops: GitOps reconciler for programmable networks (P4Runtime)',
    '',
    'Usage: flowops <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `flowops <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[], ctx: Omit<CommandContext, 'argv'>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    write(ctx.stdout, topHelp());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    write(ctx.stderr, `flowops: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  const command = await entry.load();
  if (wantsHelp(rest)) {
    write(ctx.stdout, command.help);
    return 0;
  }
  try {
    return await command.run({ ...ctx, argv: rest });
  } catch (err) {
    if (err instanceof UsageError) {
      write(ctx.stderr, `flowops ${name}: ${err.message}\n\n${command.help}`);
      return 2;
    }
    if (err instanceof FlowopsError) {
      write(ctx.stderr, `flowops ${name}: ${err.toString()}`);
      return 1;
    }
    throw err;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.env.FLOWOPS_CLI_ENTRY === '1') {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => controller.abort(new Error(sig)));
  }
  main(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`flowops: ${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
