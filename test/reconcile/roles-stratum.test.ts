// The reconciler with `roleConfig.format: stratum`: flowops arbitrates with
// Stratum's P4RoleConfig (its managed tables and profiles as exclusive ids),
// converges beside another controller's role without touching that role's
// table, and pushes the pipeline only when the config says canPushPipeline.
// Real sockets to the bundled target, a real git repository.
import { codeName } from '../../src/proto/load.ts';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Bench, P4INFO, entityCount } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { tempDir } from '../helpers/git-repo.ts';
import type { SwitchConnection } from '../../src/reconcile/switch.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { OPS_TABLE, OPS_TABLE_ID, capturing, sharedP4Info, commitTargetsRepo, startBenchTarget } from '../helpers/ops-role.ts';
import { encodeStratumRoleConfigAny } from '../../src/proto/stratum-role-config.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildTableEntry } from '../../src/p4info/entity-build.ts';
import { encodeTableEntry } from '../../src/p4info/entity-encode.ts';

const flows: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'silver' },
];

const benches: Bench[] = [];
const clients: P4RuntimeClient[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const b of benches) await b.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function bench(): Bench {
  const b = new Bench();
  benches.push(b);
  return b;
}

const target = startBenchTarget;
const commitRepo = (b: Bench, spec: string[], extra?: Record<string, string | Buffer>) => commitTargetsRepo(b, flows, spec, extra);

/** The default factory, keeping each handle so a test can write through flowops' own connection. */


test('roleConfig.format stratum: flowops claims its tables exclusively in a P4RoleConfig, converges, and cannot touch the other role\'s table', async () => {
  const b = bench();
  const dir = tempDir('stratum-role');
  dirs.push(dir);
  const p4infoFile = path.join(dir, 'shared.p4info.txtpb');
  fs.writeFileSync(p4infoFile, sharedP4Info());
  const t = await target(b, { p4infoFile });
  const index = P4InfoIndex.fromFile(p4infoFile);

  // The other controller, role "ops", speaks Stratum's format too and owns ingress.ops_mirror exclusively.
  const ops = new P4RuntimeClient({ address: t.address, deviceId: 1n, electionId: 1n, role: 'ops', roleConfig: encodeStratumRoleConfigAny({ exclusiveIds: [OPS_TABLE_ID] }) });
  clients.push(ops);
  assert.equal((await ops.connect()).primary, true);
  const opsEntry = encodeTableEntry(buildTableEntry(index, { table: OPS_TABLE, match: { vni: 5000 }, action: { name: 'ingress.drop' } }));
  await ops.write([{ type: 'INSERT', entity: opsEntry }]);

  await commitRepo(b, ['insecure: true\nrole: flowops\nroleConfig:\n  format: stratum\npipeline:\n  mode: verify\n  arch: v1model\n  p4info: pipeline/shared.p4info.txtpb'], {
    'pipeline/shared.p4info.txtpb': sharedP4Info(),
  });
  const handles: SwitchConnection[] = [];
  const r = b.reconciler({ prune: true }, { connect: capturing(handles) });
  const ev = (await r.sync('test'))!;
  assert.equal(ev.switches[0]!.outcome, 'Converged', ev.switches[0]!.error?.message);

  // What the switch received: Stratum's message, every table/profile flowops wrote as an exclusive id.
  const desc = t.state.arbitration.roleDescription('flowops');
  assert.equal(desc?.format, 'stratum');
  const claimed = desc!.format === 'stratum' ? desc!.config : assert.fail('not a Stratum config');
  assert.deepEqual(claimed.sharedIds, []);
  assert.equal(claimed.canPushPipeline, false);
  const snap = t.state.snapshot();
  const written = Object.entries(snap.tables).filter(([name, l]) => name !== OPS_TABLE && l.length).map(([name]) => index.table(name).id);
  assert.ok(written.length >= 3, `flowops wrote several tables: ${written}`);
  for (const id of written) assert.ok(claimed.exclusiveIds.includes(id), `table ${id} is in exclusive_p4_ids`);
  assert.ok(!claimed.exclusiveIds.includes(OPS_TABLE_ID));
  assert.ok(entityCount(snap) > 10, 'flowops wrote its tables');
  assert.deepEqual(snap.tables[OPS_TABLE], [opsEntry.toString('hex')], "the other role's entry survived flowops' prune");

  // Through flowops' own connection: the switch refuses the other role's table.
  const mine = encodeTableEntry(buildTableEntry(index, { table: OPS_TABLE, match: { vni: 6000 }, action: { name: 'ingress.drop' } }));
  const err = await handles[0]!.write([{ type: 'INSERT', entity: mine }, { type: 'DELETE', entity: opsEntry }]);
  assert.ok(!err.ok && err.kind === 'per-update', JSON.stringify(err));
  assert.deepEqual(err.updates.map((e) => codeName(e.code)), ['PERMISSION_DENIED', 'PERMISSION_DENIED']);
  assert.deepEqual(t.state.snapshot().tables[OPS_TABLE], [opsEntry.toString('hex')]);

  const again = (await r.sync('test', { force: true }))!;
  assert.equal(again.switches[0]!.outcome, 'Unchanged', "the other role's table is not flowops' drift");
  await r.stop();
});

test('roleConfig.format stratum with pipeline.mode push: pushed only when canPushPipeline says so', async () => {
  const b = bench();
  const allowed = await target(b, { p4infoFile: P4INFO });
  const refused = await target(b, { p4infoFile: P4INFO });
  const refusedCookie = refused.state.snapshot().cookie;
  const allowedCookie = allowed.state.snapshot().cookie;
  const push = 'insecure: true\nrole: flowops\npipeline:\n  mode: push\n  arch: v1model';
  await commitRepo(b, [`${push}\nroleConfig:\n  format: stratum\n  canPushPipeline: true`, `${push}\nroleConfig:\n  format: stratum`]);
  const r = b.reconciler();
  const [l1, l2] = (await r.sync('test'))!.switches;
  assert.equal(l1!.outcome, 'Converged', l1!.error?.message);
  const pushed = allowed.state.snapshot().cookie;
  assert.ok(pushed !== null && pushed !== allowedCookie, `the role pushed its pipeline, with flowops' cookie (${allowedCookie} → ${pushed})`);
  assert.ok(entityCount(allowed.state.snapshot()) > 0);
  assert.equal(l2!.outcome, 'Failed');
  assert.equal(l2!.error?.code, 'PIPELINE_PUSH_DENIED');
  assert.match(l2!.error!.message, /canPushPipeline: true/);
  assert.equal(refused.state.snapshot().cookie, refusedCookie, 'the refused switch keeps its pipeline');
  assert.equal(entityCount(refused.state.snapshot()), 0);
  await r.stop();
});
