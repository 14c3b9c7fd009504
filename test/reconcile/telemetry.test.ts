// Standard telemetry: /metrics from prom-client, parsed by a Prometheus text
// parser (prom-client has none; parse-prometheus-text-format, a port of the
// Prometheus Python client's parser); JSON logs through pino with a trace id
// per sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import parseProm, { type PromFamily } from 'parse-prometheus-text-format';
import { Bench } from '../helpers/reconcile-env.ts';
import { Metrics, OTHER_TENANT } from '../../src/reconcile/metrics.ts';
import { createLogger, newTraceId, withTrace } from '../../src/shared/log.ts';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';

const bench = new Bench();
before(async () => {
  await bench.startTarget();
  await bench.commit([{ name: 'web-to-api', from: 'web', to: 'api' }]);
});
after(() => bench.close());

function family(fams: PromFamily[], name: string): PromFamily {
  const f = fams.find((x) => x.name === name);
  assert.ok(f, `no family ${name} in ${fams.map((x) => x.name).join(', ')}`);
  return f;
}

test('GET /metrics of a running reconciler parses: process metrics, sync and write latency per switch, tenant traffic', async () => {
  const r = bench.reconciler();
  await r.start();
  await r.sampleCounters();
  const res = await fetch(`http://${r.httpAddress}/metrics`);
  assert.equal(res.status, 200);
  const fams = parseProm(await res.text());
  assert.equal(family(fams, 'process_cpu_user_seconds_total').type, 'COUNTER');
  assert.ok(family(fams, 'nodejs_heap_size_used_bytes').metrics.length >= 1);
  // The parser keeps histogram buckets but folds their labels (a limitation of
  // parse-prometheus-text-format): the per-switch split is read from prom-client's own values.
  assert.equal(family(fams, 'flowops_sync_duration_seconds').type, 'HISTOGRAM');
  assert.equal(family(fams, 'flowops_write_duration_seconds').type, 'HISTOGRAM');
  const count = async (name: string) => (await r.metrics.registry.getSingleMetric(name)!.get()).values.filter((v) => (v as { metricName?: string }).metricName === `${name}_count`);
  assert.deepEqual((await count('flowops_sync_duration_seconds')).map((v) => [v.labels, v.value]), [[{ target: 'leaf1' }, 1]]);
  const writes = await count('flowops_write_duration_seconds');
  assert.deepEqual(writes.map((v) => v.labels), [{ target: 'leaf1' }]);
  assert.ok(writes[0].value >= 1, 'every Write RPC is timed');
  assert.deepEqual(family(fams, 'flowops_syncs_total').metrics.map((m) => [m.labels, m.value]), [[{ target: 'leaf1', outcome: 'Converged' }, '1']]);
  assert.deepEqual(family(fams, 'flowops_tenant_flows').metrics.map((m) => [m.labels, m.value]), [[{ target: 'leaf1', tenant: 'acme' }, '1']]);
  assert.ok(!fams.some((f) => f.name === 'flowops_flow_packets'), 'no per-flow series unless metrics.perFlow');
  await r.stop();
});

test('tenant series are capped (the tail is summed under _other); per-flow series only when asked', async () => {
  const m = new Metrics({ maxTenants: 2, processMetrics: false, perFlow: true });
  const flows = ['a', 'b', 'c', 'd'].map((t, i) => ({ target: 'leaf1', tenant: t, flow: `${t}/f`, packets: (i + 1) * 10, bytes: 100 }));
  m.setTraffic('leaf1', flows);
  const fams = parseProm(await m.render());
  const tenants = family(fams, 'flowops_tenant_packets').metrics.map((x) => [x.labels!.tenant, x.value]);
  assert.deepEqual(tenants.sort(), [[OTHER_TENANT, '30'], ['c', '30'], ['d', '40']].sort());
  assert.equal(family(fams, 'flowops_flow_packets').metrics.length, 4);
  m.setTraffic('leaf1', flows.slice(0, 1));
  assert.deepEqual(parseProm(await m.render()).find((f) => f.name === 'flowops_tenant_packets')!.metrics.map((x) => x.labels!.tenant), ['a']);
});

test('logs: JSON lines with time, level, msg and fields as before; one 32-hex trace id per sync', async () => {
  const r = bench.reconciler();
  bench.logs = [];
  await r.sync('one', { force: true });
  await r.sync('two', { force: true });
  const lines = bench.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  const finished = lines.filter((l) => l.msg === 'sync finished');
  assert.equal(finished.length, 2);
  for (const l of finished) {
    assert.match(String(l.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(l.level, 'info');
    assert.equal(l.target, 'leaf1');
    assert.match(String(l.replica), /^r\d+$/);
    assert.match(String(l.trace_id), /^[0-9a-f]{32}$/);
  }
  assert.notEqual(finished[0].trace_id, finished[1].trace_id);
  // Every line of the first sync carries its id.
  const first = lines.filter((l) => l.trace_id === finished[0].trace_id);
  assert.ok(first.length > 2 && first.every((l) => l.reason === undefined || l.reason === 'one'));
  await r.stop();
});

test('logger: bigints and bytes as text, levels filtered, child fields kept, trace id only inside withTrace', () => {
  const out: string[] = [];
  const log = createLogger({ level: 'info', sink: (l) => out.push(l), base: { component: 'x' } });
  log.debug('hidden');
  log.child({ target: 'leaf1' }).info('hello', { n: 5n, b: Buffer.from([1, 2]) });
  const id = newTraceId();
  withTrace(id, () => log.warn('traced'));
  const [a, b] = out.map((l) => JSON.parse(l));
  assert.equal(out.length, 2);
  assert.deepEqual([a.level, a.msg, a.component, a.target, a.n, a.b, a.trace_id], ['info', 'hello', 'x', 'leaf1', '5', '0102', undefined]);
  assert.deepEqual([b.level, b.trace_id], ['warn', id]);
});

test('`flowops status --flows` prints each flow\'s traffic as the plan says it, from the state file', async () => {
  const state = path.join(bench.dir, 'status-flows.state.json');
  const r = bench.reconciler({ stateFile: state });
  await r.sync('test', { force: true });
  await r.sampleCounters();
  bench.targets[0].state.simulateTraffic({ table: 'ingress.flow_policy', packets: 2_500, bytes: 160_000 });
  await r.sampleCounters();
  await r.stop();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const code = await main(['status', '--state', state, '--flows'], { env: {}, cwd: bench.dir, stdout, stderr: new PassThrough(), signal: new AbortController().signal });
  assert.equal(code, 0);
  assert.match(out, /^leaf1: 1 flow\(s\), counters read at \S+$/m);
  // Two samples moments apart: the span is seconds, and the whole 2.5 k happened in it.
  assert.match(out, /^  acme\/web-to-api: 2\.5 k packets \(160 kB\) in the last \d+ s on leaf1$/m);
});
