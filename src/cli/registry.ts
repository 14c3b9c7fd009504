// The commands `flowops` knows, loaded lazily so `flowops validate` does not
// pay for gRPC or Octokit.
import type { Command } from './command.ts';

export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: { summary: 'check specs in a directory; file:line errors for every defect', load: async () => (await import('./commands/validate.ts')).command },
  plan: { summary: 'show the table entries a change would insert, modify and delete', load: async () => (await import('./commands/plan.ts')).command },
  verify: { summary: 'prove the compiled entries keep tenants apart, fit, and reach', load: async () => (await import('./commands/verify.ts')).command },
  trace: { summary: "walk a packet through a switch's tables and say what happens to it", load: async () => (await import('./commands/trace.ts')).command },
  keygen: { summary: 'create an ed25519 key pair for a tenant', load: async () => (await import('./commands/keygen.ts')).command },
  sign: { summary: "sign a tenant's flow files with its private key", load: async () => (await import('./commands/sign.ts')).command },
  target: { summary: 'run the bundled P4Runtime target (a software switch)', load: async () => (await import('./commands/target.ts')).command },
  run: { summary: 'run the reconciler: poll Git, converge switches, watch drift', load: async () => (await import('./commands/run.ts')).command },
  apply: { summary: 'converge every switch once and exit', load: async () => (await import('./commands/apply.ts')).command },
  status: { summary: 'show per-switch applied commit, last sync and drift', load: async () => (await import('./commands/status.ts')).command },
  pipeline: { summary: 'pack, inspect and diff P4 pipeline artifacts (bmv2, tofino)', load: async () => (await import('./commands/pipeline.ts')).command },
};
