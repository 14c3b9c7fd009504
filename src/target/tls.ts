// TLS for the bundled target: server certificate and key, and with a client
// CA, mutual TLS (a client without a certificate signed by that CA is
// refused in the handshake). Files are checked up front (shared/pem.ts, the
// same reading the reconciler's client credentials use).
import grpc from '@grpc/grpc-js';
import { readCertAndKey, readCertPem } from '../shared/pem.ts';

export interface TargetTlsOptions {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates must chain to; given → client certificates are required. */
  clientCaFile?: string;
}

/** grpc-js server credentials for `flowops target --tls-cert --tls-key [--tls-client-ca]`. */
export function targetServerCredentials(opts: TargetTlsOptions): grpc.ServerCredentials {
  const { cert, key } = readCertAndKey(opts.certFile, opts.keyFile, 'TLS');
  const ca = opts.clientCaFile ? readCertPem(opts.clientCaFile, 'TLS client CA') : null;
  return grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], !!ca);
}
