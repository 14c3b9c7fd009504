// The reconciler as a P4Runtime role, in both role-config formats it speaks:
// flowops.v1.RoleConfig (tables and profiles by name; the default) and
// Stratum's P4RoleConfig (`roleConfig.format: stratum`: P4Info ids, all
// exclusive, can_push_pipeline). Each scenario is one test body run over a
// table of rows: the format, what the switch must enforce, the role config the
// switch must have received, and the outcome. Real sockets to the bundled
// target, a real git repository.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { P4INFO, entityCount } from '../helpers/reconcile-env.ts';
import type { FlowDef } from '../helpers/spec-repo.ts';
import { commitFiles } from '../helpers/git-repo.ts';
import type { RunningTarget } from '../../src/target/server.ts';
import type { RoleDescription } from '../../src/target/roles.ts';
import type { SwitchConnection } from '../../src/reconcile/switch.ts';
import type { Update } from '../../src/apply/session.ts';
import { codeName } from '../../src/proto/load.ts';
import { OPS_TABLE, OPS_TABLE_ID, SwitchTests, capturing, sharedP4Info, startBenchTarget } from '../helpers/ops-role.ts';
import { encodeRoleConfigAny } from '../../src/proto/role-config.ts';
import { encodeStratumRoleConfigAny } from '../../src/proto/stratum-role-config.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildTableEntry } from '../../src/p4info/entity-build.ts';
import { encodeTableEntry } from '../../src/p4info/entity-encode.ts';

const flows: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432], qos: 'silver' },
];

const tests = new SwitchTests(flows);
after(() => tests.close());
const bench = () => tests.bench();
const commitRepo = tests.commit.bind(tests);
const target = startBenchTarget;

/** P4Info ids of the tables and action profiles holding entries on `t`, the ops table aside: what flowops wrote. */
function writtenIds(t: RunningTarget, index: P4InfoIndex): number[] {
  const snap = t.state.snapshot();
  const tables = Object.entries(snap.tables).filter(([name, l]) => name !== OPS_TABLE && l.length).map(([name]) => index.table(name).id);
  const profiles = Object.entries(snap.members).filter(([, l]) => l.length).map(([name]) => index.actionProfile(name).id);
  return [...tables, ...profiles];
}

/** A role-config format: the Target's lines that pick it, and how another controller claims a table in it. */
interface Format {
  name: 'flowops' | 'stratum';
  /** `roleConfig` lines of the Target (flowops' own format needs none). */
  lines: string;
  /** The other controller's role config, owning OPS_TABLE. */
  opsClaim: Buffer;
}
const FLOWOPS: Format = { name: 'flowops', lines: '', opsClaim: encodeRoleConfigAny({ tables: [OPS_TABLE] }) };
const STRATUM: Format = { name: 'stratum', lines: 'roleConfig:\n  format: stratum', opsClaim: encodeStratumRoleConfigAny({ exclusiveIds: [OPS_TABLE_ID] }) };
const FORMATS = [FLOWOPS, STRATUM];

/** What the switch must hold as flowops' role config, read in the row's format. */
interface Claim {
  /** P4Info ids flowops claimed. */
  ids: number[];
  canPushPipeline: boolean;
}

/** Reads flowops' role description off the switch, asserting the format and its format-specific fields. */
function claimOnWire(format: Format['name'], desc: RoleDescription | null | undefined, index: P4InfoIndex): Claim {
  assert.equal(desc?.format, format, `the switch holds a ${format} role config for flowops`);
  if (desc!.format === 'stratum') {
    const c = desc!.config;
    assert.deepEqual(c.sharedIds, [], 'nothing in shared_p4_ids: flowops claims exclusively');
    assert.equal(c.receivesPacketIns, false);
    return { ids: c.exclusiveIds, canPushPipeline: c.canPushPipeline };
  }
  const c = desc!.config;
  // Ours names tables and profiles (readable in the switch's logs); the switch resolves them to ids.
  for (const n of [...c.tables, ...c.actionProfiles]) assert.match(n, /^(ingress|egress)\.\w+$/, `role config names ${n}, not an id`);
  assert.equal(c.receivesPacketIns, false);
  return { ids: [...c.tables.map((n) => index.table(n).id), ...c.actionProfiles.map((n) => index.actionProfile(n).id)], canPushPipeline: false };
}

// ── Beside another controller's role ──────────────────────────────────────────
// The switch must enforce: flowops may not write or delete in the other role's
// table, and flowops' prune leaves that table alone.
const besideRows = [
  { name: 'flowops.v1.RoleConfig', format: FLOWOPS, outcome: 'Converged' },
  { name: 'stratum.P4RoleConfig (roleConfig.format: stratum)', format: STRATUM, outcome: 'Converged' },
] as const;

