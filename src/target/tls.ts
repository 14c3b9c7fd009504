// TLS for the bundled target: server certificate and key, and with a client
// CA, mutual TLS (a client without a certificate signed by that CA is
// refused in the handshake). Files are checked up front so a wrong path or a
// file that is not PEM is an error naming the file, not a handshake failure later.
import fs from 'node:fs';
import crypto from 'node:crypto';
import grpc from '@grpc/grpc-js';
import { ConfigError } from '../shared/errors.ts';

export interface TargetTlsOptions {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates must chain to; given → client certificates are required. */
  clientCaFile?: string;
}

function readPem(file: string, what: string, check: (pem: Buffer) => void): Buffer {
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError('TLS_FILE_UNREADABLE', `${what} ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file, what });
  }
  try {
    check(pem);
  } catch (err) {
    throw new ConfigError('TLS_BAD_PEM', `${what} ${file}: not a valid PEM ${what.includes('key') ? 'private key' : 'certificate'} (${(err as Error).message})`, { file, what });
  }
  return pem;
}

/** grpc-js server credentials for `flowops target --tls-cert --tls-key [--tls-client-ca]`. */
export function targetServerCredentials(opts: TargetTlsOptions): grpc.ServerCredentials {
  const cert = readPem(opts.certFile, 'TLS certificate', (p) => new crypto.X509Certificate(p));
  const key = readPem(opts.keyFile, 'TLS key', (p) => crypto.createPrivateKey(p));
  if (!new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey(key))) {
    throw new ConfigError('TLS_KEY_MISMATCH', `TLS key ${opts.keyFile} does not belong to certificate ${opts.certFile}`, { certFile: opts.certFile, keyFile: opts.keyFile });
  }
  const ca = opts.clientCaFile ? readPem(opts.clientCaFile, 'TLS client CA', (p) => new crypto.X509Certificate(p)) : null;
  return grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], !!ca);
}
