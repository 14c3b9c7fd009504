// Signing spec trees under the trust model in tests (docs/trust.md): the
// example repo's demo keys (flows-example-repo/.example-keys), and a helper
// that rewrites one signer's manifest over a file set the way `flowops sign
// --tenant/--operator` does.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpecs } from '../../src/specs/load.ts';
import { readTreeFiles } from './git-repo.ts';
import { flowYaml } from './spec-repo.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';
import { currentSerial, filesOfSigner, manifestPath, OPERATOR, tenantSigner, writeManifest } from '../../src/specs/trust.ts';

export const EXAMPLE_KEYS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../flows-example-repo/.example-keys');

export function demoSeed(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(fs.readFileSync(path.join(EXAMPLE_KEYS, `${name}.key`), 'utf8').trim(), 'base64'));
}

export const OPERATOR_PUB = fs.readFileSync(path.join(EXAMPLE_KEYS, 'operator.pub'), 'utf8').trim();
export const operatorRoots = () => ({ operatorKeys: [new Uint8Array(Buffer.from(OPERATOR_PUB, 'base64'))] });

/**
 * The manifest file of `signer` ('operator' or a tenant name) over `files` as
 * they are, signed with `seed` (default: the signer's demo key), serial
 * current + 1 unless given. Returns { path: text } to merge into a change.
 */
export function resign(files: Record<string, string | null>, signer: string, opts: { seed?: Uint8Array; serial?: number } = {}): Record<string, string> {
  const present = new Map(Object.entries(files).filter((e): e is [string, string] => e[1] !== null));
  const { specs } = loadSpecs(present);
  const s = signer === OPERATOR ? OPERATOR : tenantSigner(signer);
  const serial = opts.serial ?? currentSerial(present, s) + 1;
  return { [manifestPath(s)]: writeManifest(s, serial, filesOfSigner(specs, present, s), [opts.seed ?? demoSeed(signer)]) };
}

/** The example repository's files (without its keys folder), path → text. */
export function exampleFiles(): Record<string, string | null> {
  return Object.fromEntries(Object.entries(readTreeFiles(EXAMPLE_REPO)).filter(([p]) => !p.startsWith('.example-keys/')));
}

/** Issue 11's table-filling file: 34 acme flows of ports 1-65535 (≈2.2M flow_classify keys) in a few kB. */
export function wideFlows(): string {
  const names = ['storefront', 'checkout', 'cart', 'catalog', 'search', 'payments', 'orders-db', 'inventory', 'auth'];
  const pairs = names.flatMap((a) => names.filter((b) => b !== a).map((b) => [a, b] as const)).slice(0, 34);
  // udp: the example's tcp flows would overlap these pairs.
  return pairs.map(([from, to], i) => flowYaml({ name: `wide-${i}`, from, to, protocol: 'udp', ports: [] }).replace('ports: []', 'ports: ["1-65535"]')).join('---\n');
}
