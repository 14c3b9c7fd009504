// Signing spec trees under the trust model in tests (docs/trust.md): the
// example repo's demo keys (flows-example-repo/.example-keys), and a helper
// that rewrites one signer's manifest over a file set the way `flowops sign
// --tenant/--operator` does.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpecs } from '../../src/specs/load.ts';
import { readTreeFiles } from './git-repo.ts';
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

/**
 * Issue 11's table-filling commit, with numbers the compiler really emits: 512
 * acme services of role `wide` and 34 udp flows from that role, 128 single
 * ports each (single ports stay exact, one flow_classify key each):
 * 512 × 34 × 128 = 2,228,224 keys > the table's 2,097,152, in a few hundred kB.
 */
export function wideFlows(): Record<string, string> {
  const names = ['storefront', 'checkout', 'cart', 'catalog', 'search', 'payments', 'orders-db', 'inventory', 'auth'];
  const services = Array.from({ length: 512 }, (_, n) =>
    `apiVersion: flowops.dev/v1\nkind: Service\nmetadata:\n  name: wide-${n}\n  tenant: acme\nspec:\n  addresses: [10.1.${250 + (n >> 8)}.${n & 255}/32]\n  roles: [wide]\n`);
  const flows = Array.from({ length: 34 }, (_, i) => {
    const base = 1000 + 128 * Math.floor(i / names.length);
    const ports = Array.from({ length: 128 }, (_, k) => base + k).join(', ');
    return `apiVersion: flowops.dev/v1\nkind: Flow\nmetadata:\n  name: wide-${i}\n  tenant: acme\nspec:\n  from: { role: wide }\n  to: { service: ${names[i % names.length]} }\n  protocol: udp\n  ports: [${ports}]\n  action: allow\n`;
  });
  return { 'tenants/acme/wide-services.yaml': services.join('---\n'), 'tenants/acme/flows/wide.yaml': flows.join('---\n') };
}
