// `POST /hooks/github`: GitHub's webhook deliveries. The signature
// (X-Hub-Signature-256, HMAC-SHA256 of the raw body with the shared secret) is
// checked before anything else, in constant time; without a valid one the
// answer is 401 and nothing is parsed or scheduled. Handled events are turned
// into small typed events and handed to `onEvent`, which only schedules work,
// so GitHub gets its 202 at once (it gives up on deliveries after 10 s).
import crypto from 'node:crypto';
import type http from 'node:http';
import { silentLogger, type Logger } from '../../shared/log.ts';

export const WEBHOOK_PATH = '/hooks/github';
/** GitHub caps webhook payloads at 25 MB. */
const MAX_BODY = 25 * 1024 * 1024;

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
  // GitHub redelivers on timeouts and people press "Redeliver": act once per delivery id.
  const recent: string[] = [];
  const seen = new Set<string>();
  const reply = (res: http.ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message }));
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== route) return reply(res, 404, 'not found');
    if (req.method !== 'POST') { res.setHeader('allow', 'POST'); return reply(res, 405, 'POST only'); }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { tooBig = true; return; }
      if (!tooBig) chunks.push(c);
    });
    req.on('error', () => { if (!res.headersSent) reply(res, 400, 'bad request'); });
    req.on('end', () => {
      if (tooBig) return reply(res, 413, 'payload too large');
      const raw = Buffer.concat(chunks);
      const sig = req.headers['x-hub-signature-256'];
      if (!verifySignature(opts.secret, raw, Array.isArray(sig) ? sig[0] : sig)) {
        log.warn('webhook: bad or missing signature', { remote: req.socket.remoteAddress });
        return reply(res, 401, 'signature does not match');
      }
      const name = String(req.headers['x-github-event'] ?? '');
      const delivery = String(req.headers['x-github-delivery'] ?? '');
      let payload: unknown;
      try { payload = JSON.parse(raw.toString('utf8')); } catch { return reply(res, 400, 'body is not JSON'); }
      const ev = toWebhookEvent(name, delivery, payload);
      if (!ev) return reply(res, 200, `ignored: ${name}`);
      if (delivery) {
        if (seen.has(delivery)) return reply(res, 200, 'duplicate delivery');
        seen.add(delivery);
        recent.push(delivery);
        if (recent.length > 1000) seen.delete(recent.shift()!);
      }
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
