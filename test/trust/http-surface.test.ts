// The daemon's HTTP port as an outsider sees it, over real sockets: loopback
// by default, POST /sync only with the bearer token and coalesced, slow and
// surplus connections dropped, and the webhook refusing oversized, unsigned,
// replayed, foreign and too many concurrent bodies before buffering them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Config } from '../../src/reconcile/schema.ts';
import { startHttp, type RunningHttp } from '../../src/reconcile/http.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { createWebhookHandler, signBody, type WebhookEvent } from '../../src/report/github/webhook.ts';
import { Coalescer } from '../../src/reconcile/coalesce.ts';

const SECRET = 'hook-secret';
const deps = (o: Partial<Parameters<typeof startHttp>[1]> = {}) => ({
  healthy: () => true, ready: () => ({ ready: true, detail: {} }), metrics: () => '', triggerSync: () => {}, logger: silentLogger, ...o,
});

/** Opens a socket, writes `data`, resolves with everything the server sent before closing (bounded by `ms`). */
function raw(port: number, data: string, opts: { end?: boolean; ms?: number } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, opts.ms ?? 5000);
    s.on('data', (c) => (text += String(c)));
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve({ text, closed: true }); });
    s.write(data);
    if (opts.end) s.end();
  });
}

test('the default listen address is loopback', async () => {
  const c = Config.parse({ repo: { path: '.' } });
  assert.equal(c.http.listen, '127.0.0.1:8080');
  const h = await startHttp(':0', deps());
  assert.match(h.address, /^127\.0\.0\.1:\d+$/);
  await h.close();
});

test('POST /sync: disabled without a token, 401 without the right one, 202 with it', async () => {
  let triggered = 0;
  const off = await startHttp('127.0.0.1:0', deps({ triggerSync: () => void triggered++ }));
  assert.equal((await fetch(`http://${off.address}/sync`, { method: 'POST' })).status, 403);
  assert.equal((await fetch(`http://${off.address}/sync`, { method: 'POST', headers: { authorization: 'Bearer anything' } })).status, 403);
  await off.close();
  const on = await startHttp('127.0.0.1:0', deps({ triggerSync: () => void triggered++, syncToken: 's3cret' }));
  const post = (auth?: string) => fetch(`http://${on.address}/sync`, { method: 'POST', headers: auth ? { authorization: auth } : {} }).then((r) => r.status);
  assert.equal(await post(), 401);
  assert.equal(await post('Bearer wrong'), 401);
  assert.equal(await post('Basic czNjcmV0'), 401);
  assert.equal(triggered, 0);
  assert.equal(await post('Bearer s3cret'), 202);
  assert.equal(triggered, 1);
  await on.close();
});

test('200 POST /sync during one sync start at most one more (the coalescer the reconciler uses)', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const c = new Coalescer(() => gate);
  const h = await startHttp('127.0.0.1:0', deps({ syncToken: 'tok', triggerSync: () => void c.trigger() }));
  const statuses = await Promise.all(
    Array.from({ length: 200 }, () => fetch(`http://${h.address}/sync`, { method: 'POST', headers: { authorization: 'Bearer tok' } }).then((x) => x.status)),
  );
  assert.ok(statuses.every((s) => s === 202));
  assert.equal(c.runs, 1);
  release();
  await c.idle();
  assert.equal(c.runs, 2);
  await h.close();
});

describe('server limits', () => {
  let h: RunningHttp;
  before(async () => {
    h = await startHttp('127.0.0.1:0', deps({ limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000, keepAliveTimeoutMs: 200, maxConnections: 4 } }));
  });
  after(() => h.close());

  test('a client that never finishes its headers is disconnected', async () => {
    const r = await raw(h.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { ms: 8000 });
    assert.ok(r.closed, 'the server kept a half-open request');
    assert.doesNotMatch(r.text, /200 OK/);
  });

  test('connections over the cap are refused; the port works again once they close', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => new Promise<net.Socket>((res) => { const s = net.connect(h.port, '127.0.0.1', () => res(s)); s.on('error', () => {}); })));
    const extra = await raw(h.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { ms: 4000 });
    assert.ok(extra.closed);
    assert.doesNotMatch(extra.text, /200 OK/);
    for (const s of held) s.destroy();
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = (await fetch(`http://${h.address}/healthz`).then((x) => x.status).catch(() => 0)) === 200;
      if (!ok) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(ok);
  });
});

describe('webhook', () => {
  const events: WebhookEvent[] = [];
  let h: RunningHttp;
  before(async () => {
    const hook = createWebhookHandler({ secret: SECRET, repo: 'net/intent', maxBody: 64 * 1024, maxInFlight: 2, onEvent: (e) => void events.push(e) });
    h = await startHttp('127.0.0.1:0', deps({ githubWebhook: hook }));
  });
  after(() => h.close());

  const push = (repo: string, after = 'a'.repeat(40)) => JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after, repository: { full_name: repo } });
  const headers = (body: string, delivery: string) => ({ 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signBody(SECRET, body) });
  const deliver = (body: string, delivery: string) => fetch(`http://${h.address}/hooks/github`, { method: 'POST', headers: headers(body, delivery), body }).then(async (r) => ({ status: r.status, message: ((await r.json()) as { message: string }).message }));

  test('a declared oversized body is refused before it is sent', async () => {
    const r = await raw(h.port, `POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\nX-Hub-Signature-256: sha256=00\r\nX-GitHub-Event: push\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 413/);
    assert.ok(r.closed);
  });

  test('a chunked body growing past the cap is cut off with 413', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    let req = `POST /hooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: sha256=00\r\nX-GitHub-Event: push\r\n\r\n`;
    for (let i = 0; i < 8; i++) req += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    const r = await raw(h.port, req);
    assert.match(r.text, /^HTTP\/1\.1 413/);
  });

  test('an unsigned body is refused without reading it', async () => {
    const r = await raw(h.port, `POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\nX-GitHub-Event: push\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 401/);
  });

  test('more bodies in flight than the limit get 503', async () => {
    const partial = () => {
      const s = net.connect(h.port, '127.0.0.1');
      s.on('error', () => {});
      s.write(`POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nX-Hub-Signature-256: sha256=00\r\nX-GitHub-Event: push\r\n\r\n0123456789`);
      return s;
    };
    const held = [partial(), partial()];
    // The two partial bodies are registered once the server has answered a later request.
    let status = 0;
    for (let i = 0; i < 50 && status !== 503; i++) {
      const body = push('net/intent', String(i).padStart(40, 'b'));
      status = (await deliver(body, `busy-${i}`)).status;
      if (status !== 503) await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(status, 503);
    for (const s of held) s.destroy();
  });

  test('a replayed body is refused even with a new delivery id; other repositories are ignored', async () => {
    const n = events.length;
    const body = push('net/intent', 'c'.repeat(40));
    let first = await deliver(body, 'one');
    for (let i = 0; i < 50 && first.status === 503; i++) {
      await new Promise((res) => setTimeout(res, 20));
      first = await deliver(body, `one-${i}`);
    }
    assert.equal(first.status, 202);
    const again = await deliver(body, 'two');
    assert.equal(again.message, 'duplicate delivery');
    const foreign = await deliver(push('evil/other', 'd'.repeat(40)), 'three');
    assert.equal(foreign.message, 'ignored: not the configured repository');
    assert.equal(events.length, n + 1);
    assert.equal(events.at(-1)!.kind, 'push');
  });
});
