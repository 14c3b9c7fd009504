// `flowops validate | keygen | sign` run in-process through main() with
// captured streams, on real directories in a temp dir.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';
import { at, baseRepo } from './fixtures.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[], cwd = tmp): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await main(argv, {
    env: {},
    cwd,
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

function writeRepo(name: string, files: Map<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [rel, text] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

test('validate --require-signatures passes on the example repo', async () => {
  const r = await run(['validate', '--require-signatures', '--now', '2026-06-01T00:00:00Z', EXAMPLE_REPO]);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  assert.match(r.out, /^valid: 3 tenants, 29 services, 63 flows, 2 targets in 19 files, all flow files signed\n$/);
});

test('validate prints every error as file:line:col field: message, sorted, exit 1; --json has the same', async () => {
  const files = baseRepo();
  const flows = files.get('flows/acme.yaml')!.replace('ports: [5432]', 'ports: [5432, 99999]').replace('to: { service: db }', 'to: { service: dbx }');
  files.set('flows/acme.yaml', flows);
  const svc = files.get('services/beta.yaml')!.replace('10.2.1.0/24', '10.3.1.0/24');
  files.set('services/beta.yaml', svc);
  writeRepo('bad', files);
  const r = await run(['validate', 'bad']);
  assert.equal(r.code, 1);
  assert.deepEqual(r.out.trimEnd().split('\n'), [
    `bad/flows/acme.yaml:${at(flows, '99999')} spec.ports[1]: port 99999 out of range 1-65535`,
    `bad/services/beta.yaml:${at(svc, '"10.3.1.0/24"')} spec.addresses[0]: 10.3.1.0/24 is outside the prefixes of tenant beta (10.2.0.0/16)`,
    '2 errors (2 tenants, 3 services, 0 flows, 1 targets in 6 files)',
  ]);
  const j = await run(['validate', '--json', path.join(tmp, 'bad')]);
  assert.equal(j.code, 1);
  const body = JSON.parse(j.out);
  assert.equal(body.valid, false);
  const [line, col] = at(flows, '99999').split(':').map(Number);
  assert.deepEqual(body.errors[0], { file: 'flows/acme.yaml', line, col, field: 'spec.ports[1]', code: 'SPEC_SCHEMA', message: 'port 99999 out of range 1-65535' });
  assert.equal(body.errors[1].code, 'SPEC_ADDRESS_OUTSIDE_TENANT');
});

test('validate: --now decides expiry; unsigned flows fail only with --require-signatures; usage errors exit 2', async () => {
  const files = baseRepo();
  files.set('flows/acme.yaml', files.get('flows/acme.yaml')! + '  expires: "2026-03-01T00:00:00Z"\n');
  const dir = writeRepo('expiring', files);
  assert.equal((await run(['validate', '--now', '2026-02-01T00:00:00Z'], dir)).code, 0);
  const expired = await run(['validate', '--now', '2026-03-01T00:00:00Z'], dir);
  assert.equal(expired.code, 1);
  assert.match(expired.out, /^flows\/acme.yaml:\d+:\d+ spec.expires: flow expired at 2026-03-01T00:00:00Z/);
  const unsigned = await run(['validate', '--require-signatures', '--now', '2026-02-01T00:00:00Z'], dir);
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.out, /^flows\/acme.yaml:1:1 unsigned: flows\/acme.yaml.sig is missing/);
  assert.equal((await run(['validate', '--now', 'yesterday'], dir)).code, 2);
  assert.equal((await run(['validate', '--bogus'], dir)).code, 2);
  const missing = await run(['validate', 'no-such-dir'], dir);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no-such-dir is not a directory/);
});

test('keygen writes PATH.key (0600) and PATH.pub, prints the public key, refuses to overwrite', async () => {
  // The directory must exist: keygen does not create places for private keys.
  const r = await run(['keygen', '--out', 'keys/acme']);
  assert.equal(r.code, 1);
  assert.match(r.err, /directory keys does not exist/);
  fs.mkdirSync(path.join(tmp, 'keys'));
  const k = await run(['keygen', '--out', 'keys/acme']);
  assert.equal(k.code, 0);
  const pubText = fs.readFileSync(path.join(tmp, 'keys/acme.pub'), 'utf8').trim();
  assert.equal(k.out.trim(), pubText);
  assert.equal(Buffer.from(pubText, 'base64').length, 32);
  assert.equal(Buffer.from(fs.readFileSync(path.join(tmp, 'keys/acme.key'), 'utf8').trim(), 'base64').length, 32);
  assert.equal(fs.statSync(path.join(tmp, 'keys/acme.key')).mode & 0o777, 0o600);
  const again = await run(['keygen', '--out', 'keys/acme']);
  assert.equal(again.code, 1);
  assert.match(again.err, /already exists/);
  assert.equal(fs.readFileSync(path.join(tmp, 'keys/acme.pub'), 'utf8').trim(), pubText);
  assert.equal((await run(['keygen'])).code, 2);
});

test("sign writes FILE.sig that validate accepts, and refuses another tenant's key", async () => {
  fs.mkdirSync(path.join(tmp, 'k2'));
  const acmePub = (await run(['keygen', '--out', 'k2/acme'])).out.trim();
  const betaPub = (await run(['keygen', '--out', 'k2/beta'])).out.trim();
  const files = baseRepo();
  const setKey = (name: string, key: string) => files.set(`tenants/${name}.yaml`, files.get(`tenants/${name}.yaml`)!.replace(/publicKey: .*/, `publicKey: ${key}`));
  setKey('acme', acmePub);
  setKey('beta', betaPub);
  const repo = writeRepo('signme', files);
  const keys = path.join(tmp, 'k2');

  const wrong = await run(['sign', '--key', path.join(keys, 'beta.key'), 'flows/acme.yaml'], repo);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /refusing to sign flows\/acme.yaml: it holds flows of tenant acme, and it is the key of tenant beta/);
  assert.equal(fs.existsSync(path.join(repo, 'flows/acme.yaml.sig')), false);

  const notFlows = await run(['sign', '--key', path.join(keys, 'acme.key'), 'services/acme.yaml'], repo);
  assert.equal(notFlows.code, 1);
  assert.match(notFlows.err, /holds no valid Flow or Contract documents/);

  const ok = await run(['sign', '--key', path.join(keys, 'acme.key'), '--repo', repo, path.join(repo, 'flows/acme.yaml')], tmp);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, 'signed flows/acme.yaml\n');
  const v = await run(['validate', '--require-signatures', repo]);
  assert.equal(v.code, 0, v.out);
  assert.equal((await run(['sign', 'flows/acme.yaml'], repo)).code, 2);
});
