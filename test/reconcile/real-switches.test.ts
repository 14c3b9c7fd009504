// The reconciler against switches configured like real ones, all over real
// sockets to the bundled target: mutual TLS per Target (and a wrong CA that
// fails in words), pipeline `verify` (read back, compared by meaning, nothing
// written on a difference) and `push` of a packed pipeline file by cookie.
// Roles (beside another controller, in either role-config format): roles.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { P4INFO, RecordingReporter } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { commitFiles } from '../helpers/git-repo.ts';
import { SwitchTests, startBenchTarget } from '../helpers/ops-role.ts';
import { makeTestCerts, type TestCerts } from '../p4rt/certs.ts';
import type { RunningTarget } from '../../src/target/server.ts';
import { packPipeline } from '../../src/pipeline/pack.ts';
import { formatCookie, pipelineCookie } from '../../src/pipeline/cookie.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';

const flows: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'silver' },
];

const tests = new SwitchTests(flows);
let certs: TestCerts;
before(() => {
  certs = makeTestCerts();
});
after(async () => {
  await tests.close();
  certs.cleanup();
});
const bench = () => tests.bench();
const commitRepo = tests.commit.bind(tests);
const target = startBenchTarget;

function tableCount(t: RunningTarget): number {
  return Object.values(t.state.snapshot().tables).reduce((n, l) => n + l.length, 0);
}

test('TLS per Target: mutual TLS converges; a certificate from another CA, or an expired one, fails with the reason in words', async () => {
  const b = bench();
  const good = await target(b, { p4infoFile: P4INFO, tls: { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert } });
  const wrong = await target(b, { p4infoFile: P4INFO, tls: { certFile: certs.wrongServerCert, keyFile: certs.wrongServerKey } });
  const expired = await target(b, { p4infoFile: P4INFO, tls: { certFile: certs.expiredServerCert, keyFile: certs.expiredServerKey } });
  // The operator's PKI lives next to the reconciler's config, not in the spec repository.
  const pki = path.join(b.dir, 'pki');
  fs.mkdirSync(pki);
  for (const [from, to] of [[certs.caCert, 'ca.pem'], [certs.clientCert, 'flowops.pem'], [certs.clientKey, 'flowops.key']] as const) fs.copyFileSync(from, path.join(pki, to));
  const tls = 'tls:\n  ca: pki/ca.pem\n  cert: pki/flowops.pem\n  key: pki/flowops.key';
  await commitRepo(b, [tls, tls, tls]);
  const reporter = new RecordingReporter();
  const r = b.reconciler({}, { reporter });
  const ev = (await r.sync('test'))!;
  const [l1, l2, l3] = ev.switches;
  assert.equal(l1!.outcome, 'Converged', l1!.error?.message);
  assert.ok(tableCount(good) > 0, 'entries were written over mutual TLS');
  assert.equal(good.state.arbitration.primary('')?.electionId, 100n, 'flowops is the primary on the TLS switch');

  assert.equal(l2!.outcome, 'Failed');
  assert.equal(l2!.error?.code, 'TLS_CERT_VERIFY_FAILED');
  assert.match(l2!.error!.message, new RegExp(`cannot connect to ${wrong.address}: TLS certificate verification of ${wrong.address} failed: it is not signed by a trusted CA`));
  assert.equal(l2!.error?.leftAt, 'old');
  assert.equal(tableCount(wrong), 0, 'nothing reached the switch with the wrong certificate');
  assert.equal(l3!.outcome, 'Failed');
  assert.equal(l3!.error?.code, 'TLS_CERT_VERIFY_FAILED');
  assert.match(l3!.error!.message, /the certificate has expired/);
  assert.equal(tableCount(expired), 0);
  const status = r.snapshot().switches;
  assert.equal(status.leaf1!.apiVersion, '1.4.0', 'Capabilities recorded');
  assert.match(status.leaf2!.lastError ?? '', /not signed by a trusted CA/);
  assert.equal(reporter.syncs[0]!.switches[1]!.error?.code, 'TLS_CERT_VERIFY_FAILED');
  await r.stop();
});

