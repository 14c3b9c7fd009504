// P4Runtime roles on the bundled target, driven by the real client: a
// role-limited controller cannot touch another role's tables (per-update
// PERMISSION_DENIED), sees only its own entities on Read, cannot replace the
// pipeline; each role has its own primary; clients of a role must agree on
// its config.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';
import { wildcardAllTables, wildcardMembers, wildcardTable } from '../../src/p4rt/filters.ts';
import { encodeRoleConfig, encodeRoleConfigAny, ROLE_CONFIG_TYPE_URL, type RoleConfig } from '../../src/proto/role-config.ts';
import { Code } from '../../src/proto/load.ts';
import { TestClient } from './fixture.ts';
import { P4INFO, POLICY, ROUTE4, flow, hex, index, member, policy, route } from './role-entities.ts';


// flowops owns the flow tables by name; the routing controller names its tables by id, one in hex.
const FLOWOPS_ROLE: Partial<RoleConfig> = { tables: ['ingress.flow_classify', 'ingress.flow_policy', 'ingress.nf_steer'], actionProfiles: ['ingress.nf_selector'] };
const ROUTING_ROLE: Partial<RoleConfig> = { tables: [String(ROUTE4), '0x02000602'] };

let target: RunningTarget;
const clients: P4RuntimeClient[] = [];
const raw: TestClient[] = [];
function client(electionId: bigint, role?: string, cfg?: Partial<RoleConfig>): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: target.address, deviceId: 1n, electionId, role, roleConfig: cfg && encodeRoleConfigAny(cfg) });
  clients.push(c);
  return c;
}

before(async () => {
  target = await startTarget({ p4infoFile: P4INFO });
});
after(async () => {
  for (const c of clients) await c.close();
  for (const r of raw) r.close();
  await target.stop();
});

const stored = (table: string) => target.state.snapshot().tables[table]!;

let flowops: P4RuntimeClient;
let flowopsBackup: P4RuntimeClient;
let routing: P4RuntimeClient;
let admin: P4RuntimeClient;

test('two roles each elect their own primary, independently of the default role', async () => {
  admin = client(1n);
  flowops = client(10n, 'flowops', FLOWOPS_ROLE);
  flowopsBackup = client(5n, 'flowops', FLOWOPS_ROLE);
  routing = client(7n, 'routing', ROUTING_ROLE);
  assert.equal((await admin.connect()).primary, true);
  assert.equal((await flowops.connect()).primary, true);
  assert.deepEqual(await flowopsBackup.connect(), { primary: false, primaryElectionId: 10n });
  assert.equal((await routing.connect()).primary, true, 'routing is primary although flowops has a higher election id');
  assert.equal(target.state.arbitration.primary('flowops')?.electionId, 10n);
  assert.equal(target.state.arbitration.primary('routing')?.electionId, 7n);
  assert.equal(target.state.arbitration.primary('')?.electionId, 1n);
});

