// The bundled target enforces Stratum's role config (stratum.P4RoleConfig)
// like its own: writes only to the role's exclusive + shared ids (per-update
// PERMISSION_DENIED elsewhere), Reads scoped to them, exclusive claims that
// clash with a connected role refused at arbitration, and can_push_pipeline
// deciding whether the role may set the pipeline. Real client, real socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4RuntimeClient } from '../../src/p4rt/client.ts';
import { P4RuntimeError, WriteError } from '../../src/p4rt/errors.ts';
import { wildcardAllTables, wildcardMembers, wildcardTable } from '../../src/p4rt/filters.ts';
import {
  decodeStratumRoleConfig,
  encodeStratumRoleConfig,
  encodeStratumRoleConfigAny,
  STRATUM_ROLE_CONFIG_TYPE_URL,
  type StratumRoleConfig,
} from '../../src/proto/stratum-role-config.ts';
import { Code, protoType } from '../../src/proto/load.ts';
import { TestClient } from './fixture.ts';
import { FLOW, P4INFO, POLICY, ROUTE4, SELECTOR, flow, hex, index, member, policy, route } from './role-entities.ts';


let target: RunningTarget;
const clients: P4RuntimeClient[] = [];
const raw: TestClient[] = [];
function client(electionId: bigint, role?: string, cfg?: Partial<StratumRoleConfig>): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: target.address, deviceId: 1n, electionId, role, roleConfig: cfg && encodeStratumRoleConfigAny(cfg) });
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

const stored = (table: string) => target.state.snapshot().tables[table] ?? [];
const denied = (re: RegExp) => (e: unknown) => e instanceof P4RuntimeError && e.grpcCode === Code.PERMISSION_DENIED && re.test(e.message);
const invalidArg = (re: RegExp) => (e: unknown) => e instanceof Error && /INVALID_ARGUMENT/.test(e.message) && re.test(e.message);

test('P4RoleConfig uses Stratum\'s field numbers and wire types, and decodes back', () => {
  const cfg: StratumRoleConfig = {
    exclusiveIds: [1, 300],
    sharedIds: [2],
    packetInFilter: { metadataId: 4, value: Buffer.from([1]) },
    receivesPacketIns: true,
    canPushPipeline: true,
  };
  const bytes = encodeStratumRoleConfig(cfg);
  // 1: packed varints 1, 300 | 2: packed 2 | 3: { 1: 4, 2: 0x01 } | 4: true | 5: true (stratum/public/proto/p4_role_config.proto)
  assert.equal(bytes.toString('hex'), '0a03' + '01ac02' + '120102' + '1a05' + '0804120101' + '2001' + '2801');
  assert.deepEqual(decodeStratumRoleConfig(bytes), cfg);
  const any: any = protoType('google.protobuf.Any').decode(encodeStratumRoleConfigAny(cfg));
  assert.equal(any.type_url, 'type.googleapis.com/stratum.P4RoleConfig');
  assert.deepEqual(Buffer.from(any.value), bytes);
  assert.deepEqual(decodeStratumRoleConfig(Buffer.alloc(0)), { exclusiveIds: [], sharedIds: [], receivesPacketIns: false, canPushPipeline: false });
});

let flowops: P4RuntimeClient;
let routing: P4RuntimeClient;
let mirror: P4RuntimeClient;
let admin: P4RuntimeClient;

test('roles with Stratum configs: each writes its exclusive and shared ids, and nothing else, update by update', async () => {
  admin = client(1n);
  flowops = client(10n, 'flowops', { exclusiveIds: [FLOW, POLICY, SELECTOR] });
  // routing and mirror share the v4 routing table: both may write it.
  routing = client(7n, 'routing', { sharedIds: [ROUTE4] });
  mirror = client(3n, 'mirror', { sharedIds: [ROUTE4] });
  for (const c of [admin, flowops, routing, mirror]) assert.equal((await c.connect()).primary, true);

  await flowops.write([{ type: 'INSERT', entity: flow(1) }, { type: 'INSERT', entity: policy(1) }, { type: 'INSERT', entity: member(1) }]);
  const err = await flowops.write([
    { type: 'INSERT', entity: flow(2) },
    { type: 'INSERT', entity: route(1) },
    { type: 'INSERT', entity: policy(2) },
  ]).then(() => assert.fail('write should fail'), (x: unknown) => x);
  assert.ok(err instanceof WriteError, String(err));
  assert.deepEqual(err.errors.map((e) => e.codeName), ['OK', 'PERMISSION_DENIED', 'OK']);
  assert.match(err.errors[1]!.message, /role 'flowops' may not access ingress\.tenant_route_v4/);
  assert.equal(stored('ingress.tenant_route_v4').length, 0);
  assert.equal(stored('ingress.flow_classify').length, 2);

  await routing.write([{ type: 'INSERT', entity: route(1) }]);
  await mirror.write([{ type: 'INSERT', entity: route(2) }]);
  assert.equal(stored('ingress.tenant_route_v4').length, 2, 'both sharers wrote the shared table');
  const back = await mirror.write([{ type: 'DELETE', entity: flow(1) }, { type: 'INSERT', entity: member(2) }]).then(() => assert.fail('write should fail'), (x: unknown) => x);
  assert.ok(back instanceof WriteError);
  assert.deepEqual(back.errors.map((e) => e.codeName), ['PERMISSION_DENIED', 'PERMISSION_DENIED']);
  assert.equal(stored('ingress.flow_classify').length, 2, "flowops' entries are untouched");
});

