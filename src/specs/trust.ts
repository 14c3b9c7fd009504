// The trust model (docs/trust.md), as pure functions over a spec tree's files.
//
// Roots sit outside the repository: the operator's public keys, pinned in the
// reconciler config (or given to validate/plan). Every counted file belongs to
// exactly one signer and is listed, with its SHA-256, in that signer's
// manifest — `manifests/operator.manifest` (signed by an operator key) or
// `manifests/tenants/<tenant>.manifest` (signed by the key in the tenant's
// operator-signed Tenant document). Who may sign a document is a table keyed by
// kind (OWNER_OF_KIND). Each manifest carries a serial that only grows: a
// restored old file is either not in the current manifest, or comes with an
// old manifest whose serial is below what was already seen (TUF's snapshot
// role, folded into each signer's own manifest).
import { createHash } from 'node:crypto';
import { SpecError, type SourcePos } from '../shared/errors.ts';
import { Codes } from './codes.ts';
import { isSpecFile, type SpecFiles } from './load.ts';
import { signFile, verifyFile, parseSignature, publicKeyOf, SIG_SUFFIX } from './signature.ts';
import type { SpecSet } from './spec-set.ts';
import type { Kind } from './schema.ts';

/** Who signs a document of each kind. Adding a kind is one line here. */
export const OWNER_OF_KIND: Readonly<Record<Kind, 'operator' | 'tenant'>> = {
  Tenant: 'operator',
  Target: 'operator',
  Service: 'tenant',
  Flow: 'tenant',
  Contract: 'tenant',
};

export const MANIFEST_DIR = 'manifests';
export const OPERATOR = 'operator';
const HEADER = 'flowops-manifest v1';
const DOMAIN = 'flowops/manifest/v1\0';

/** `operator`, or `tenant/<name>`. */
export type Signer = string;
export const tenantSigner = (tenant: string): Signer => `tenant/${tenant}`;

export function manifestPath(signer: Signer): string {
  return signer === OPERATOR ? `${MANIFEST_DIR}/${OPERATOR}.manifest` : `${MANIFEST_DIR}/tenants/${signer.slice('tenant/'.length)}.manifest`;
}

export function isTrustFile(path: string): boolean {
  return path.startsWith(`${MANIFEST_DIR}/`) || path.endsWith(SIG_SUFFIX);
}

