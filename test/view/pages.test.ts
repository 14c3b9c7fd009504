// The view's pages from hand-made snapshots (pure rendering): every user
// string is escaped, links go only to http(s) or this site, a flow's file
// links to GitHub at the commit, and the counter sampler stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowPage, overviewPage } from '../../src/view/pages.ts';
import type { FlowView, ViewSnapshot } from '../../src/view/model.ts';
import { githubWebUrl } from '../../src/reconcile/view-source.ts';
import { CounterSampler } from '../../src/reconcile/counters.ts';

const EVIL = `<script>alert("x")</script>'"&`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;&amp;';

const flow: FlowView = {
  name: `acme/${EVIL}`, tenant: 'acme', from: EVIL, to: 'api', what: 'tcp/443', expiring: true, expires: '2030-01-01T00:00:00Z',
  file: `tenants/${EVIL}.yaml`, line: 3, traffic: [{ target: EVIL, packets: 1_200_000, bytes: 5e6, pps: 10, bps: 100, spanMs: 1000 }],
};

function snapshot(): ViewSnapshot {
  return {
    generatedAt: '2030-01-01T00:00:00.000Z', windowMs: 86_400_000,
    repo: { name: EVIL, branch: EVIL, headCommit: 'abcdef0123', gitError: EVIL, dir: '' },
    switches: [{ name: EVIL, address: EVIL, role: 'primary', lastOutcome: 'Failed', lastError: EVIL, drift: { at: EVIL, healed: false, entries: [{ kind: 'missing', table: EVIL, description: EVIL }] } }],
    history: [{ at: EVIL, target: EVIL, commit: 'abc', reason: EVIL, outcome: 'Failed', inserted: 1, modified: 0, deleted: 0, durationMs: 5, error: EVIL, traceId: 'a'.repeat(32) }],
    tenants: [{ name: EVIL, services: [EVIL, 'api'], flows: [flow] }],
  };
}

test('overview: every user string is escaped; no script runs; the expiring flow is marked', () => {
  const html = overviewPage(snapshot());
  assert.doesNotMatch(html, /<script/i);
  assert.ok(!html.includes(EVIL));
  assert.ok(html.includes(ESCAPED));
  assert.match(html, /class="edge expiring" data-flow="acme\/&lt;script/);
  assert.match(html, /1\.2 M pkts/);
});

test('flow page: the file links to GitHub only through http(s); the spec is escaped', () => {
  const base = { flow, commit: 'c0ffee', spec: { from: { service: EVIL } }, entries: [{ target: 'leaf1', table: 'ingress.flow_policy', description: EVIL, packets: 5, bytes: 320 }] };
  const html = flowPage({ ...base, fileUrl: 'https://github.com/acme/net/blob/c0ffee/tenants/x.yaml#L3' });
  assert.match(html, /<a href="https:\/\/github.com\/acme\/net\/blob\/c0ffee\/tenants\/x.yaml#L3">/);
  assert.ok(!html.includes(EVIL) && !/<script/i.test(html));
  assert.match(flowPage({ ...base, fileUrl: 'javascript:alert(1)' }), /<a href="#">/);
});

test('GitHub web URL only for github.com https URLs (credentials and .git dropped)', () => {
  assert.equal(githubWebUrl('https://x-access-token:t@github.com/acme/net.git'), 'https://github.com/acme/net');
  assert.equal(githubWebUrl('https://github.com/acme/net'), 'https://github.com/acme/net');
  assert.equal(githubWebUrl('https://gitlab.com/acme/net.git'), undefined);
  assert.equal(githubWebUrl(undefined), undefined);
});

test('counter sampler: window usage, a reset counter counts from zero, memory bounded per flow', () => {
  const s = new CounterSampler({ windowMs: 1000, maxSamples: 4 });
  const at = (t: number, packets: number) => s.record('leaf1', t, new Map([['a/f', { packets, bytes: packets * 10 }]]));
  at(0, 0);
  at(500, 50);
  assert.deepEqual([s.usage('leaf1', 'a/f')!.packets, s.usage('leaf1', 'a/f')!.pps], [50, 100]);
  for (let t = 600; t <= 10_000; t += 100) at(t, t);
  const u = s.usage('leaf1', 'a/f')!;
  assert.ok(u.spanMs <= 1000 && u.packets === 10_000 - (10_000 - u.spanMs), JSON.stringify(u));
  assert.ok((s as unknown as { switches: Map<string, { flows: Map<string, unknown[]> }> }).switches.get('leaf1')!.flows.get('a/f')!.length <= 4);
  at(10_100, 7); // entry re-inserted: counter restarted
  assert.equal(s.usage('leaf1', 'a/f')!.packets, 7);
  s.record('leaf1', 10_200, new Map());
  assert.equal(s.usage('leaf1', 'a/f'), undefined, 'a flow gone from the switch is forgotten');
});
