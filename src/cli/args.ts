// Tiny flag parser shared by the reconciler's commands: `--name value`,
// `--name=value` and boolean `--flag`. Unknown flags are usage errors.
import { UsageError } from './command.ts';

export function parseFlags(argv: string[], spec: { values?: string[]; bools?: string[] }): { values: Record<string, string>; bools: Set<string>; rest: string[] } {
  const values: Record<string, string> = {};
  const bools = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (spec.values?.includes(name)) {
      const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      values[name] = v;
    } else if (spec.bools?.includes(name) && eq < 0) {
      bools.add(name);
    } else throw new UsageError(`unknown option ${a}`);
  }
  return { values, bools, rest };
}
