// The limits of the daemon's HTTP port, in one place: who may ask for a sync
// (a bearer token from the environment; none configured = endpoint off), and
// how long and how many connections a client may hold. The port is meant for
// loopback or a cluster network, but it is written as if it were public.
import crypto from 'node:crypto';
import type http from 'node:http';

/** Environment variable holding the bearer token of POST /sync. */
export const SYNC_TOKEN_ENV = 'FLOWOPS_SYNC_TOKEN';

export const SERVER_LIMITS = {
  /** Whole request headers must arrive within this (slowloris). */
  headersTimeoutMs: 10_000,
  /** Whole request (headers and body) within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Open connections at once; more are refused by the server socket. */
  maxConnections: 256,
};

/** Applies SERVER_LIMITS (or `limits`) to a node http server. */
export function hardenServer(server: http.Server, limits: Partial<typeof SERVER_LIMITS> = {}): void {
  const l = { ...SERVER_LIMITS, ...limits };
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
  // An idle socket that never sends a full request is dropped too.
  server.setTimeout(l.requestTimeoutMs, (socket) => socket.destroy());
}

export type SyncAuth = 'ok' | 'disabled' | 'unauthorized';

/** Whether `req` may trigger a sync with `token` configured (compared in constant time). */
export function checkSyncAuth(req: http.IncomingMessage, token: string | undefined): SyncAuth {
  if (!token) return 'disabled';
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return 'unauthorized';
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(m[1]!), digest(token)) ? 'ok' : 'unauthorized';
}