for (const row of besideRows) {
  test(`role in ${row.name}: flowops claims the tables it writes, converges beside another role that owns a table, cannot touch that table, and prune leaves it alone`, async () => {
    const b = bench();
    const dir = tests.tempDir('shared-p4info');
    const p4infoFile = path.join(dir, 'shared.p4info.txtpb');
    fs.writeFileSync(p4infoFile, sharedP4Info());
    const t = await target(b, { p4infoFile });
    const index = P4InfoIndex.fromFile(p4infoFile);

    // The other controller: role "ops", primary of its role, claims ingress.ops_mirror in the same format.
    const ops = tests.client({ address: t.address, deviceId: 1n, electionId: 1n, role: 'ops', roleConfig: row.format.opsClaim });
    assert.equal((await ops.connect()).primary, true);
    const opsEntry = encodeTableEntry(buildTableEntry(index, { table: OPS_TABLE, match: { vni: 5000 }, action: { name: 'ingress.drop' } }));
    await ops.write([{ type: 'INSERT', entity: opsEntry }]);

    await commitRepo(b, [`insecure: true\nrole: flowops\n${row.format.lines}\npipeline:\n  mode: verify\n  arch: v1model\n  p4info: pipeline/shared.p4info.txtpb`], {
      'pipeline/shared.p4info.txtpb': sharedP4Info(),
    });
    const conns: SwitchConnection[] = [];
    const r = b.reconciler({ prune: true }, { connect: capturing(conns) });
    const ev = (await r.sync('test'))!;
    assert.equal(ev.switches[0]!.outcome, row.outcome, ev.switches[0]!.error?.message);

    // On the wire: every table and profile flowops wrote is claimed, the other role's table is not.
    const claim = claimOnWire(row.format.name, t.state.arbitration.roleDescription('flowops'), index);
    assert.equal(claim.canPushPipeline, false);
    const written = writtenIds(t, index);
    assert.ok(written.length >= 3, `flowops wrote several tables and profiles: ${written}`);
    for (const id of written) assert.ok(claim.ids.includes(id), `${id} is in flowops' role config`);
    assert.ok(!claim.ids.includes(OPS_TABLE_ID), 'the ops table is not claimed');

    const snap = t.state.snapshot();
    assert.deepEqual(snap.tables[OPS_TABLE], [opsEntry.toString('hex')], "the other role's entry survived flowops' prune");
    assert.ok(entityCount(snap) > 10, 'flowops wrote its tables');
    assert.equal(t.state.arbitration.primary('flowops')?.electionId, 100n, 'flowops is primary of its own role');
    assert.equal(t.state.arbitration.primary('ops')?.electionId, 1n, 'and the other controller stays primary of its role');

    // flowops' own connection, as the role it arbitrated with: the switch refuses the other role's table,
    // one update at a time and in one batch (one PERMISSION_DENIED per update).
    const mine = encodeTableEntry(buildTableEntry(index, { table: OPS_TABLE, match: { vni: 6000 }, action: { name: 'ingress.drop' } }));
    const refused = async (updates: Update[]) => {
      const o = await conns[0]!.write(updates);
      return !o.ok && o.kind === 'per-update' ? o.updates.map((x) => codeName(x.code)) : o;
    };
    assert.deepEqual(await refused([{ type: 'INSERT', entity: mine }]), ['PERMISSION_DENIED']);
    assert.deepEqual(await refused([{ type: 'DELETE', entity: opsEntry }]), ['PERMISSION_DENIED']);
    assert.deepEqual(await refused([{ type: 'INSERT', entity: mine }, { type: 'DELETE', entity: opsEntry }]), ['PERMISSION_DENIED', 'PERMISSION_DENIED']);
    assert.deepEqual(t.state.snapshot().tables[OPS_TABLE], [opsEntry.toString('hex')]);

    const again = (await r.sync('test', { force: true }))!;
    assert.equal(again.switches[0]!.outcome, 'Unchanged', "the other role's table is not flowops' drift");
    await r.stop();
  });
}

// ── pipeline.mode push as a role ──────────────────────────────────────────────
// The switch runs another pipeline; it must let a role push only when its
// config says can_push_pipeline (only Stratum's format can say so).
const pushRows = [
  {
    name: 'flowops.v1.RoleConfig: refused, and the refusal says why',
    format: FLOWOPS, lines: '', canPushPipeline: false, outcome: 'Failed',
    message: /role 'flowops' may not set the pipeline \(only the default role can\); use pipeline\.mode: verify/,
  },
  {
    name: 'stratum.P4RoleConfig without canPushPipeline: refused, and the refusal names the setting',
    format: STRATUM, lines: '', canPushPipeline: false, outcome: 'Failed',
    message: /canPushPipeline: true/,
  },
  {
    name: 'stratum.P4RoleConfig with canPushPipeline: true: pushed, then converged',
    format: STRATUM, lines: '\n  canPushPipeline: true', canPushPipeline: true, outcome: 'Converged',
    message: undefined,
  },
] as const;

