// The webhook endpoint on a real loopback server, fed GitHub's example payloads
// from @octokit/webhooks-examples: signatures checked before anything happens.
// Each test gets its own handler, server and event list (nothing carries over).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createWebhookHandler, signBody, type WebhookEvent } from '../../src/report/github/webhook.ts';

const require = createRequire(import.meta.url);
const examples: { name: string; examples: any[] }[] = require('@octokit/webhooks-examples');
const example = (name: string, action?: string) => {
  const ex = examples.find((e) => e.name === name)!.examples.find((x) => action === undefined || x.action === action);
  assert.ok(ex, `no example for ${name} ${action ?? ''}`);
  return ex;
};

const SECRET = 'It\'s a Secret to Everybody';
let events: WebhookEvent[] = [];
let server: http.Server;
let url: string;

beforeEach(async () => {
  events = [];
  const handler = createWebhookHandler({ secret: SECRET, onEvent: (ev) => { events.push(ev); } });
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/github`;
});
afterEach(() => new Promise<void>((r) => server.close(() => r())));

let delivery = 0;
async function deliver(name: string, payload: unknown, sign: string | null = SECRET, id = `d-${++delivery}`) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': name, 'x-github-delivery': id };
  if (sign !== null) headers['x-hub-signature-256'] = signBody(sign, body);
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

test('bad, missing or tampered signatures → 401 and nothing scheduled', async () => {
  const payload = example('pull_request', 'opened');
  assert.equal((await deliver('pull_request', payload, 'wrong secret')).status, 401);
  assert.equal((await deliver('pull_request', payload, null)).status, 401);
  const body = JSON.stringify(payload);
  const res = await fetch(url, { method: 'POST', body: body.replace('"opened"', '"closed"'), headers: { 'x-github-event': 'pull_request', 'x-hub-signature-256': signBody(SECRET, body) } });
  assert.equal(res.status, 401);
  assert.deepEqual(events, []);
});

test('pull_request opened/synchronize/reopened/closed are scheduled with 202', async () => {
  for (const action of ['opened', 'synchronize', 'reopened', 'closed']) {
    const payload = example('pull_request', action);
    const r = await deliver('pull_request', payload);
    assert.equal(r.status, 202, action);
    const ev = events.at(-1)!;
    assert.equal(ev.kind, 'pull_request');
    if (ev.kind !== 'pull_request') continue;
    assert.equal(ev.action, action);
    assert.equal(ev.number, payload.pull_request.number);
    assert.equal(ev.headSha, payload.pull_request.head.sha);
    assert.equal(ev.repo, payload.repository.full_name);
  }
  assert.equal(events.length, 4);
});

test('push and ping are handled; other events and actions are ignored', async () => {
  const push = example('push');
  assert.equal((await deliver('push', push)).status, 202);
  const ev = events.at(-1)!;
  assert.deepEqual(ev.kind === 'push' && [ev.ref, ev.after], [push.ref, push.after]);
  assert.equal((await deliver('ping', example('ping'))).status, 200);
  assert.equal((await deliver('pull_request', example('pull_request', 'labeled'))).status, 200);
  assert.equal((await deliver('issues', { action: 'opened' })).status, 200);
  assert.deepEqual(events.map((e) => e.kind), ['push', 'ping']);
});

test('a redelivered body is acted on once, under the same id or another; wrong method or path is refused', async () => {
  // Replays are recognised by the body's digest (the delivery id is not signed), so a new id does not help.
  const payload = example('pull_request', 'synchronize');
  assert.equal((await deliver('pull_request', payload, SECRET, 'same')).status, 202);
  assert.equal((await deliver('pull_request', payload, SECRET, 'same')).status, 200);
  assert.equal((await deliver('pull_request', payload, SECRET, 'another')).status, 200);
  assert.equal(events.length, 1);
  assert.equal((await fetch(url, { method: 'GET' })).status, 405);
  assert.equal((await fetch(url.replace('/hooks/github', '/hooks/other'), { method: 'POST', body: '{}' })).status, 404);
});
