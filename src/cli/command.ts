// The contract every `flowops <command>` implements. Commands take their
// environment as a parameter (argv, env, streams) so tests run them in-process
// with their own; only main.ts touches `process`.
import type { Writable } from 'node:stream';

export interface CommandContext {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text printed for `flowops <name> --help`. */
  help: string;
  /** Resolves to the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** A usage mistake on the command line: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function write(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}
