// `flowops sign --key T.key FILE...`: writes FILE.sig for flow files of the
// tenant whose key it is. It loads the spec repo to learn which tenant each
// file belongs to and refuses to sign another tenant's flows: a signature
// that `validate --require-signatures` would reject helps nobody.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, write, type Command, type CommandContext } from '../command.ts';
import { ConfigError, FlowopsError } from '../../shared/errors.ts';
import { readSpecDir } from '../../source/dir.ts';
import { loadSpecs } from '../../specs/load.ts';
import { flowFiles, publicKeyOf, signFile, SIG_SUFFIX } from '../../specs/signature.ts';
import { currentSerial, filesOfSigner, manifestPath, OPERATOR, tenantSigner, writeManifest } from '../../specs/trust.ts';

const help = `Usage: flowops sign --key TENANT.key --tenant NAME [--repo DIR]
       flowops sign --key OPERATOR.key --operator [--repo DIR]
       flowops sign --key TENANT.key [--repo DIR] FILE...

With --tenant or --operator: writes that signer's manifest
(manifests/tenants/NAME.manifest, manifests/operator.manifest): every file the
signer owns (Service and Flow files of the tenant; Tenant, Target and pipeline
files of the operator) with its SHA-256, and a serial one above the current
one. Run it after every change to the signer's files (docs/trust.md).

With FILE...: the older per-file form (no pinned operator key):

Signs flow files with a tenant's private key (from \`flowops keygen\`),
writing FILE.sig next to each. The signature covers the file's path relative
to the spec repo root (--repo, default: the current directory), so run it
against the same root that \`flowops validate\` checks. Refuses when a file
holds flows of a tenant whose spec.publicKey is not this key's.`;

export class SignError extends FlowopsError {}

export function readSeed(file: string): Uint8Array {
  const text = fs.readFileSync(file, 'utf8').trim();
  const seed = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || seed.length !== 32) {
    throw new ConfigError('KEY_INVALID', `${file} is not a base64 ed25519 private seed (32 bytes)`, { file });
  }
  return new Uint8Array(seed);
}

export const command: Command = {
  name: 'sign',
  summary: "sign a tenant's flow files with its private key",
  help,
  async run(ctx: CommandContext): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args: ctx.argv, allowPositionals: true, options: { key: { type: 'string' }, repo: { type: 'string' }, tenant: { type: 'string' }, operator: { type: 'boolean' } } });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (!values.key) throw new UsageError('--key TENANT.key is required');
    if (values.tenant !== undefined || values.operator) {
      if (positionals.length) throw new UsageError('--tenant/--operator sign a whole manifest: name no FILE');
      if (values.tenant !== undefined && values.operator) throw new UsageError('either --tenant NAME or --operator');
      return signManifest(ctx, values.key, path.resolve(ctx.cwd, values.repo ?? '.'), values.tenant);
    }
    if (!positionals.length) throw new UsageError('name at least one FILE to sign');
    const seed = readSeed(path.resolve(ctx.cwd, values.key));
    const pub = Buffer.from(publicKeyOf(seed)).toString('base64');
    const repo = path.resolve(ctx.cwd, values.repo ?? '.');

    const files = readSpecDir(repo);
    const { specs } = loadSpecs(files);
    const byFile = flowFiles(specs);
    const keyOwner = specs.tenants.find((t) => t.spec.publicKey === pub)?.metadata.name;

    // Check every file before writing any, so a refusal leaves nothing half-signed.
    const plan: { rel: string; abs: string }[] = [];
    for (const arg of positionals) {
      const abs = path.resolve(ctx.cwd, arg);
      const rel = path.relative(repo, abs).split(path.sep).join('/');
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw new SignError('SIGN_OUTSIDE_REPO', `${arg} is outside the spec repo ${values.repo ?? '.'} (set --repo)`, { file: arg });
      const flows = byFile.get(rel);
      if (!flows) throw new SignError('SIGN_NO_FLOWS', `${arg} holds no valid Flow or Contract documents (run \`flowops validate\`)`, { file: rel });
      const tenants = [...new Set(flows.map((f) => f.metadata.tenant))];
      if (tenants.length > 1) throw new SignError('SIGN_MIXED_TENANTS', `${arg} holds flows of tenants ${tenants.join(', ')}; split it per tenant`, { file: rel, tenants });
      const tenant = specs.tenants.find((t) => t.metadata.name === tenants[0]);
      if (!tenant) throw new SignError('SIGN_UNKNOWN_TENANT', `${arg}: tenant "${tenants[0]}" is not defined in the repo`, { file: rel });
      if (tenant.spec.publicKey !== pub) {
        const whose = keyOwner ? `it is the key of tenant ${keyOwner}` : 'no tenant in the repo has this key';
        throw new SignError('SIGN_WRONG_KEY', `refusing to sign ${arg}: it holds flows of tenant ${tenant.metadata.name}, and ${whose}`, { file: rel, tenant: tenant.metadata.name, keyOwner });
      }
      plan.push({ rel, abs });
    }
    for (const { rel, abs } of plan) {
      fs.writeFileSync(abs + SIG_SUFFIX, signFile(seed, rel, new Uint8Array(files.get(rel)!)));
      write(ctx.stdout, `signed ${rel}`);
    }
    return 0;
  },
};

/** Writes a signer's manifest with serial + 1 over the files it owns now. */
function signManifest(ctx: CommandContext, keyFile: string, repo: string, tenant: string | undefined): number {
  const seed = readSeed(path.resolve(ctx.cwd, keyFile));
  const pub = Buffer.from(publicKeyOf(seed)).toString('base64');
  const files = readSpecDir(repo);
  const { specs } = loadSpecs(files);
  const signer = tenant === undefined ? OPERATOR : tenantSigner(tenant);
  if (tenant !== undefined) {
    const t = specs.tenants.find((x) => x.metadata.name === tenant);
    if (!t) throw new SignError('SIGN_UNKNOWN_TENANT', `tenant "${tenant}" is not defined in the repo`, { tenant });
    if (t.spec.publicKey !== pub) throw new SignError('SIGN_WRONG_KEY', `refusing to sign for tenant ${tenant}: this is not the publicKey of its Tenant document`, { tenant });
  }
  const owned = filesOfSigner(specs, files, signer);
  const serial = currentSerial(files, signer) + 1;
  const rel = manifestPath(signer);
  const abs = path.join(repo, ...rel.split('/'));
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, writeManifest(signer, serial, owned, [seed]));
  write(ctx.stdout, `signed ${rel}: serial ${serial}, ${owned.size} file${owned.size === 1 ? '' : 's'}`);
  return 0;
}
