// Re-signs every flow file of flows-example-repo/ with the demo key of the
// file's tenant (flows-example-repo/.example-keys/<tenant>.key), after an edit.
// Usage: npx tsx scripts/sign-example.ts [REPO_DIR]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSpecDir } from '../src/source/dir.ts';
import { loadSpecs } from '../src/specs/load.ts';
import { flowFiles, publicKeyOf, signFile, SIG_SUFFIX } from '../src/specs/signature.ts';
import { readSeed } from '../src/cli/commands/sign.ts';
import { currentSerial, filesOfSigner, manifestPath, OPERATOR, parseManifest, tenantSigner, writeManifest, digestOf } from '../src/specs/trust.ts';

export const EXAMPLE_REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../flows-example-repo');

/** Signs all flow files of `repo` with `<keysDir>/<tenant>.key`; returns the signed repo-relative paths. */
export function signExampleRepo(repo: string, keysDir = path.join(repo, '.example-keys')): string[] {
  const files = readSpecDir(repo);
  const { specs } = loadSpecs(files);
  const signed: string[] = [];
  for (const [file, flows] of flowFiles(specs)) {
    const tenants = [...new Set(flows.map((f) => f.metadata.tenant))];
    if (tenants.length !== 1) throw new Error(`${file}: flows of tenants ${tenants.join(', ')}; one tenant per file`);
    const seed = readSeed(path.join(keysDir, `${tenants[0]}.key`));
    const tenant = specs.tenants.find((t) => t.metadata.name === tenants[0]);
    if (tenant?.spec.publicKey !== Buffer.from(publicKeyOf(seed)).toString('base64')) {
      throw new Error(`${file}: ${keysDir}/${tenants[0]}.key does not match tenant ${tenants[0]}'s publicKey`);
    }
    fs.writeFileSync(path.join(repo, file + SIG_SUFFIX), signFile(seed, file, new Uint8Array(files.get(file)!)));
    signed.push(file);
  }
  // Then the manifests (docs/trust.md): each tenant's with its key, the operator's with operator.key.
  // A manifest whose files are unchanged keeps its serial; otherwise serial + 1.
  const after = readSpecDir(repo);
  const signers = [OPERATOR, ...specs.tenants.map((t) => tenantSigner(t.metadata.name))];
  for (const signer of signers) {
    const seed = readSeed(path.join(keysDir, `${signer === OPERATOR ? OPERATOR : signer.slice('tenant/'.length)}.key`));
    const owned = filesOfSigner(specs, after, signer);
    const rel = manifestPath(signer);
    const old = after.get(rel);
    const m = old && parseManifest(rel, old.toString('utf8'));
    const same = m && !(m instanceof Error) && m.files.size === owned.size && [...owned].every(([p, b]) => m.files.get(p) === digestOf(b));
    if (same) continue;
    const abs = path.join(repo, ...rel.split('/'));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, writeManifest(signer, currentSerial(after, signer) + 1, owned, [seed]));
    signed.push(rel);
  }
  return signed;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const repo = path.resolve(process.argv[2] ?? EXAMPLE_REPO);
  for (const file of signExampleRepo(repo)) process.stdout.write(`signed ${file}\n`);
}
