// Flow-file signatures: good, unsigned, tampered, signed with another
// tenant's key, replayed onto another path, two tenants in one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { loadSpecs } from '../../src/specs/load.ts';
import { checkSignatures, signatureMessage, SIG_DOMAIN } from '../../src/specs/signature.ts';
import { Codes } from '../../src/specs/codes.ts';
import { at, baseRepo, flowYaml, pub, seeds, sign } from './fixtures.ts';

const betaFlow = flowYaml('beta', 'api-ping', '  from: { service: api }\n  to: { service: api }\n  protocol: icmp\n  action: allow\n');

function repo(): Map<string, string | Uint8Array> {
  const files: Map<string, string | Uint8Array> = baseRepo();
  files.set('flows/beta.yaml', betaFlow);
  return files;
}

const problems = (files: Map<string, string | Uint8Array>) => {
  const { specs, errors } = loadSpecs(files);
  assert.deepEqual(errors.map(String), []);
  return checkSignatures(specs, files).map((e) => `${e.code} ${e.toString()}`);
};

test('the signed message is domain || path || NUL || bytes, and verifies as standard Ed25519 (node:crypto)', () => {
  assert.equal(SIG_DOMAIN, 'flowops/spec-sig/v1\0');
  const msg = signatureMessage('flows/a.yaml', Buffer.from('x: 1\n'));
  assert.deepEqual(Buffer.from(msg), Buffer.from('flowops/spec-sig/v1\0flows/a.yaml\0x: 1\n'));
  const files = repo();
  sign(files, seeds.acme, 'flows/acme.yaml');
  const sig = Buffer.from(String(files.get('flows/acme.yaml.sig')).trim(), 'base64');
  const signed = signatureMessage('flows/acme.yaml', Buffer.from(String(files.get('flows/acme.yaml'))));
  // An implementation independent of noble: node's own Ed25519 over the SPKI-wrapped public key.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pub(seeds.acme), 'base64')]);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  assert.equal(verify(null, signed, key, sig), true);
  assert.equal(verify(null, Buffer.concat([signed, Buffer.from(' ')]), key, sig), false);
});

test('good signatures pass; unsigned and tampered files fail', () => {
  const files = repo();
  sign(files, seeds.acme, 'flows/acme.yaml');
  sign(files, seeds.beta, 'flows/beta.yaml');
  assert.deepEqual(problems(files), []);

  files.delete('flows/beta.yaml.sig');
  files.set('flows/acme.yaml', String(files.get('flows/acme.yaml')).replace('5432', '5433'));
  assert.deepEqual(problems(files), [
    `${Codes.sigBad} flows/acme.yaml:1:1 signature does not verify with the key of tenant acme (file changed after signing, or signed with an unknown key)`,
    `${Codes.sigMissing} flows/beta.yaml:1:1 unsigned: flows/beta.yaml.sig is missing (sign with \`flowops sign --key beta.key flows/beta.yaml\`)`,
  ]);
});

test("a signature by another tenant's key names that tenant; a garbled .sig is bad", () => {
  const files = repo();
  sign(files, seeds.beta, 'flows/acme.yaml');
  files.set('flows/beta.yaml.sig', 'bm90IGEgc2lnbmF0dXJl\n');
  assert.deepEqual(problems(files), [
    `${Codes.sigOtherTenant} flows/acme.yaml:1:1 signed with the key of tenant beta, not of tenant acme whose flows it holds`,
    `${Codes.sigBad} flows/beta.yaml.sig:1:1 not a base64 ed25519 signature (64 bytes)`,
  ]);
});

test('a signature copied onto another path does not verify (the path is signed)', () => {
  const files = repo();
  sign(files, seeds.acme, 'flows/acme.yaml');
  files.set('flows/copy.yaml', files.get('flows/acme.yaml')!.toString().replace('web-to-db', 'web-to-db-2').replace('5432', '5433'));
  files.set('flows/copy.yaml.sig', files.get('flows/acme.yaml.sig')!);
  sign(files, seeds.beta, 'flows/beta.yaml');
  assert.deepEqual(problems(files).map((p) => p.split(' ').slice(0, 2).join(' ')), [`${Codes.sigBad} flows/copy.yaml:1:1`]);
});

test('flows of two tenants in one file are refused even when signed', () => {
  const files = repo();
  const mixed = `${files.get('flows/acme.yaml')}---\n${betaFlow}`;
  files.set('flows/acme.yaml', mixed);
  files.delete('flows/beta.yaml');
  sign(files, seeds.acme, 'flows/acme.yaml');
  assert.deepEqual(problems(files), [
    `${Codes.sigMixedTenants} flows/acme.yaml:${at(mixed, 'beta')} metadata.tenant: file holds flows of tenants acme, beta; a signed flow file holds one tenant's flows`,
  ]);
});

test('a flow file of an unknown tenant gets no signature error (loadSpecs already reports the tenant)', () => {
  const files = repo();
  const orphan = flowYaml('nobody', 'x', '  from: { service: a }\n  to: { service: b }\n  protocol: icmp\n  action: allow\n');
  files.set('flows/orphan.yaml', orphan);
  sign(files, seeds.acme, 'flows/acme.yaml');
  sign(files, seeds.beta, 'flows/beta.yaml');
  const { specs, errors } = loadSpecs(files);
  assert.deepEqual(errors.map((e) => e.code), [Codes.unknownTenant]);
  assert.deepEqual(checkSignatures(specs, files), []);
});
