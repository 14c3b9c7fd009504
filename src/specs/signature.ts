// Detached ed25519 signatures over flow files. A tenant's flows are the
// tenant's own policy: each flow file is signed with the tenant's key (the
// public half sits in its Tenant document) so that a reviewer of the platform
// repo cannot slip a flow into a tenant without the tenant's key. The signed
// message names the file's repo-relative path, so a signature cannot be
// replayed onto another file.
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { SpecError, type SourcePos } from '../shared/errors.ts';
import { Codes } from './codes.ts';
import type { SpecFiles } from './load.ts';
import type { Contract, Flow } from './schema.ts';
import { contractOf } from './contracts.ts';
import type { Located, SpecSet } from './spec-set.ts';

// noble's synchronous API needs a sha512; the async one would force every caller async for no gain.
ed.hashes.sha512 = sha512;

export const SIG_DOMAIN = 'flowops/spec-sig/v1\0';
export const SIG_SUFFIX = '.sig';

/** `"flowops/spec-sig/v1\0" + path + "\0" + bytes`: what a `.sig` file signs. */
export function signatureMessage(path: string, bytes: Uint8Array): Uint8Array {
  const head = Buffer.from(`${SIG_DOMAIN}${path}\0`, 'utf8');
  return Buffer.concat([head, bytes]);
}

export function generateSeed(): Uint8Array {
  return ed.utils.randomSecretKey();
}

export function publicKeyOf(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed);
}

/** The base64 text of `<path>.sig` for the file `path` with content `bytes`. */
export function signFile(seed: Uint8Array, path: string, bytes: Uint8Array): string {
  return Buffer.from(ed.sign(signatureMessage(path, bytes), seed)).toString('base64') + '\n';
}

/**
 * Verifies with node:crypto (OpenSSL, RFC 8032 strict): a repo of 10^5 flows
 * has hundreds of 100 kB flow files, and hashing them in JS took a second.
 * Strict verification accepts every signature `signFile` makes and refuses
 * some non-canonical ones a ZIP-215 verifier would take: never less safe.
 */
export function verifyFile(publicKey: Uint8Array, path: string, bytes: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nodeVerify(null, signatureMessage(path, bytes), keyObject(publicKey), signature);
  } catch {
    return false;
  }
}

const keyObjects = new Map<string, KeyObject>();

function keyObject(publicKey: Uint8Array): KeyObject {
  const x = Buffer.from(publicKey).toString('base64url');
  let k = keyObjects.get(x);
  if (!k) {
    if (publicKey.length !== 32) throw new Error('ed25519 public keys are 32 bytes');
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    if (keyObjects.size > 10_000) keyObjects.clear();
    keyObjects.set(x, k);
  }
  return k;
}

/** Decodes a `.sig` file's base64 text; undefined when it is not 64 bytes of base64. */
export function parseSignature(text: string | Uint8Array): Uint8Array | undefined {
  const s = (typeof text === 'string' ? text : Buffer.from(text).toString('utf8')).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.length === 64 ? new Uint8Array(bytes) : undefined;
}

/** A document a tenant signs: its Flows and its Contracts. */
export type SignedDoc = Located<Flow> | Located<Contract>;

/**
 * Signed files (flow and contract files) and the documents each holds, in
 * path order. Flows generated from contracts are left out: their contract is.
 */
export function flowFiles(specs: Pick<SpecSet, 'flows' | 'contracts'>): Map<string, SignedDoc[]> {
  // Grouped by file first, then each file's few documents sorted by line: the
  // same lists as sorting all 10^5 documents by line, in a fraction of the time.
  const out = new Map<string, SignedDoc[]>();
  const add = (f: SignedDoc) => {
    const list = out.get(f.source.file);
    if (list) list.push(f);
    else out.set(f.source.file, [f]);
  };
  for (const f of specs.flows) if (!contractOf(f)) add(f);
  for (const c of specs.contracts ?? []) add(c);
  for (const list of out.values()) list.sort((a, b) => a.source.line - b.source.line);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const toBytes = (v: string | Uint8Array) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/**
 * Every signature problem of the repo's flow files: unsigned, not verifying,
 * signed with another tenant's key, or holding flows of several tenants
 * (which no single tenant key may sign).
 */
export function checkSignatures(specs: Pick<SpecSet, 'tenants' | 'flows' | 'contracts'>, files: SpecFiles): SpecError[] {
  const errors: SpecError[] = [];
  const keys = new Map(specs.tenants.map((t) => [t.metadata.name, new Uint8Array(Buffer.from(t.spec.publicKey, 'base64'))]));
  for (const [file, flows] of flowFiles(specs)) {
    const top: SourcePos = { file, line: 1, col: 1 };
    const owners = [...new Set(flows.map((f) => f.metadata.tenant))];
    if (owners.length > 1) {
      const intruder = flows.find((f) => f.metadata.tenant !== owners[0])!;
      errors.push(
        new SpecError(Codes.sigMixedTenants, intruder.source.at('metadata.tenant'), 'metadata.tenant', `file holds flows of tenants ${owners.join(', ')}; a signed flow file holds one tenant's flows`, { tenants: owners }),
      );
      continue;
    }
    const tenant = owners[0]!;
    const key = keys.get(tenant);
    // An unknown tenant is already an error of loadSpecs; one defect, one error.
    if (!key) continue;
    const sigText = files.get(file + SIG_SUFFIX);
    if (sigText === undefined) {
      errors.push(new SpecError(Codes.sigMissing, top, '', `unsigned: ${file}${SIG_SUFFIX} is missing (sign with \`flowops sign --key ${tenant}.key ${file}\`)`, { tenant }));
      continue;
    }
    const sig = parseSignature(sigText);
    const bytes = toBytes(files.get(file)!);
    if (!sig) {
      errors.push(new SpecError(Codes.sigBad, { file: file + SIG_SUFFIX, line: 1, col: 1 }, '', 'not a base64 ed25519 signature (64 bytes)', { tenant }));
      continue;
    }
    if (verifyFile(key, file, bytes, sig)) continue;
    const signer = [...keys].find(([name, k]) => name !== tenant && verifyFile(k, file, bytes, sig));
    if (signer) {
      errors.push(new SpecError(Codes.sigOtherTenant, top, '', `signed with the key of tenant ${signer[0]}, not of tenant ${tenant} whose flows it holds`, { tenant, signer: signer[0] }));
    } else {
      errors.push(new SpecError(Codes.sigBad, top, '', `signature does not verify with the key of tenant ${tenant} (file changed after signing, or signed with an unknown key)`, { tenant }));
    }
  }
  return errors;
}