for (const row of pushRows) {
  test(`role with pipeline.mode push, ${row.name}`, async () => {
    const b = bench();
    const t = await target(b, { p4infoFile: P4INFO });
    const before = t.state.snapshot().cookie;
    await commitRepo(b, [`insecure: true\nrole: flowops\npipeline:\n  mode: push\n  arch: v1model\n${row.format.lines}${row.lines}`]);
    const r = b.reconciler();
    const sw = (await r.sync('test'))!.switches[0]!;
    assert.equal(sw.outcome, row.outcome, sw.error?.message);

    const claim = claimOnWire(row.format.name, t.state.arbitration.roleDescription('flowops'), P4InfoIndex.fromFile(P4INFO));
    assert.equal(claim.canPushPipeline, row.canPushPipeline, 'can_push_pipeline on the wire');

    const cookie = t.state.snapshot().cookie;
    if (row.message) {
      assert.equal(sw.error?.code, 'PIPELINE_PUSH_DENIED');
      assert.equal(sw.error?.reason, 'PipelineFailed');
      assert.match(sw.error!.message, row.message);
      assert.equal(cookie, before, 'the refused switch keeps its pipeline');
      assert.equal(entityCount(t.state.snapshot()), 0, 'nothing written');
    } else {
      assert.equal(sw.error, undefined);
      assert.ok(cookie !== null && cookie !== before, `the role pushed its pipeline, with flowops' cookie (${before} → ${cookie})`);
      assert.ok(entityCount(t.state.snapshot()) > 0, 'and converged the switch after the push');
    }
    await r.stop();
  });
}

// ── Per format: a 1.3 switch, and a role added by a commit ────────────────────
for (const format of FORMATS) {
  test(`role (${format.name} format) on a P4Runtime 1.3 switch: refused before arbitration, nothing written`, async () => {
    const b = bench();
    const t = await target(b, { p4infoFile: P4INFO, quirks: ['api-1.3'] });
    await commitRepo(b, [`insecure: true\nrole: flowops\n${format.lines}`]);
    const r = b.reconciler();
    const sw = (await r.sync('test'))!.switches[0]!;
    assert.equal(sw.outcome, 'Failed');
    assert.equal(sw.error?.code, 'ROLE_UNSUPPORTED');
    assert.match(sw.error!.message, /speaks P4Runtime 1\.3\.0; role names need 1\.4 or later/);
    assert.equal(t.state.arbitration.primary(''), undefined, 'it never became primary of the default role');
    assert.equal(entityCount(t.state.snapshot()), 0);
    await r.stop();
  });

  test(`a commit that gives the Target a role (${format.name} format) makes flowops arbitrate again, as that role`, async () => {
    const b = bench();
    const t = await target(b, { p4infoFile: P4INFO });
    await commitRepo(b, ['insecure: true']);
    const r = b.reconciler();
    assert.equal((await r.sync('test'))!.switches[0]!.outcome, 'Converged');
    assert.equal(t.state.arbitration.primary('')?.electionId, 100n);
    assert.equal(t.state.arbitration.roleDescription('flowops'), undefined, 'no role yet');
    const yaml = fs.readFileSync(path.join(b.repo, 'targets/leaf1.yaml'), 'utf8');
    const roleLines = ['role: flowops', ...format.lines.split('\n').filter(Boolean), 'pipeline: { mode: verify, arch: v1model }'];
    await commitFiles(b.repo, { 'targets/leaf1.yaml': yaml.replace('  insecure: true\n', `  insecure: true\n${roleLines.map((l) => `  ${l}\n`).join('')}`) });
    const ev = (await r.sync('test'))!;
    assert.equal(ev.switches[0]!.outcome, 'Unchanged', ev.switches[0]!.error?.message);
    assert.equal(t.state.arbitration.primary('flowops')?.electionId, 100n, 'primary of its role now');
    assert.equal(t.state.arbitration.primary(''), undefined, 'and no longer holding the default role');
    const claim = claimOnWire(format.name, t.state.arbitration.roleDescription('flowops'), P4InfoIndex.fromFile(P4INFO));
    const written = writtenIds(t, P4InfoIndex.fromFile(P4INFO));
    assert.ok(written.length >= 3, `the first sync wrote several tables and profiles: ${written}`);
    for (const id of written) assert.ok(claim.ids.includes(id), `${id} is in flowops' role config`);
    await r.stop();
  });
}
