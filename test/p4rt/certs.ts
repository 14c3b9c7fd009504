// Test certificates made at test time with the openssl CLI in a temp dir: a
// CA, a server certificate for 127.0.0.1/localhost, a client certificate, a
// second (wrong) CA with its own server certificate, and an expired server
// certificate. Nothing is checked in; `cleanup` removes the directory.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  wrongCaCert: string;
  /** Signed by the wrong CA: a client trusting `caCert` must refuse it. */
  wrongServerCert: string;
  wrongServerKey: string;
  /** Signed by the right CA but expired yesterday. */
  expiredServerCert: string;
  expiredServerKey: string;
  /** A client certificate signed by the wrong CA (an mTLS server must refuse it). */
  strangerClientCert: string;
  strangerClientKey: string;
  cleanup(): void;
}

export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-certs-'));
  const f = (name: string) => path.join(dir, name);
  let serial = 1000;
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ca = (name: string, cn: string) =>
    ssl('req', '-x509', ...newKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, caName: string, cn: string, ext: string, days: number) => {
    fs.writeFileSync(f(`${name}.ext`), ext);
    ssl('req', ...newKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`),
      '-set_serial', String(serial++), '-days', String(days), '-out', f(`${name}.pem`), '-extfile', f(`${name}.ext`));
  };
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  const clientExt = 'extendedKeyUsage=clientAuth\n';
  ca('ca', 'flowops test CA');
  ca('wrong-ca', 'some other CA');
  leaf('server', 'ca', 'localhost', serverExt, 2);
  leaf('client', 'ca', 'flowops-controller', clientExt, 2);
  leaf('wrong-server', 'wrong-ca', 'localhost', serverExt, 2);
  leaf('stranger', 'wrong-ca', 'stranger', clientExt, 2);
  // -days -1: notAfter is a day before notBefore, so the certificate is already expired.
  leaf('expired', 'ca', 'localhost', serverExt, -1);
  return {
    dir,
    caCert: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    wrongCaCert: f('wrong-ca.pem'),
    wrongServerCert: f('wrong-server.pem'),
    wrongServerKey: f('wrong-server.key'),
    expiredServerCert: f('expired.pem'),
    expiredServerKey: f('expired.key'),
    strangerClientCert: f('stranger.pem'),
    strangerClientKey: f('stranger.key'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