test('a role-limited client writes its own tables; updates touching another role\'s table are PERMISSION_DENIED one by one', async () => {
  await flowops.write([{ type: 'INSERT', entity: flow(1) }, { type: 'INSERT', entity: policy(1) }, { type: 'INSERT', entity: member(1) }]);
  const err = await flowops.write([
    { type: 'INSERT', entity: flow(2) },
    { type: 'INSERT', entity: route(1) },
    { type: 'INSERT', entity: policy(2) },
  ]).then(() => assert.fail('write should fail'), (x: unknown) => x);
  assert.ok(err instanceof WriteError, String(err));
  assert.deepEqual(err.errors.map((e) => e.codeName), ['OK', 'PERMISSION_DENIED', 'OK']);
  assert.match(err.errors[1]!.message, /role 'flowops' may not access ingress\.tenant_route_v4/);
  assert.equal(stored('ingress.tenant_route_v4').length, 0, 'nothing reached the routing table');
  assert.equal(stored('ingress.flow_classify').length, 2);

  await routing.write([{ type: 'INSERT', entity: route(1) }]);
  const back = await routing.write([{ type: 'DELETE', entity: flow(1) }]).then(() => assert.fail('write should fail'), (x: unknown) => x);
  assert.ok(back instanceof WriteError);
  assert.equal(back.errors[0]!.codeName, 'PERMISSION_DENIED');
  assert.equal(stored('ingress.flow_classify').length, 2, 'flowops\' entry is still there');
  assert.equal(stored('ingress.tenant_route_v4').length, 1);

  // The backup of the role may not write at all; the default role may write anything.
  await assert.rejects(flowopsBackup.write([{ type: 'INSERT', entity: flow(3) }]), (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === Code.PERMISSION_DENIED);
  await admin.write([{ type: 'INSERT', entity: route(2) }, { type: 'INSERT', entity: flow(3) }]);
});

test('a Write naming a role other than the stream\'s is refused as a whole', async () => {
  const r = new TestClient(target.address, 1, 10);
  raw.push(r);
  const res = await r.write([['INSERT', { table_entry: { table_id: ROUTE4 } }]], { role: 'routing' });
  assert.equal(res.code, Code.PERMISSION_DENIED);
  assert.match(res.details, /not the primary's for role 'routing'/);
});

test('Read with a role returns only that role\'s entities; naming another role\'s table is PERMISSION_DENIED', async () => {
  const mine = await flowops.read([wildcardAllTables()]);
  assert.deepEqual(hex(mine), hex([flow(1), flow(2), flow(3), policy(1), policy(2)]));
  assert.deepEqual(hex(await routing.read([wildcardAllTables()])), hex([route(1), route(2)]));
  assert.equal((await admin.read([wildcardAllTables()])).length, 7);
  assert.deepEqual(hex(await flowops.read([wildcardMembers(0)])), hex([member(1)]));
  assert.deepEqual(await routing.read([wildcardMembers(0)]), [], 'routing has no profiles');
  await assert.rejects(flowops.read([wildcardTable(ROUTE4)]), (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === Code.PERMISSION_DENIED && /may not read ingress\.tenant_route_v4/.test(e.message));
  // A role nobody has arbitrated for has no config to limit it: like the default role, it reads everything.
  const r = new TestClient(target.address);
  raw.push(r);
  assert.equal((await r.read([{ table_entry: { table_id: 0 } }], 'stranger')).length, 7);
  assert.equal((await r.read([{ table_entry: { table_id: POLICY } }], 'flowops')).length, 2, 'a known role can be read by anyone, as roles allow');
});

test('only the default role\'s primary may set the pipeline', async () => {
  await assert.rejects(flowops.setPipeline({ p4info: index.p4info }, 'VERIFY'), (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === Code.PERMISSION_DENIED && /only the primary of the default role/.test(e.message));
  await admin.setPipeline({ p4info: index.p4info }, 'VERIFY');
  assert.equal(stored('ingress.flow_classify').length, 3, 'VERIFY left the tables alone');
});

test('clients of one role must send the same config; a config of another type is refused', async () => {
  const r = new TestClient(target.address, 1, 3);
  raw.push(r);
  const other = r.arbitrate(3, { role: 'flowops', roleConfig: { type_url: ROLE_CONFIG_TYPE_URL, value: encodeRoleConfig({ tables: ['ingress.tenant_route_v4'] }) } });
  await other.until(() => other.status, 'stream status');
  assert.equal(other.status!.code, Code.INVALID_ARGUMENT);
  const r2 = new TestClient(target.address, 1, 3);
  raw.push(r2);
  // stratum.P4RoleConfig is understood too (test/target/roles-stratum.test.ts); a type neither format names is not.
  const wrongType = r2.arbitrate(3, { role: 'x', roleConfig: { type_url: 'type.googleapis.com/acme.RoleConfig', value: Buffer.alloc(0) } });
  await wrongType.until(() => wrongType.status, 'stream status');
  assert.equal(wrongType.status!.code, Code.INVALID_ARGUMENT);
  assert.match(wrongType.status!.details, /understands type\.googleapis\.com\/flowops\.v1\.RoleConfig/);
});

test('when a role\'s primary leaves, its backup takes over; the other role is untouched', async () => {
  const promoted = new Promise((resolve) => flowopsBackup.once('primary', resolve));
  await flowops.close();
  await promoted;
  assert.equal(flowopsBackup.isPrimary, true);
  assert.equal(routing.isPrimary, true);
  await flowopsBackup.write([{ type: 'DELETE', entity: flow(1) }]);
  assert.equal(stored('ingress.flow_classify').length, 2);
});
