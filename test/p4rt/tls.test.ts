// TLS and mutual TLS between the client and the bundled target, with
// certificates made by openssl at test time: what connects, what is refused,
// and that certificate problems come back in words that name them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { channelCredentials, credentialsForTarget, explainTlsFailure, TlsConfigError, type ChannelCredentialOptions } from '../../src/p4rt/credentials.ts';
import { makeTestCerts, type TestCerts } from './certs.ts';

let certs: TestCerts;
const targets: RunningTarget[] = [];
const clients: P4RuntimeClient[] = [];
let eid = 1n;

before(() => {
  certs = makeTestCerts();
});
after(async () => {
  for (const c of clients) await c.close();
  for (const t of targets) await t.stop();
  certs.cleanup();
});

async function target(tls: { certFile: string; keyFile: string; clientCaFile?: string }): Promise<RunningTarget> {
  const t = await startTarget({ tls });
  targets.push(t);
  return t;
}

function client(address: string, creds: ChannelCredentialOptions): P4RuntimeClient {
  const c = new P4RuntimeClient({ address, deviceId: 1n, electionId: eid++, credentials: channelCredentials(creds), rpcTimeoutMs: 5000 });
  clients.push(c);
  return c;
}

/** The failure of connect() (a refused handshake), with its words explained. */
async function connectFailure(c: P4RuntimeClient): Promise<{ raw: string; explained: ReturnType<typeof explainTlsFailure> }> {
  try {
    await c.connect();
  } catch (err) {
    return { raw: (err as Error).message, explained: explainTlsFailure(err, c.address) };
  }
  throw new Error('connect() succeeded but should have been refused');
}

test('TLS: a client trusting the CA connects, arbitrates and reads the API version', async () => {
  const t = await target({ certFile: certs.serverCert, keyFile: certs.serverKey });
  const c = client(t.address, { caFile: certs.caCert });
  assert.deepEqual(await c.connect(), { primary: true, primaryElectionId: c.electionId });
  assert.equal(await c.capabilities(), '1.4.0');
  // Plaintext against a TLS port does not get through.
  const plain = client(t.address, { insecure: true });
  await assert.rejects(plain.capabilities(), /UNAVAILABLE/);
});

test('mutual TLS: a client with a CA-signed certificate is served; without one, or with a stranger\'s, it is refused', async () => {
  const t = await target({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert });
  const ok = client(t.address, { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey });
  assert.equal((await ok.connect()).primary, true);
  assert.equal(await ok.capabilities(), '1.4.0');

  const anonymous = client(t.address, { caFile: certs.caCert });
  const noCert = await connectFailure(anonymous);
  assert.match(noCert.raw, /UNAVAILABLE.*certificate required/s);
  assert.equal(noCert.explained?.code, 'TLS_CLIENT_CERT_REFUSED');
  assert.match(noCert.explained!.message, /the switch refused our client certificate \(mutual TLS\)/);
  assert.equal(t.state.arbitration.primary('')?.electionId, ok.electionId, 'the refused client never reached arbitration');

  const stranger = client(t.address, { caFile: certs.caCert, certFile: certs.strangerClientCert, keyFile: certs.strangerClientKey });
  const bad = await connectFailure(stranger);
  // The server drops the handshake; grpc-js only says it failed to connect.
  assert.match(bad.raw, /UNAVAILABLE/);
});

test('a server certificate from another CA fails with a message about certificate verification', async () => {
  const t = await target({ certFile: certs.wrongServerCert, keyFile: certs.wrongServerKey });
  const f = await connectFailure(client(t.address, { caFile: certs.caCert }));
  assert.match(f.raw, /certificate/i, 'grpc-js names the certificate problem');
  assert.ok(f.explained, `not recognised as a TLS failure: ${f.raw}`);
  assert.equal(f.explained.code, 'TLS_CERT_VERIFY_FAILED');
  assert.match(f.explained.message, new RegExp(`TLS certificate verification of ${t.address} failed: it is not signed by a trusted CA`));
});

test('an expired server certificate fails with a message saying it expired', async () => {
  const t = await target({ certFile: certs.expiredServerCert, keyFile: certs.expiredServerKey });
  const f = await connectFailure(client(t.address, { caFile: certs.caCert }));
  assert.match(f.raw, /certificate has expired/i);
  assert.equal(f.explained?.code, 'TLS_CERT_VERIFY_FAILED');
  assert.match(f.explained!.message, /certificate verification .* failed: the certificate has expired/);
});

test('serverNameOverride checks the certificate against the given name instead of the dialled address', async () => {
  const t = await target({ certFile: certs.serverCert, keyFile: certs.serverKey });
  const good = client(t.address, { caFile: certs.caCert, serverNameOverride: 'localhost' });
  assert.equal((await good.connect()).primary, true);
  const f = await connectFailure(client(t.address, { caFile: certs.caCert, serverNameOverride: 'switch1.example.net' }));
  assert.equal(f.explained?.code, 'TLS_CERT_VERIFY_FAILED', f.raw);
  assert.match(f.explained!.message, /names do not include/);
});

test('channelCredentials refuses settings that cannot work, naming the file', () => {
  const missing = path.join(certs.dir, 'nope.pem');
  const notPem = path.join(certs.dir, 'not.pem');
  fs.writeFileSync(notPem, 'hello\n');
  const garbled = path.join(certs.dir, 'garbled.pem');
  fs.writeFileSync(garbled, '-----BEGIN CERTIFICATE-----\nnotbase64!!\n-----END CERTIFICATE-----\n');
  const cases: Array<[ChannelCredentialOptions, string, RegExp]> = [
    [{ caFile: missing }, 'TLS_FILE_UNREADABLE', new RegExp(`TLS CA ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: file does not exist`)],
    [{ caFile: notPem }, 'TLS_BAD_PEM', /not\.pem: not a PEM certificate/],
    [{ caFile: garbled }, 'TLS_BAD_PEM', /garbled\.pem: the PEM certificate does not parse/],
    [{ caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientCert }, 'TLS_BAD_PEM', /TLS client key .*client\.pem: not a PEM private key/],
    [{ caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.serverKey }, 'TLS_KEY_MISMATCH', /server\.key does not belong to certificate/],
    [{ certFile: certs.clientCert }, 'TLS_OPTIONS', /needs both certFile and keyFile/],
    [{ insecure: true, caFile: certs.caCert }, 'TLS_OPTIONS', /insecure: true cannot be combined with caFile/],
  ];
  for (const [opts, code, message] of cases) {
    assert.throws(() => channelCredentials(opts), (err: unknown) => {
      assert.ok(err instanceof TlsConfigError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    });
  }
  // Plaintext is available, but only when asked for.
  assert.equal(channelCredentials({ insecure: true })._isSecure(), false);
  assert.equal(channelCredentials({})._isSecure(), true);
});

test('credentialsForTarget reads a Target\'s tls files relative to the config directory', async () => {
  const t = await target({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert });
  const creds = credentialsForTarget({ tls: { ca: 'ca.pem', cert: 'client.pem', key: 'client.key', serverName: 'localhost' } }, certs.dir);
  const c = new P4RuntimeClient({ address: t.address, deviceId: 1n, electionId: 77n, credentials: creds });
  clients.push(c);
  assert.equal((await c.connect()).primary, true);
  assert.throws(() => credentialsForTarget({ tls: { ca: 'missing.pem' } }, certs.dir), (e: unknown) => e instanceof TlsConfigError && e.message.includes(path.join(certs.dir, 'missing.pem')));
  assert.equal(credentialsForTarget({ insecure: true }, certs.dir)._isSecure(), false);
});
