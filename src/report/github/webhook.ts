// `POST /hooks/github`: GitHub's webhook deliveries. The signature
// (X-Hub-Signature-256, HMAC-SHA256 of the raw body with the shared secret) is
// checked before anything else, in constant time; without a valid one the
// answer is 401 and nothing is parsed or scheduled. Before that, a body
// declared or found larger than MAX_BODY is refused without buffering it, at
// most MAX_IN_FLIGHT bodies are read at once, a body seen before (by its
// SHA-256, which the signature covers) is a replay, and events of another
// repository than the configured one are ignored. Handled events are turned
// into small typed events and handed to `onEvent`, which only schedules work,
// so GitHub gets its 202 at once (it gives up on deliveries after 10 s).
import crypto from 'node:crypto';
import type http from 'node:http';
import { silentLogger, type Logger } from '../../shared/log.ts';

export const WEBHOOK_PATH = '/hooks/github';
/**
 * Bodies larger than this are refused before they are read (GitHub allows up
 * to 25 MB, but the events flowops acts on — push, pull_request, ping — are
 * far smaller; a push lists at most 20 commits).
 */
export const MAX_BODY = 1024 * 1024;
/** Bodies being read at once; more get 503 with Retry-After (GitHub retries). */
export const MAX_IN_FLIGHT = 4;
/** Digests of accepted bodies remembered to refuse replays. */
const REPLAY_MEMORY = 10_000;

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'closed';

export type WebhookEvent =
  | { kind: 'ping'; delivery: string; hookId?: number }
  | { kind: 'push'; delivery: string; repo: string; ref: string; before: string; after: string }
  | { kind: 'pull_request'; delivery: string; repo: string; action: PullRequestAction; number: number; headSha: string; baseRef: string; merged: boolean; mergeCommitSha: string | null };

export interface WebhookHandlerOptions {
  secret: string;
  onEvent: (ev: WebhookEvent) => void | Promise<void>;
  logger?: Logger;
  path?: string;
  /** `owner/name` of the configured repository: events of any other are ignored (ping excepted). */
  repo?: string;
  maxBody?: number;
  maxInFlight?: number;
}

export function signBody(secret: string, body: Buffer | string): string {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');
}

export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !secret) return false;
  const expected = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header.trim());
  // timingSafeEqual needs equal lengths; a length mismatch is already a failure and leaks nothing secret.
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

const PR_ACTIONS = new Set<string>(['opened', 'synchronize', 'reopened', 'closed']);

/** The typed event for a verified payload, or undefined when flowops does not act on it. */
export function toWebhookEvent(name: string, delivery: string, p: any): WebhookEvent | undefined {
  switch (name) {
    case 'ping': return { kind: 'ping', delivery, hookId: p?.hook_id };
    case 'push':
      return { kind: 'push', delivery, repo: String(p?.repository?.full_name ?? ''), ref: String(p?.ref ?? ''), before: String(p?.before ?? ''), after: String(p?.after ?? '') };
    case 'pull_request': {
      if (!PR_ACTIONS.has(p?.action)) return undefined;
      const pr = p.pull_request ?? {};
      return {
        kind: 'pull_request', delivery, repo: String(p?.repository?.full_name ?? ''), action: p.action, number: Number(pr.number ?? p.number),
        headSha: String(pr.head?.sha ?? ''), baseRef: String(pr.base?.ref ?? ''), merged: pr.merged === true, mergeCommitSha: pr.merge_commit_sha ?? null,
      };
    }
    default: return undefined;
  }
}

export function createWebhookHandler(opts: WebhookHandlerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const log = opts.logger ?? silentLogger;
  const route = opts.path ?? WEBHOOK_PATH;
  const maxBody = opts.maxBody ?? MAX_BODY;
  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  const repo = opts.repo?.toLowerCase();
  // Replays: GitHub redelivers, people press "Redeliver", an eavesdropper resends. The
  // delivery id is not signed, so a seen body (its digest) is what is refused.
  const recent: string[] = [];
  const seen = new Set<string>();
  let inFlight = 0;
  const reply = (res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ message }));
  };
  // Refuse without reading the rest: the connection is closed, so nothing more is buffered.
  const refuse = (req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    reply(res, status, message, { connection: 'close', ...headers });
    res.on('finish', () => req.destroy());
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== route) return refuse(req, res, 404, 'not found');
    if (req.method !== 'POST') { res.setHeader('allow', 'POST'); return refuse(req, res, 405, 'POST only'); }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBody) return refuse(req, res, 413, 'payload too large');
    if (!req.headers['x-hub-signature-256']) {
      log.warn('webhook: missing signature', { remote: req.socket.remoteAddress });
      return refuse(req, res, 401, 'signature does not match');
    }
    if (inFlight >= maxInFlight) return refuse(req, res, 503, 'busy; retry later', { 'retry-after': '5' });
    inFlight++;
    let released = false;
    const release = () => { if (!released) { released = true; inFlight--; } };
    res.on('close', release);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        chunks.length = 0;
        release();
        req.pause();
        return refuse(req, res, 413, 'payload too large');
      }
      chunks.push(c);
    });
    req.on('error', () => { release(); reply(res, 400, 'bad request'); });
    req.on('end', () => {
      release();
      if (size > maxBody) return;
      const raw = Buffer.concat(chunks);
      const sig = req.headers['x-hub-signature-256'];
      if (!verifySignature(opts.secret, raw, Array.isArray(sig) ? sig[0] : sig)) {
        log.warn('webhook: bad signature', { remote: req.socket.remoteAddress });
        return reply(res, 401, 'signature does not match');
      }
      const name = String(req.headers['x-github-event'] ?? '');
      const delivery = String(req.headers['x-github-delivery'] ?? '');
      let payload: unknown;
      try { payload = JSON.parse(raw.toString('utf8')); } catch { return reply(res, 400, 'body is not JSON'); }
      const ev = toWebhookEvent(name, delivery, payload);
      if (!ev) return reply(res, 200, `ignored: ${name}`);
      if (repo && ev.kind !== 'ping' && ev.repo.toLowerCase() !== repo) {
        log.warn('webhook: event for another repository ignored', { event: name, delivery, repo: ev.repo });
        return reply(res, 200, 'ignored: not the configured repository');
      }
      const digest = crypto.createHash('sha256').update(raw).digest('hex');
      if (seen.has(digest)) {
        log.warn('webhook: replayed body refused', { event: name, delivery });
        return reply(res, 200, 'duplicate delivery');
      }
      seen.add(digest);
      recent.push(digest);
      if (recent.length > REPLAY_MEMORY) seen.delete(recent.shift()!);
      log.info('webhook', { event: name, delivery, ...(ev.kind === 'pull_request' ? { pr: ev.number, action: ev.action } : {}) });
      try {
        Promise.resolve(opts.onEvent(ev)).catch((e) => log.error('webhook: scheduling failed', { delivery, error: String(e?.message ?? e) }));
      } catch (e: any) {
        log.error('webhook: scheduling failed', { delivery, error: String(e?.message ?? e) });
        return reply(res, 500, 'could not schedule');
      }
      return reply(res, ev.kind === 'ping' ? 200 : 202, ev.kind === 'ping' ? 'pong' : 'scheduled');
    });
  };
}
