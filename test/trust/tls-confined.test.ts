// A Target's tls.ca/cert/key come from the spec repository, so a PR author
// chooses them: they must not name files elsewhere on the reconciler host,
// and the error must not tell whether such a file exists.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { credentialsForTarget, TlsConfigError } from '../../src/p4rt/credentials.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { baseRepo, TARGET } from '../specs/fixtures.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-tlsdir-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = path.join(tmp, 'tls');
fs.mkdirSync(dir);
fs.writeFileSync(path.join(tmp, 'secret.pem'), '-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n');
fs.symlinkSync(path.join(tmp, 'secret.pem'), path.join(dir, 'link.pem'));

function refusal(ca: string): TlsConfigError {
  try {
    credentialsForTarget({ tls: { ca } }, dir);
  } catch (e) {
    assert.ok(e instanceof TlsConfigError, String(e));
    return e;
  }
  assert.fail(`tls.ca ${ca} was accepted`);
}

test('tls paths leading out of the TLS directory are refused, existing or not, with the same error', () => {
  const exists = refusal('../secret.pem');
  const missing = refusal('../no-such-file.pem');
  assert.equal(exists.code, 'TLS_PATH_OUTSIDE');
  assert.equal(missing.code, 'TLS_PATH_OUTSIDE');
  // Same words apart from the path the author wrote: nothing says whether it exists.
  assert.equal(exists.message.replace('secret', 'X'), missing.message.replace('no-such-file', 'X'));
  assert.doesNotMatch(exists.message, /exist|permission|not a PEM|does not parse/i);
  assert.equal(refusal(path.join(tmp, 'secret.pem')).code, 'TLS_PATH_OUTSIDE');
  assert.equal(refusal('/etc/passwd').code, 'TLS_PATH_OUTSIDE');
  assert.equal(refusal('a/../../secret.pem').code, 'TLS_PATH_OUTSIDE');
  // A symlink inside that leads out is outside too.
  assert.equal(refusal('link.pem').code, 'TLS_PATH_OUTSIDE');
  // Inside and missing: an ordinary "does not exist" naming the file.
  assert.throws(() => credentialsForTarget({ tls: { ca: 'ca.pem' } }, dir), (e: unknown) => e instanceof TlsConfigError && e.code === 'TLS_FILE_UNREADABLE');
});

test('validate refuses a Target whose tls path escapes, at file:line of the field', () => {
  const files = baseRepo();
  files.set('targets/leaf1.yaml', TARGET + '  tls:\n    ca: ../../etc/shadow\n    key: /etc/ssl/private/k.pem\n    cert: ok/cert.pem\n');
  const { errors } = loadSpecs(files, { now: new Date('2026-01-01T00:00:00Z') });
  const lines = errors.map(String);
  assert.deepEqual(
    lines.filter((l) => l.includes('tls')),
    [
      'targets/leaf1.yaml:14:9 spec.tls.ca: must be a relative path inside the TLS directory (no leading /, no ..)',
      'targets/leaf1.yaml:15:10 spec.tls.key: must be a relative path inside the TLS directory (no leading /, no ..)',
    ],
  );
});