test('a Target with neither insecure nor tls uses TLS: against a plaintext switch it fails instead of silently downgrading', async () => {
  const b = bench();
  await target(b, { p4infoFile: P4INFO });
  await commitRepo(b, ['electionId: 1']); // no insecure, no tls
  const r = b.reconciler();
  const sw = (await r.sync('test'))!.switches[0]!;
  assert.equal(sw.outcome, 'Failed');
  assert.equal(sw.error!.reason, 'ConnectFailed');
  assert.match(sw.error!.message, /cannot connect to 127\.0\.0\.1:\d+: .*UNAVAILABLE/);
  assert.equal(tableCount(b.targets[0]!), 0);
  await r.stop();
});

test('pipeline verify: a switch whose P4Info differs in a width and an action name is refused with the differences named; the same P4Info converges', async () => {
  const b = bench();
  const dir = tests.tempDir('other-p4info');
  const text = fs.readFileSync(P4INFO, 'utf8');
  const other = text
    .replace(/(name: "vlan_id"\n\s*bitwidth:) 12/, '$1 13')
    .replace('name: "ingress.no_match"', 'name: "ingress.no_match_v2"');
  assert.notEqual(other, text);
  const otherFile = path.join(dir, 'other.p4info.txtpb');
  fs.writeFileSync(otherFile, other);
  const differing = await target(b, { p4infoFile: otherFile });
  const same = await target(b, { p4infoFile: P4INFO });
  const cookieBefore = differing.state.snapshot().cookie;
  const verify = 'insecure: true\npipeline:\n  mode: verify\n  arch: v1model';
  await commitRepo(b, [verify, verify]);
  const reporter = new RecordingReporter();
  const r = b.reconciler({}, { reporter });
  const [l1, l2] = (await r.sync('test'))!.switches;

  assert.equal(l1!.outcome, 'Failed');
  assert.equal(l1!.error?.code, 'PIPELINE_MISMATCH');
  assert.equal(l1!.error?.leftAt, 'old');
  const msg = l1!.error!.message;
  assert.match(msg, /differs from bundled p4\/flowops_v1model\.p4info\.txtpb in 2 ways/);
  assert.match(msg, /table ingress\.tenant_classify: key vlan_id width 12 → 13/);
  assert.match(msg, /action 0x01000002 renamed ingress\.no_match → ingress\.no_match_v2/);
  assert.match(msg, /flowops writes nothing/);
  assert.equal(tableCount(differing), 0, 'nothing written');
  assert.equal(differing.state.snapshot().cookie, cookieBefore, 'and no pipeline pushed');
  // The same words in the status, the reporter and the logs.
  assert.match(msg, /^pipeline: the switch's P4Info/);
  assert.equal(r.snapshot().switches.leaf1!.lastError, msg);
  assert.equal(reporter.syncs[0]!.switches[0]!.error?.message, msg);
  assert.equal(reporter.syncs[0]!.switches[0]!.error?.reason, 'PipelineFailed');
  assert.equal(r.snapshot().switches.leaf1!.lastReason, 'PipelineFailed');
  const logged = b.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'pipeline check failed; nothing written');
  assert.ok(logged, 'logged');
  assert.deepEqual(logged.differences, ['table ingress.tenant_classify: key vlan_id width 12 → 13', 'action 0x01000002 renamed ingress.no_match → ingress.no_match_v2']);

  assert.equal(l2!.outcome, 'Converged', l2!.error?.message);
  assert.ok(tableCount(same) > 0);
  await r.stop();
});

