// The web view in a real headless browser, against a real reconciler and the
// bundled P4Runtime target: the switches table, drift after tampering through
// the target's admin port, a service-graph counter that moves after traffic
// is simulated there, and no console errors. Screenshots go to test/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Bench } from '../helpers/reconcile-env.ts';
import { ARTIFACTS, browserSkipReason, launchBrowser } from '../helpers/browser.ts';
import { startAdmin, type AdminServer } from '../../src/target/admin.ts';
import type { Reconciler } from '../../src/reconcile/reconciler.ts';

const skip = browserSkipReason();
const bench = new Bench();
let browser: Browser;
let page: Page;
let admin: AdminServer;
let r: Reconciler;
const consoleErrors: string[] = [];

async function adminPost(route: string, body: unknown): Promise<any> {
  const res = await fetch(`${admin.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

before(async () => {
  if (skip) return;
  const t = await bench.startTarget();
  admin = await startAdmin(t.state);
  await bench.commit([
    { name: 'web-to-api', from: 'web', to: 'api', ports: [443] },
    // A flow <script>-ish name would be rejected by the schema; the escaping test lives in pages.test.ts.
    { name: 'api-to-db', from: 'api', to: 'db', ports: [5432], expires: new Date(Date.now() + 3600_000).toISOString() },
  ]);
  r = bench.reconciler();
  await r.start();
  assert.equal(r.snapshot().switches.leaf1.lastOutcome, 'Converged');
  await r.sampleCounters();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await admin?.close();
  await bench.close();
});

const url = (p = '/') => `http://${r.httpAddress}${p}`;
const edgeText = (flow: string) => page.locator(`svg.graph g.edge[data-flow="${flow}"] text`).textContent().then((t) => t ?? "");

test('switches table, drift after tampering, a counter that moves after traffic, no console errors', { skip }, async () => {
  await page.goto(url());
  const row = page.locator('#switches tr[data-switch="leaf1"]');
  const commit = r.snapshot().switches.leaf1.appliedCommit!;
  assert.equal(await row.locator('td.applied').innerText(), commit.slice(0, 7));
  assert.equal(await row.locator('td.outcome').innerText(), 'Converged');
  assert.equal(await row.locator('td.role').innerText(), 'primary');
  assert.match(await row.locator('td.drift-cell').innerText(), /none/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'view-overview.png'), fullPage: true });

  // Tamper through the target's admin port: delete one flow_classify entry behind flowops' back.
  const snap = (await (await fetch(`${admin.url}/snapshot`)).json()) as { tables: Record<string, string[]> };
  const victim: string = snap.tables['ingress.flow_classify'][0];
  const res = await adminPost('/tamper', { updates: [{ type: 'DELETE', entity: victim }] });
  assert.equal(res.results[0].code, 0);
  const [drift] = await r.driftScan();
  assert.deepEqual(drift.entries.map((e) => e.kind), ['missing']);
  await page.reload();
  assert.match(await row.locator('td.drift-cell').innerText(), /1 entry/);
  const items = await page.locator('ul.drift[data-switch="leaf1"] li').allInnerTexts();
  assert.deepEqual(items, [`missing ${drift.entries[0].table} ${drift.entries[0].description}`]);
  await page.screenshot({ path: path.join(ARTIFACTS, 'view-drift.png'), fullPage: true });

  // The graph: both flows are edges; the expiring one is marked; traffic moves its counter.
  assert.match(await edgeText('acme/web-to-api'), /^web-to-api: 0 pkts · 0B/);
  assert.equal(await page.locator('svg.graph g.edge.expiring').getAttribute('data-flow'), 'acme/api-to-db');
  const sim = await adminPost('/simulateTraffic', { table: 'ingress.flow_policy', packets: 1500, bytes: 96000 });
  assert.ok(sim.entries >= 2, `traffic on ${sim.entries} entries`);
  await r.sampleCounters();
  await page.reload();
  assert.match(await edgeText('acme/web-to-api'), /^web-to-api: 1\.5 k pkts · 96 kB/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'view-traffic.png'), fullPage: true });

  // A flow's page: spec, the file, its entries with counters.
  await page.locator('table.flows a', { hasText: 'acme/web-to-api' }).click();
  await page.waitForURL(/\/flows\/acme\/web-to-api$/);
  assert.match(await page.locator('#spec').innerText(), /"service": "api"/);
  const entries = await page.locator('#entries tbody tr').allInnerTexts();
  assert.ok(entries.some((e) => /flow_policy/.test(e) && /1\.5 k/.test(e)), entries.join('\n'));
  await page.screenshot({ path: path.join(ARTIFACTS, 'view-flow.png'), fullPage: true });

  assert.deepEqual(consoleErrors, []);
});