test('Read with a Stratum-configured role sees only its ids', async () => {
  assert.deepEqual(hex(await flowops.read([wildcardAllTables()])), hex([flow(1), flow(2), policy(1), policy(2)]));
  assert.deepEqual(hex(await flowops.read([wildcardMembers(0)])), hex([member(1)]));
  assert.deepEqual(hex(await routing.read([wildcardAllTables()])), hex([route(1), route(2)]));
  await assert.rejects(routing.read([wildcardTable(POLICY)]), denied(/may not read ingress\.flow_policy/));
});

test('an exclusive claim clashing with a connected role\'s ids is refused at arbitration, as Stratum does', async () => {
  await assert.rejects(client(20n, 'thief', { exclusiveIds: [POLICY] }).connect(), invalidArg(/exclusive ids overlap role 'flowops's exclusive ids: \d+/));
  await assert.rejects(client(21n, 'owner', { exclusiveIds: [ROUTE4] }).connect(), invalidArg(/exclusive ids overlap role '(routing|mirror)'s shared ids/));
  await assert.rejects(client(22n, 'sharer', { sharedIds: [FLOW] }).connect(), invalidArg(/shared ids overlap role 'flowops's exclusive ids/));
  // Claims that touch nobody else's are fine.
  assert.equal((await client(23n, 'lone', { exclusiveIds: [index.table('ingress.tenant_route_v6').id] }).connect()).primary, true);
  assert.equal(target.state.arbitration.primary('flowops')?.electionId, 10n, 'the refused clients changed nothing for flowops');
});

test('a type URL with another host prefix still names stratum.P4RoleConfig; malformed bytes are refused', async () => {
  const r = new TestClient(target.address, 1, 30);
  raw.push(r);
  const ok = r.arbitrate(30, { role: 'prefixed', roleConfig: { type_url: 'example.net/stratum.P4RoleConfig', value: encodeStratumRoleConfig({ exclusiveIds: [index.table('ingress.nf_steer').id] }) } });
  assert.equal(await ok.latestCode(1), Code.OK);
  assert.equal(target.state.arbitration.primary('prefixed')?.electionId, 30n);
  const r2 = new TestClient(target.address, 1, 31);
  raw.push(r2);
  const bad = r2.arbitrate(31, { role: 'broken', roleConfig: { type_url: STRATUM_ROLE_CONFIG_TYPE_URL, value: Buffer.from([0x0a, 0x05, 0x01]) } });
  await bad.until(() => bad.status, 'stream status');
  assert.equal(bad.status!.code, Code.INVALID_ARGUMENT);
  assert.match(bad.status!.details, /does not decode as stratum\.P4RoleConfig/);
});

test('can_push_pipeline decides whether a role may set the pipeline', async () => {
  await assert.rejects(flowops.setPipeline({ p4info: index.p4info }, 'VERIFY'), denied(/can_push_pipeline/));
  const pusher = client(5n, 'pusher', { canPushPipeline: true });
  assert.equal((await pusher.connect()).primary, true);
  await pusher.setPipeline({ p4info: index.p4info, cookie: 0xabcn }, 'VERIFY_AND_COMMIT');
  assert.equal((await admin.getPipeline('COOKIE_ONLY')).cookie, 0xabcn, "the pusher's pipeline is in force");
  assert.equal(stored('ingress.flow_classify').length, 0, 'a new pipeline starts empty');
});