test('pipeline push: a file from `flowops pipeline pack` is pushed once, with its cookie; a new connection does not push it again', async () => {
  const b = bench();
  const t = await target(b); // no pipeline yet
  const dir = tests.tempDir('pack');
  const json = path.join(dir, 'flowops_v1model.json');
  fs.writeFileSync(json, JSON.stringify({ program: 'flowops_v1model.p4', __meta__: { version: [2, 23] } }));
  const packed = packPipeline(P4INFO, { arch: 'bmv2', bmv2Json: json });
  await commitRepo(b, ['insecure: true\npipeline:\n  mode: push\n  arch: v1model\n  deviceConfig: build/flowops_v1model.fpc'], {
    'build/flowops_v1model.fpc': packed.bytes,
  });
  const r1 = b.reconciler();
  const ev = (await r1.sync('test'))!;
  assert.equal(ev.switches[0]!.outcome, 'Converged', ev.switches[0]!.error?.message);
  assert.equal(t.state.snapshot().cookie, String(packed.cookie), 'the switch runs the packed pipeline, named by its cookie');
  const pushed = await (async () => {
    const c = tests.client({ address: t.address, deviceId: 1n, electionId: 1n });
    return c.getPipeline('ALL');
  })();
  assert.deepEqual(pushed.deviceConfig, packed.deviceConfig, 'the device config inside the packed file was pushed, not the packed file');
  const written = tableCount(t);
  assert.ok(written > 0);
  await r1.stop();

  const r2 = b.reconciler();
  const again = (await r2.sync('test'))!;
  assert.equal(again.switches[0]!.outcome, 'Unchanged', 'same cookie: no push (a push would have emptied the tables)');
  assert.equal(tableCount(t), written);
  assert.ok(!b.logs.some((l) => l.includes('"replica":"r2"') && l.includes('pipeline pushed')));
  assert.ok(b.logs.some((l) => l.includes('"replica":"r1"') && l.includes(formatCookie(packed.cookie))));

  // A commit that changes the pipeline — now a raw BMv2 JSON plus a P4Info from the repo — is pushed on the
  // same connection, and the switch is converged again (the push emptied it).
  const json2 = JSON.stringify({ program: 'flowops_v1model.p4', __meta__: { version: [2, 24] } });
  await commitFiles(b.repo, {
    'targets/leaf1.yaml': fs.readFileSync(path.join(b.repo, 'targets/leaf1.yaml'), 'utf8')
      .replace('deviceConfig: build/flowops_v1model.fpc', 'p4info: p4/flowops_v1model.p4info.txtpb\n    deviceConfig: build/flowops_v1model.json'),
    'p4/flowops_v1model.p4info.txtpb': fs.readFileSync(P4INFO, 'utf8'),
    'build/flowops_v1model.json': json2,
  });
  const third = (await r2.sync('test'))!;
  assert.equal(third.switches[0]!.outcome, 'Converged', third.switches[0]!.error?.message);
  assert.equal(t.state.snapshot().cookie, String(pipelineCookie(loadP4InfoFile(P4INFO), Buffer.from(json2))));
  assert.equal(tableCount(t), written, 'converged again after the push');
  await r2.stop();
});

test('a pipeline file the Target names but the repository lacks rejects the commit, pointing at the Target line', async () => {
  const b = bench();
  const t = await target(b, { p4infoFile: P4INFO });
  await commitRepo(b, ['insecure: true\npipeline:\n  mode: push\n  arch: v1model\n  deviceConfig: build/missing.fpc']);
  const r = b.reconciler();
  const ev = (await r.sync('test'))!;
  assert.equal(ev.problems.length, 1);
  const p = ev.problems[0]!;
  assert.equal(p.code, 'PIPELINE_FILE_NOT_IN_REPO');
  assert.equal(p.field, 'spec.pipeline.deviceConfig');
  assert.equal(p.pos.file, 'targets/leaf1.yaml');
  const line = fs.readFileSync(path.join(b.repo, 'targets/leaf1.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('build/missing.fpc')) + 1;
  assert.equal(p.pos.line, line);
  assert.match(p.message, /pipeline\.deviceConfig build\/missing\.fpc is not in the repository/);
  assert.equal(tableCount(t), 0);
  await r.stop();
});
