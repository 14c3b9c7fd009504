// A small valid spec repo held in memory, and helpers to break it and to find
// where (line:col) a piece of text sits, so tests state expected positions by
// pointing at the text rather than by counting lines by hand.
import { createHash } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { loadSpecs, type LoadOptions } from '../../src/specs/load.ts';
import { signFile } from '../../src/specs/signature.ts';

/** Deterministic test seeds (never random: failures must reproduce). */
export const seeds = {
  acme: new Uint8Array(createHash('sha256').update('test seed acme').digest()),
  beta: new Uint8Array(createHash('sha256').update('test seed beta').digest()),
  rogue: new Uint8Array(createHash('sha256').update('test seed rogue').digest()),
};
export const pub = (seed: Uint8Array) => Buffer.from(ed.getPublicKey(seed)).toString('base64');

export const tenantYaml = (name: string, id: number, vlan: number, prefixes: string[], extra = '') => `apiVersion: flowops.dev/v1
kind: Tenant
metadata:
  name: ${name}
spec:
  id: ${id}
  publicKey: ${pub(seeds[name as keyof typeof seeds] ?? seeds.rogue)}
  vlan: ${vlan}
  prefixes: [${prefixes.map((p) => JSON.stringify(p)).join(', ')}]
${extra}`;

export const serviceYaml = (tenant: string, name: string, addresses: string[], roles: string[] = []) => `apiVersion: flowops.dev/v1
kind: Service
metadata:
  name: ${name}
  tenant: ${tenant}
spec:
  addresses: [${addresses.map((p) => JSON.stringify(p)).join(', ')}]
${roles.length ? `  roles: [${roles.join(', ')}]\n` : ''}`;

export const flowYaml = (tenant: string, name: string, body: string) => `apiVersion: flowops.dev/v1
kind: Flow
metadata:
  name: ${name}
  tenant: ${tenant}
spec:
${body}`;

export const TARGET = `apiVersion: flowops.dev/v1
kind: Target
metadata:
  name: leaf1
spec:
  address: 127.0.0.1:9559
  deviceId: 1
  tenants:
    - tenant: acme
      ports: [1, 2]
    - tenant: beta
      ports: [1, 3]
`;

export function baseRepo(): Map<string, string> {
  return new Map([
    [
      'tenants/acme.yaml',
      tenantYaml('acme', 1, 10, ['10.1.0.0/16', '2001:db8:1::/48'], `  functions:
    firewall:
      instances:
        - { name: fw1, port: 20, mac: "02:00:00:00:00:20" }
`),
    ],
    ['tenants/beta.yaml', tenantYaml('beta', 2, 20, ['10.2.0.0/16'])],
    [
      'services/acme.yaml',
      [serviceYaml('acme', 'web', ['10.1.1.0/24', '2001:db8:1:1::/64'], ['frontend']), serviceYaml('acme', 'db', ['10.1.2.10'])].join('---\n'),
    ],
    ['services/beta.yaml', serviceYaml('beta', 'api', ['10.2.1.0/24'])],
    [
      'flows/acme.yaml',
      flowYaml('acme', 'web-to-db', `  from: { service: web }
  to: { service: db }
  protocol: tcp
  ports: [5432]
  action: allow
`),
    ],
    ['targets/leaf1.yaml', TARGET],
  ]);
}

/** `line:col` (1-based) of the `nth` occurrence of `needle` in `text`; throws when absent so a test cannot point nowhere. */
export function at(text: string, needle: string, nth = 0): string {
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`fixture: "${needle}" (#${nth}) not in text`);
  }
  const before = text.slice(0, idx).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

/** `line:col` of `needle` inside the first occurrence of `context` (for needles that also occur elsewhere). */
export function atIn(text: string, context: string, needle: string): string {
  const start = text.indexOf(context);
  if (start < 0) throw new Error(`fixture: "${context}" not in text`);
  const within = context.indexOf(needle);
  if (within < 0) throw new Error(`fixture: "${needle}" not in "${context}"`);
  const before = text.slice(0, start + within).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

/** Errors of a repo as `file:line:col field: message` lines. */
export function errorLines(files: Map<string, string | Uint8Array>, opts: LoadOptions = {}): string[] {
  return loadSpecs(files, { now: new Date('2026-01-01T00:00:00Z'), ...opts }).errors.map((e) => e.toString());
}

/** Signs every given flow file of `files` in place with `seed`. */
export function sign(files: Map<string, string | Uint8Array>, seed: Uint8Array, ...paths: string[]): void {
  for (const p of paths) {
    const v = files.get(p)!;
    files.set(p + '.sig', signFile(seed, p, typeof v === 'string' ? Buffer.from(v) : v));
  }
}
