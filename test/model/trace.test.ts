// The trace model over a table of packets (compiled entries of the example
// repository), packet syntax errors, and the same packets traced over the
// bundled target's live tables read back over P4Runtime: same verdicts, same
// matched entries, each live entry attributed by its provenance record.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { compile } from '../../src/compile/compile.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { decodeRows } from '../../src/model/entries.ts';
import { parsePacket } from '../../src/model/packet.ts';
import { TableModel, trace, verdictText } from '../../src/model/trace.ts';
import { applyPlan } from '../../src/apply/apply.ts';
import { plan } from '../../src/diff/plan.ts';
import { desiredState } from '../../src/desired/desired.ts';
import { readDirTree } from '../../src/source/spec-tree.ts';
import { p4rtConnector } from '../../src/reconcile/p4rt-switch.ts';
import type { SwitchConnection } from '../../src/reconcile/switch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { main } from '../../src/cli/main.ts';
import { EXAMPLE_REPO, NOW, v1model } from '../compile/fixture.ts';
import { P4INFO } from '../helpers/reconcile-env.ts';

/** packet → verdict, and the spec the flow_classify hit came from (if it got there). */
const PACKETS: [string, string, string | undefined][] = [
  ['port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/storefront-to-catalog'],
  ['port=4 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/8080', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/storefront-to-catalog'],
  ['port=3 vlan=101 2001:db8:101:1::5 -> 2001:db8:101:4::5 tcp/443', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/storefront-to-catalog'],
  ['port=3 vlan=101 10.1.2.5 -> 10.1.6.5 tcp/8443', 'NF', 'acme/checkout-to-payments'],
  ['port=3 vlan=101 10.1.7.5 -> 10.1.10.10 tcp/5432', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/db-access:inventory->orders-db'],
  ['port=3 vlan=101 10.1.250.9 -> 10.1.1.7 tcp/9100', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/metrics-scrape:monitoring->storefront'],
  ['port=3 vlan=101 10.1.250.9 -> 10.1.10.10 icmp', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/monitoring-ping-orders-db'],
  ['port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/22', 'drop: no flow allows it: what no flow allows is dropped', undefined],
  ['port=3 vlan=101 10.1.1.5 -> 10.1.4.5 udp/443', 'drop: no flow allows it: what no flow allows is dropped', undefined],
  ['port=3 vlan=101 10.1.1.5 -> 10.2.1.5 tcp/443', 'drop: no flow allows it (the destination is no service of the tenant): what no flow allows is dropped', undefined],
  ['port=6 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443', 'drop: no tenant on port 6 vlan 101', undefined],
  ['port=3 10.1.1.5 -> 10.1.4.5 tcp/443', 'drop: no tenant on port 3 vlan untagged (0)', undefined],
  // VXLAN underlay: the tenant is the underlay port's VNI, the inner packet is classified.
  ['port=30 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/443', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/storefront-to-catalog'],
  ['port=30 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/22', 'drop: no flow allows it: what no flow allows is dropped', undefined],
  ['port=3 192.0.2.1 -> 192.0.2.2 vxlan vni=10101 inner 10.1.1.5 -> 10.1.4.5 tcp/443', 'drop: no tenant has VNI 10101 on port 3 (not an underlay port, or an unknown VNI)', undefined],
  ['port=30 192.0.2.1 -> 192.0.2.2 vxlan vni=999 inner 10.1.1.5 -> 10.1.4.5 tcp/443', 'drop: no tenant has VNI 999 on port 30 (not an underlay port, or an unknown VNI)', undefined],
  // ESP and NAT-T ESP: protocol 50, steered to the ipsec instances; IKE on udp/500 routed.
  ['port=3 vlan=101 10.1.240.7 -> 10.1.241.1 esp spi=4096', 'NF-IPSEC', 'acme/branch-esp'],
  ['port=3 vlan=101 10.1.240.7 -> 10.1.241.1 udp/4500 spi=4096', 'NF-IPSEC', 'acme/branch-esp'],
  ['port=3 vlan=101 10.1.240.7 -> 10.1.241.1 udp/500', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/branch-ike'],
  // A port range lives in flow_classify_range (ternary cover): both ends in, one below out.
  ['port=3 vlan=101 10.1.240.7 -> 10.1.5.9 tcp/1024', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/branch-to-search-ephemeral'],
  ['port=3 vlan=101 10.1.240.7 -> 10.1.5.9 tcp/65535', 'forward to port 1 (dmac 02:00:00:01:00:01) by route', 'acme/branch-to-search-ephemeral'],
  ['port=3 vlan=101 10.1.240.7 -> 10.1.5.9 tcp/1023', 'drop: no flow allows it: what no flow allows is dropped', undefined],
];

function compiledModel() {
  const { specs, errors } = loadSpecs(readSpecDir(EXAMPLE_REPO), { now: NOW, expired: 'drop' });
  assert.deepEqual(errors, []);
  const state = compile(specs, v1model(), 'leaf1', { now: NOW });
  return new TableModel(decodeRows([...state.entries], v1model()));
}

const flowHit = (t: ReturnType<typeof trace>) => t.steps.find((s) => s.table.startsWith('ingress.flow_classify') && s.hit)?.hit?.origin?.name;

test('a table of packets: each verdict, and the flow that let it through', () => {
  const model = compiledModel();
  for (const [text, verdict, flow] of PACKETS) {
    const t = trace(model, parsePacket(text));
    const v = verdictText(t.verdict);
    if (verdict === 'NF' || verdict === 'NF-IPSEC') {
      assert.equal(t.verdict.kind, 'nf', text);
      assert.deepEqual((t.verdict as any).instances.map((i: any) => i.port).sort(), verdict === 'NF' ? [20, 21] : [24, 25], text);
    } else assert.equal(v, verdict, text);
    assert.equal(flowHit(t), flow, text);
  }
});

test('each step names its table and the matched entry its spec line; a miss says what the default does', () => {
  const t = trace(compiledModel(), parsePacket('port=3 vlan=101 10.1.1.5 -> 10.1.4.5 tcp/22'));
  assert.deepEqual(t.steps.map((s) => s.table), ['ingress.tenant_classify', 'ingress.src_service_v4', 'ingress.dst_service_v4', 'ingress.tenant_route_v4', 'ingress.flow_classify', 'ingress.flow_classify_range']);
  assert.deepEqual(t.steps[0]!.hit!.origin, { kind: 'tenant', name: 'acme', file: 'targets/leaf1.yaml', line: 16 });
  assert.equal(t.steps[1]!.hit!.origin!.name, 'acme/storefront');
  assert.equal(t.steps[4]!.result, 'miss → no_match() (port ranges next)');
  assert.equal(t.steps[5]!.result, 'miss → drop()');
});

test('packet syntax errors name what is wrong', () => {
  assert.throws(() => parsePacket('vlan=101 10.1.1.5 -> 10.1.4.5 tcp/443'), /needs port=N/);
  assert.throws(() => parsePacket('port=3 10.1.1.5 -> 2001:db8::1 tcp/443'), /different IP versions/);
  assert.throws(() => parsePacket('port=999 10.1.1.5 -> 10.1.4.5'), /port "999" must be an integer 0-511/);
  assert.throws(() => parsePacket('port=3 ttl=4 10.1.1.5 -> 10.1.4.5'), /unknown field "ttl"/);
  assert.throws(() => parsePacket('port=3 10.1.1.5 -> 10.1.4.5 inner 10.1.1.5 -> 10.1.4.5'), /`inner` follows a VXLAN packet/);
});

describe('trace over live tables of the bundled target', () => {
  let target: RunningTarget;
  let sw: SwitchConnection;
  let repo: string;
  before(async () => {
    target = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-trace-'));
    fs.cpSync(EXAMPLE_REPO, repo, { recursive: true });
    const leaf1 = path.join(repo, 'targets/leaf1.yaml');
    fs.writeFileSync(leaf1, fs.readFileSync(leaf1, 'utf8').replace('127.0.0.1:9559', `127.0.0.1:${target.port}`));
    const d = desiredState({ ...readDirTree(repo), commit: '0123456789abcdef0123456789abcdef01234567' }, { now: NOW });
    assert.deepEqual(d.problems, []);
    const desired = d.states.get('leaf1')!;
    const pipe = d.pipelines.get('leaf1')!;
    sw = await p4rtConnector()({ name: 'leaf1', address: `127.0.0.1:${target.port}`, deviceId: 1, electionId: 5, insecure: true }, silentLogger);
    await sw.ensurePipeline(pipe, 'push');
    const r = await applyPlan(sw, plan(desired, await sw.readManaged(desired, pipe.index), { index: pipe.index }), { limits: { size: 200, maxBytes: 1 << 20 }, provenance: { commit: d.commit } });
    assert.equal(r.ok, true);
  });
  after(async () => {
    await sw?.close();
    await target?.stop();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  test('the model gives the same verdicts and matched entries over the live read-back as over the compiled entries', async () => {
    const compiled = compiledModel();
    const { specs } = loadSpecs(readSpecDir(repo), { now: NOW, expired: 'drop' });
    const desired = compile(specs, v1model(), 'leaf1', { now: NOW });
    const live = await sw.readManaged(desired, v1model());
    const liveModel = new TableModel(decodeRows(live.map((bytes) => ({ bytes })), v1model()));
    for (const [text] of PACKETS) {
      const a = trace(compiled, parsePacket(text));
      const b = trace(liveModel, parsePacket(text));
      // Live entries carry no Origin object (their provenance record says where they came from).
      const bare = (v: typeof a.verdict) => (v.kind === 'nf' ? { ...v, instances: v.instances.map(({ origin: _o, ...x }) => x) } : v);
      assert.deepEqual(bare(b.verdict), bare(a.verdict), text);
      assert.deepEqual(b.steps.map((s) => s.hit?.entry), a.steps.map((s) => s.hit?.entry), text);
      for (const s of b.steps) if (s.hit) assert.match(s.hit.metadata!.toString(), /^fo1\|0123456789ab\|[tsfg]\|/, `${text}: ${s.table}`);
    }
  });

  test('flowops trace reads the switch and prints each table, the entry, its origin and provenance, and the verdict', async () => {
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write(c, _e, done) { f(String(c)); done(); } });
    const code = await main(['trace', '--target', 'leaf1', '--repo', repo, '--now', NOW.toISOString(), 'port=3 vlan=101 10.1.2.5 -> 10.1.6.5 tcp/8443'], { env: {}, cwd: repo, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal });
    assert.equal(code, 0, err);
    assert.match(out, /flow_classify \[tenant_id=101 .* l4_dst_port=8443\]\n    hit ingress\.flow_classify .*\n        from tenants\/acme\/flows\/web\.yaml:\d+ flow acme\/checkout-to-payments \[flow acme\/checkout-to-payments @ 0123456789ab\]/);
    assert.match(out, /verdict: to NF group \d+: one of port 20 .*port 21/);
    // --commit: the compiled entries of a version instead of the switch.
    out = '';
    assert.equal(await main(['trace', '--target', 'leaf1', '--repo', repo, '--commit', repo, '--now', NOW.toISOString(), 'port=3', 'vlan=101', '10.1.1.5', '->', '10.1.4.5', 'tcp/22'], { env: {}, cwd: repo, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal }), 0, err);
    assert.match(out, /verdict: drop: no flow allows it/);
  });
});
