// How flowops authenticates a switch (and itself) on the P4Runtime channel.
// TLS is the default: plaintext only when a Target says `insecure: true`, so a
// forgotten CA can never silently downgrade to an unauthenticated channel.
// Files are read and parsed up front (shared/pem.ts), so a wrong path or a
// non-PEM file is an error naming the file instead of a handshake failure.
import path from 'node:path';
import tls from 'node:tls';
import grpc from '@grpc/grpc-js';
import { FlowopsError } from '../shared/errors.ts';
import { readCertAndKey, readCertPem, TlsConfigError } from '../shared/pem.ts';

export interface ChannelCredentialOptions {
  /** Plaintext. Must be said explicitly; cannot be combined with any TLS file. */
  insecure?: boolean;
  /** PEM CA bundle the switch's certificate must chain to; default: the system's roots. */
  caFile?: string;
  /** PEM client certificate (mutual TLS); needs keyFile. */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
  /** Name to verify the switch's certificate against instead of the dialled host (e.g. when dialling an IP). */
  serverNameOverride?: string;
}

export { TlsConfigError };

/**
 * grpc-js channel credentials for one switch. Throws TlsConfigError with a
 * stable code: TLS_OPTIONS (contradictory options), TLS_FILE_UNREADABLE,
 * TLS_BAD_PEM, TLS_KEY_MISMATCH.
 */
export function channelCredentials(opts: ChannelCredentialOptions = {}): grpc.ChannelCredentials {
  const files = (['caFile', 'certFile', 'keyFile', 'serverNameOverride'] as const).filter((k) => opts[k]);
  if (opts.insecure) {
    if (files.length) throw new TlsConfigError('TLS_OPTIONS', `insecure: true cannot be combined with ${files.join(', ')}: plaintext has no certificates`, { options: files });
    return grpc.credentials.createInsecure();
  }
  if (!!opts.certFile !== !!opts.keyFile) {
    throw new TlsConfigError('TLS_OPTIONS', `a client certificate needs both certFile and keyFile (got only ${opts.certFile ? 'certFile' : 'keyFile'})`, {});
  }
  const ca = opts.caFile ? readCertPem(opts.caFile, 'TLS CA') : null;
  const pair = opts.certFile && opts.keyFile ? readCertAndKey(opts.certFile, opts.keyFile, 'TLS client') : null;
  const cert = pair?.cert ?? null;
  const key = pair?.key ?? null;
  const name = opts.serverNameOverride;
  const verify: grpc.VerifyOptions = name
    ? { checkServerIdentity: (_host, peer) => tls.checkServerIdentity(name, peer as tls.PeerCertificate) }
    : {};
  return grpc.credentials.createSsl(ca, key, cert, verify);
}

const CERT_PROBLEMS: Array<[RegExp, string]> = [
  [/certificate has expired|CERT_HAS_EXPIRED/i, 'the certificate has expired'],
  [/not yet valid|CERT_NOT_YET_VALID/i, 'the certificate is not valid yet'],
  [/self[- ]signed certificate|unable to get local issuer|unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED/i, 'it is not signed by a trusted CA'],
  [/Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID|altnames/i, "its names do not include the switch's address"],
  [/certificate required|alert number 116|bad certificate|alert number 42|unknown ca|alert number 48|handshake failure/i, 'the switch refused our client certificate (mutual TLS)'],
];

/**
 * If `err` (a grpc-js error or a P4RuntimeError wrapping one) failed in the
 * TLS handshake, a FlowopsError saying so in words (code
 * TLS_CERT_VERIFY_FAILED or TLS_CLIENT_CERT_REFUSED); otherwise undefined.
 */
export function explainTlsFailure(err: unknown, address = ''): FlowopsError | undefined {
  const text = String((err as { details?: string })?.details ?? '') + ' ' + String((err as Error)?.message ?? '');
  for (const [re, why] of CERT_PROBLEMS) {
    if (!re.test(text)) continue;
    const refused = why.startsWith('the switch refused');
    const where = address ? ` ${address}` : '';
    const message = refused
      ? `TLS handshake with${where} failed: ${why}; check certFile/keyFile and the CA the switch trusts (${text.trim()})`
      : `TLS certificate verification of${where} failed: ${why}; check caFile / serverNameOverride (${text.trim()})`;
    return new FlowopsError(refused ? 'TLS_CLIENT_CERT_REFUSED' : 'TLS_CERT_VERIFY_FAILED', message, { address, cause: text.trim() });
  }
  return undefined;
}

/** A Target spec's connection fields (src/specs/schema.ts TargetSpec: `insecure`, `tls`), structurally. */
export interface TargetTlsFields {
  insecure?: boolean;
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
}

/**
 * Credentials for one Target: its `tls` file paths are resolved against
 * `baseDir` (where the reconciler's config lives — keys do not belong in the
 * spec repository). No `insecure` and no `tls` means TLS with the system's roots.
 */
export function credentialsForTarget(spec: TargetTlsFields, baseDir: string): grpc.ChannelCredentials {
  const at = (p?: string) => (p ? path.resolve(baseDir, p) : undefined);
  return channelCredentials({
    insecure: spec.insecure,
    caFile: at(spec.tls?.ca),
    certFile: at(spec.tls?.cert),
    keyFile: at(spec.tls?.key),
    serverNameOverride: spec.tls?.serverName,
  });
}
