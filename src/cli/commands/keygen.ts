// `flowops keygen --out PATH`: a tenant's ed25519 key pair. The private seed
// goes to PATH.key (owner-only), the public key to PATH.pub and stdout, ready
// to paste into the Tenant's `spec.publicKey`.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, write, type Command, type CommandContext } from '../command.ts';
import { ConfigError } from '../../shared/errors.ts';
import { generateSeed, publicKeyOf } from '../../specs/signature.ts';

const help = `Usage: flowops keygen --out PATH [--force]

Creates an ed25519 key pair for a tenant:
  PATH.key  base64 private seed (mode 0600) — keep it out of the spec repo
  PATH.pub  base64 public key — put it in the Tenant's spec.publicKey
and prints the public key. Refuses to overwrite existing files unless --force.`;

export const command: Command = {
  name: 'keygen',
  summary: 'create an ed25519 key pair for a tenant',
  help,
  async run(ctx: CommandContext): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({ args: ctx.argv, options: { out: { type: 'string' }, force: { type: 'boolean', default: false } } }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!values.out) throw new UsageError('--out PATH is required');
    const base = path.resolve(ctx.cwd, values.out);
    const keyFile = `${base}.key`;
    const pubFile = `${base}.pub`;
    if (!fs.existsSync(path.dirname(base))) {
      throw new ConfigError('KEY_DIR_MISSING', `directory ${path.relative(ctx.cwd, path.dirname(base)) || '.'} does not exist`, { dir: path.dirname(base) });
    }
    for (const f of [keyFile, pubFile]) {
      if (fs.existsSync(f) && !values.force) {
        throw new ConfigError('KEY_EXISTS', `${path.relative(ctx.cwd, f)} already exists (use --force to replace it)`, { file: f });
      }
    }
    const seed = generateSeed();
    const pub = Buffer.from(publicKeyOf(seed)).toString('base64');
    // Write with 0600 from the start; chmod after would leave a readable window.
    fs.rmSync(keyFile, { force: true });
    fs.writeFileSync(keyFile, Buffer.from(seed).toString('base64') + '\n', { mode: 0o600 });
    fs.writeFileSync(pubFile, pub + '\n');
    write(ctx.stdout, pub);
    return 0;
  },
};
