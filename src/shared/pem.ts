// TLS files, read and checked once for both ends of a P4Runtime channel (the
// reconciler's client credentials, the bundled target's server credentials):
// a wrong path or a file that is not PEM is an error naming the file, not a
// handshake failure minutes later.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { ConfigError } from './errors.ts';

/** A TLS setting that cannot work: TLS_OPTIONS, TLS_FILE_UNREADABLE, TLS_BAD_PEM, TLS_KEY_MISMATCH. */
export class TlsConfigError extends ConfigError {}

export function readTlsFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file does not exist' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new TlsConfigError('TLS_FILE_UNREADABLE', `${what} ${file}: ${why}`, { file, what });
  }
}

/** A PEM certificate (or CA bundle) file's bytes, proven to parse. */
export function readCertPem(file: string, what: string): Buffer {
  const pem = readTlsFile(file, what);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TlsConfigError('TLS_BAD_PEM', `${what} ${file}: not a PEM certificate (no "BEGIN CERTIFICATE" block)`, { file, what });
  }
  try {
    new crypto.X509Certificate(pem);
  } catch (err) {
    throw new TlsConfigError('TLS_BAD_PEM', `${what} ${file}: the PEM certificate does not parse (${(err as Error).message})`, { file, what });
  }
  return pem;
}

/** A PEM private key file's bytes and key. */
export function readKeyPem(file: string, what: string): { pem: Buffer; key: crypto.KeyObject } {
  const pem = readTlsFile(file, what);
  try {
    return { pem, key: crypto.createPrivateKey(pem) };
  } catch (err) {
    throw new TlsConfigError('TLS_BAD_PEM', `${what} ${file}: not a PEM private key (${(err as Error).message})`, { file, what });
  }
}

/** A certificate and the private key that belongs to it (TLS_KEY_MISMATCH otherwise). */
export function readCertAndKey(certFile: string, keyFile: string, who: string): { cert: Buffer; key: Buffer } {
  const cert = readCertPem(certFile, `${who} certificate`);
  const k = readKeyPem(keyFile, `${who} key`);
  if (!new crypto.X509Certificate(cert).checkPrivateKey(k.key)) {
    throw new TlsConfigError('TLS_KEY_MISMATCH', `${who} key ${keyFile} does not belong to certificate ${certFile}`, { certFile, keyFile });
  }
  return { cert, key: k.pem };
}