export function digestOf(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface Manifest {
  signer: Signer;
  serial: number;
  /** Root-relative path → sha256 hex, sorted by path. */
  files: Map<string, string>;
  /** Line of each path in the manifest file. */
  lines: Map<string, number>;
  /** SHA-256 of the manifest's signed part: equal serials must have equal digests. */
  digest: string;
  signatures: { publicKey: Uint8Array; signature: Uint8Array }[];
  /** The signed text (header to last file line). */
  body: string;
}

/** The text of a manifest for `files` (path → bytes), signed with `seeds`. */
export function writeManifest(signer: Signer, serial: number, files: ReadonlyMap<string, string | Uint8Array>, seeds: Uint8Array[]): string {
  const lines = [HEADER, `signer ${signer}`, `serial ${serial}`];
  for (const p of [...files.keys()].sort()) lines.push(`file ${digestOf(files.get(p)!)} ${p}`);
  const body = lines.join('\n') + '\n';
  const sigs = seeds.map((s) => `signature ${Buffer.from(publicKeyOf(s)).toString('base64')} ${signFile(s, manifestPath(signer) + '\0' + DOMAIN, Buffer.from(body)).trim()}`);
  return body + sigs.join('\n') + '\n';
}

function verifies(m: Manifest, key: Uint8Array): boolean {
  const k = Buffer.from(key);
  return m.signatures.some((s) => Buffer.from(s.publicKey).equals(k) && verifyFile(key, manifestPath(m.signer) + '\0' + DOMAIN, Buffer.from(m.body), s.signature));
}

/** Parses one manifest; a defect is a SpecError at its line. */
export function parseManifest(path: string, text: string): Manifest | SpecError {
  const at = (line: number): SourcePos => ({ file: path, line, col: 1 });
  const bad = (line: number, msg: string) => new SpecError(Codes.manifestBad, at(line), '', msg);
  const rows = text.split('\n');
  if (rows[0] !== HEADER) return bad(1, `not a manifest: the first line must be "${HEADER}"`);
  const signer = /^signer (operator|tenant\/[a-z0-9][a-z0-9-]*)$/.exec(rows[1] ?? '')?.[1];
  if (!signer) return bad(2, 'expected "signer operator" or "signer tenant/<name>"');
  if (manifestPath(signer) !== path) return bad(2, `signer ${signer} belongs in ${manifestPath(signer)}`);
  const serial = /^serial (\d{1,15})$/.exec(rows[2] ?? '')?.[1];
  if (serial === undefined) return bad(3, 'expected "serial <number>"');
  const m: Manifest = { signer, serial: Number(serial), files: new Map(), lines: new Map(), digest: '', signatures: [], body: '' };
  let i = 3;
  for (; i < rows.length && rows[i]!.startsWith('file '); i++) {
    const f = /^file ([0-9a-f]{64}) (\S.*)$/.exec(rows[i]!);
    if (!f) return bad(i + 1, 'expected "file <sha256 hex> <path>"');
    if (m.files.has(f[2]!)) return bad(i + 1, `${f[2]} is listed twice`);
    m.files.set(f[2]!, f[1]!);
    m.lines.set(f[2]!, i + 1);
  }
  m.body = rows.slice(0, i).join('\n') + '\n';
  m.digest = digestOf(m.body);
  for (; i < rows.length; i++) {
    if (rows[i] === '') continue;
    const s = /^signature (\S+) (\S+)$/.exec(rows[i]!);
    const key = s && Buffer.from(s[1]!, 'base64');
    const sig = s && parseSignature(s[2]!);
    if (!s || !sig || key!.length !== 32) return bad(i + 1, 'expected "signature <base64 public key> <base64 signature>"');
    m.signatures.push({ publicKey: new Uint8Array(key!), signature: sig });
  }
  return m;
}

/** What a verified tree's manifests say: per signer, its serial and digest (the reconciler stores these). */
export type SerialRecord = Record<Signer, { serial: number; digest: string }>;

export interface TrustRoots {
  /** Pinned operator public keys (32 bytes each); any one may sign the operator manifest. */
  operatorKeys: Uint8Array[];
  /**
   * What was seen before (the reconciler's stored serials, or a PR's base):
   * a signer's serial may not go down, and an unchanged serial must mean an unchanged manifest.
   */
  previous?: SerialRecord;
}

export interface TrustResult {
  errors: SpecError[];
  manifests: SerialRecord;
}

/**
 * Checks every counted file of a tree against the signers' manifests:
 * signatures, ownership by kind, digests, completeness and serials.
 * `specs` are the loaded documents of `files` (for kinds and tenant keys).
 */
export function checkTrust(specs: Pick<SpecSet, 'tenants' | 'services' | 'flows' | 'targets'>, files: SpecFiles, roots: TrustRoots): TrustResult {
  const errors: SpecError[] = [];
  const manifests: SerialRecord = {};
  const top = (file: string, line = 1): SourcePos => ({ file, line, col: 1 });
  const err = (code: string, pos: SourcePos, msg: string, data: Record<string, unknown> = {}) => errors.push(new SpecError(code, pos, '', msg, data));

  // Who may sign each manifest: the pinned operator keys, or the tenant's key in an operator-signed Tenant.
  const parsed = new Map<Signer, Manifest>();
  for (const [path, bytes] of files) {
    if (!path.startsWith(`${MANIFEST_DIR}/`) || path.endsWith(SIG_SUFFIX)) continue;
    const m = parseManifest(path, Buffer.from(bytes).toString('utf8'));
    if (m instanceof SpecError) errors.push(m);
    else parsed.set(m.signer, m);
  }
  const operator = parsed.get(OPERATOR);
  if (!operator) {
    err(Codes.manifestMissing, top(manifestPath(OPERATOR)), `no operator manifest: ${manifestPath(OPERATOR)} must list and sign the Tenant and Target files (\`flowops sign --operator --key OPERATOR.key\`)`);
    return { errors, manifests };
  }
  if (!roots.operatorKeys.some((k) => verifies(operator, k))) {
    err(Codes.manifestSignature, top(operator.lines.size ? manifestPath(OPERATOR) : manifestPath(OPERATOR)), `${manifestPath(OPERATOR)} is not signed by a pinned operator key: nothing in this tree is trusted`);
    return { errors, manifests };
  }
  const trusted = new Map<Signer, Manifest>([[OPERATOR, operator]]);
  const operatorFiles = new Set(operator.files.keys());
  const tenantKeys = new Map<string, Uint8Array>();
  for (const t of specs.tenants) {
    // A Tenant's key counts only from a file the operator signed, with the bytes it signed.
    const bytes = files.get(t.source.file);
    if (operatorFiles.has(t.source.file) && bytes !== undefined && digestOf(bytes) === operator.files.get(t.source.file)) tenantKeys.set(t.metadata.name, new Uint8Array(Buffer.from(t.spec.publicKey, 'base64')));
  }
  for (const [signer, m] of parsed) {
    if (signer === OPERATOR) continue;
    const tenant = signer.slice('tenant/'.length);
    const key = tenantKeys.get(tenant);
    const path = manifestPath(signer);
    if (!key) err(Codes.manifestSigner, top(path), `manifest of tenant ${tenant}, but no operator-signed Tenant ${tenant} holds its key`);
    else if (!verifies(m, key)) err(Codes.manifestSignature, top(path), `${path} is not signed by the key of tenant ${tenant} (the publicKey of its operator-signed Tenant document)`, { tenant });
    else trusted.set(signer, m);
  }

  // Every counted file: listed by exactly one trusted signer, with its current digest.
  const listedBy = new Map<string, Signer>();
  for (const [signer, m] of trusted) {
    for (const [path, digest] of m.files) {
      const other = listedBy.get(path);
      if (other) {
        err(Codes.manifestOwner, top(manifestPath(signer), m.lines.get(path)), `${path} is also listed by ${other}; each file has one signer`);
        continue;
      }
      listedBy.set(path, signer);
      const bytes = files.get(path);
      if (bytes === undefined) err(Codes.manifestMissingFile, top(manifestPath(signer), m.lines.get(path)), `${path} is listed in the manifest of ${signer} but is not in the tree (re-sign after deleting it)`, { signer });
      else if (digestOf(bytes) !== digest) err(Codes.manifestDigest, top(path), `${path} does not match its digest in ${manifestPath(signer)} (serial ${m.serial}): changed after signing, or an old copy restored`, { signer });
    }
  }
  for (const path of files.keys()) {
    if (isTrustFile(path) || listedBy.has(path)) continue;
    err(Codes.manifestUnlisted, top(path), `${path} is not listed in any signed manifest (unsigned; a file deleted by its signer cannot be restored)`, {});
  }

  // Ownership by kind: a document counts only when its file's signer owns it.
  const docs = [...specs.tenants, ...specs.targets, ...specs.services, ...specs.flows];
  for (const d of docs) {
    const signer = listedBy.get(d.source.file);
    if (!signer) continue;
    const owner = OWNER_OF_KIND[d.kind];
    const want = owner === 'operator' ? OPERATOR : tenantSigner((d.metadata as { tenant: string }).tenant);
    if (signer !== want) {
      err(Codes.manifestOwner, d.source.at('kind'), `a ${d.kind} ${owner === 'operator' ? 'is signed by the operator' : `of tenant ${(d.metadata as { tenant: string }).tenant} is signed by that tenant`}, but ${d.source.file} is listed by ${signer}`, { signer, want });
    }
  }
  for (const path of listedBy.keys()) {
    if (!isSpecFile(path) && listedBy.get(path) !== OPERATOR) err(Codes.manifestOwner, top(path), `${path} is not a spec file: only the operator signs other files (pipelines)`);
  }

  // Serials: never down; the same serial only for the same manifest.
  for (const [signer, m] of trusted) {
    manifests[signer] = { serial: m.serial, digest: m.digest };
    const before = roots.previous?.[signer];
    if (!before) continue;
    const path = manifestPath(signer);
    if (m.serial < before.serial) {
      err(Codes.manifestRollback, top(path, 3), `serial ${m.serial} of ${signer} is below ${before.serial}, already seen: an old manifest (rollback) is refused`, { signer, serial: m.serial, seen: before.serial });
    } else if (m.serial === before.serial && m.digest !== before.digest) {
      err(Codes.manifestRollback, top(path, 3), `${signer} changed its files but kept serial ${m.serial}: re-sign with a higher serial`, { signer, serial: m.serial });
    }
  }
  return { errors, manifests };
}

/** The counted files a signer owns in a tree, by the ownership table (what `flowops sign` lists). */
export function filesOfSigner(specs: Pick<SpecSet, 'tenants' | 'services' | 'flows' | 'targets'>, files: SpecFiles, signer: Signer): Map<string, string | Uint8Array> {
  const owners = new Map<string, Set<Signer>>();
  for (const d of [...specs.tenants, ...specs.targets, ...specs.services, ...specs.flows]) {
    const s = OWNER_OF_KIND[d.kind] === 'operator' ? OPERATOR : tenantSigner((d.metadata as { tenant: string }).tenant);
    (owners.get(d.source.file) ?? owners.set(d.source.file, new Set()).get(d.source.file)!).add(s);
  }
  const out = new Map<string, string | Uint8Array>();
  for (const [path, bytes] of files) {
    if (isTrustFile(path)) continue;
    const o = owners.get(path);
    // Files without documents (pipelines, empty YAML) are the operator's.
    if (o ? o.has(signer) : signer === OPERATOR) out.set(path, bytes);
  }
  return out;
}

/** The serial a manifest in `files` has now (0 when none). */
export function currentSerial(files: SpecFiles, signer: Signer): number {
  const text = files.get(manifestPath(signer));
  if (text === undefined) return 0;
  const m = parseManifest(manifestPath(signer), Buffer.from(text).toString('utf8'));
  return m instanceof SpecError ? 0 : m.serial;
}

/**
 * Operator public keys from text: base64 ed25519 public keys (32 bytes), one
 * per line or comma-separated; `#` starts a comment. Throws naming the bad one.
 */
export function parseOperatorKeys(text: string, from: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const raw of text.split('\n').map((l) => l.replace(/#.*/, '')).join(',').split(',')) {
    const s = raw.trim();
    if (!s) continue;
    const b = Buffer.from(s, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || b.length !== 32) throw new SpecError(Codes.manifestBad, { file: from, line: 1, col: 1 }, '', `"${s.slice(0, 20)}" is not a base64 ed25519 public key (32 bytes)`);
    out.push(new Uint8Array(b));
  }
  return out;
}
