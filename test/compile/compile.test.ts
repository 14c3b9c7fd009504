// The compiler on a small hand-written repo (expected entries stated from the
// spec values) and on the example repo (every table gets entries).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compile, compileAll, serviceClassIds, nfIds, memberName, groupName, KEY_CLASH } from '../../src/compile/compile.ts';
import { writeRank } from '../../src/compile/order.ts';
import { TABLES, PROFILES } from '../../src/compile/tables.ts';
import type { DesiredState } from '../../src/compile/types.ts';
import { buildTableEntry, encodeTableEntry, buildMember, encodeMember, buildGroup, encodeGroup, type TableEntrySpec, parseEntity } from '../../src/p4info/entity.ts';
import { bytesToNumber } from '../../src/p4info/bytes.ts';
import { assignFlowIds } from '../../src/specs/flow-id.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { FlowopsError, SpecErrors } from '../../src/shared/errors.ts';
import { shopRepo, loadValid, v1model, NOW, FLOWS, SERVICES, TENANT, EXAMPLE_REPO } from './fixture.ts';

const index = v1model();
const specs = loadValid(shopRepo());
const state = compile(specs, index, 'leaf1', { now: NOW });
const flowIds = assignFlowIds(specs);
const fid = (name: string) => flowIds.get(`shop/${name}`)!.id;
const classes = serviceClassIds(specs.services).get('shop')!;
const cls = (name: string) => classes.get(name)!;

function hasEntry(s: DesiredState, spec: TableEntrySpec): boolean {
  const want = encodeTableEntry(buildTableEntry(index, spec));
  return s.entries.some((e) => e.bytes.equals(want));
}
function flowIdOf(bytes: Buffer): number {
  const p = parseEntity(bytes);
  assert.equal(p.kind, 'table_entry');
  const m = (p as Extract<typeof p, { kind: 'table_entry' }>).entry.match[0].m;
  assert.equal(m.kind, 'exact');
  return bytesToNumber((m as { value: Buffer }).value);
}
function entriesOf(s: DesiredState, table: string) {
  return s.entries.filter((e) => e.table === table);
}

describe('compile: shop repo', () => {
  test('tenant_classify: one entry per target port with the tenant vlan; (underlay port, vni) entries; tenant rate', () => {
    for (const port of [3, 4]) {
      assert.ok(hasEntry(state, { table: TABLES.tenantClassify.name, match: { ingress_port: port, vlan_id: 70 }, action: { name: 'ingress.set_tenant', params: { tenant_id: 7 } } }));
    }
    assert.equal(entriesOf(state, TABLES.tenantClassify.name).length, 2);
    for (const port of [9, 10]) {
      assert.ok(hasEntry(state, { table: TABLES.tenantClassifyVni.name, match: { ingress_port: port, vni: 7000 }, action: { name: 'ingress.set_tenant', params: { tenant_id: 7 } } }));
    }
    // Only underlay ports: the VNI on an access port has no entry, so it drops.
    assert.equal(entriesOf(state, TABLES.tenantClassifyVni.name).length, 2);
    // 1Gbps = 125 MB/s; 2MB = 2·10^6 bytes
    assert.ok(hasEntry(state, { table: TABLES.tenantRate.name, match: { tenant_id: 7 }, action: { name: 'egress.police', params: {} }, meterConfig: { cir: 125_000_000, cburst: 2_000_000, pir: 125_000_000, pburst: 2_000_000 } }));
    assert.equal(entriesOf(state, TABLES.tenantRate.name).length, 1);
  });

  test('a target without underlay ports accepts no VXLAN: no tenant_classify_vni entries', () => {
    const files = shopRepo();
    files.set('targets/leaf1.yaml', files.get('targets/leaf1.yaml')!.replace('  underlay: { ports: [9, 10] }\n', ''));
    assert.equal(entriesOf(compile(loadValid(files), index, 'leaf1', { now: NOW }), TABLES.tenantClassifyVni.name).length, 0);
  });

  test('an underlay port that is also an access port is refused at its line', () => {
    const files = shopRepo();
    files.set('targets/leaf1.yaml', files.get('targets/leaf1.yaml')!.replace('ports: [9, 10]', 'ports: [9, 4]'));
    const { errors } = loadSpecs(files, { now: NOW, expired: 'drop' });
    assert.equal(errors.length, 1);
    assert.match(errors[0].toString(), /^targets\/leaf1\.yaml:8:\d+ spec\.underlay\.ports\[1\]: port 4 is an access port of tenant shop/);
  });

  test('services: src and dst entries per address, v4 and v6, one class id per service', () => {
    const ids = new Set([cls('web'), cls('api'), cls('db')]);
    assert.equal(ids.size, 3);
    for (const id of ids) assert.ok(id >= 1 && id <= 0xffff);
    for (const [src, dst, addr, len, svc] of [
      [TABLES.srcServiceV4, TABLES.dstServiceV4, '10.7.1.0', 24, 'web'],
      [TABLES.srcServiceV6, TABLES.dstServiceV6, '2001:db8:7:1::', 64, 'web'],
      [TABLES.srcServiceV4, TABLES.dstServiceV4, '10.7.3.10', 32, 'db'],
    ] as const) {
      assert.ok(hasEntry(state, { table: src.name, match: { tenant_id: 7, src_addr: { lpm: [addr, len] } }, action: { name: 'ingress.set_src_service', params: { service_id: cls(svc) } } }), `${svc} src ${addr}`);
      assert.ok(hasEntry(state, { table: dst.name, match: { tenant_id: 7, dst_addr: { lpm: [addr, len] } }, action: { name: 'ingress.set_dst_service', params: { service_id: cls(svc) } } }), `${svc} dst ${addr}`);
    }
    assert.equal(entriesOf(state, TABLES.srcServiceV4.name).length, 3);
    assert.equal(entriesOf(state, TABLES.srcServiceV6.name).length, 1);
  });

  test('flow_policy: qos → qid, rateLimit → meter with cir=pir in bytes/s and bursts in bytes', () => {
    assert.ok(
      hasEntry(state, {
        table: TABLES.flowPolicy.name,
        match: { flow_id: fid('web-to-db') },
        action: { name: 'ingress.allow', params: { qid: 3 } },
        // 100Mbps = 12.5 MB/s; 1MB = 10^6 bytes
        meterConfig: { cir: 12_500_000, cburst: 1_000_000, pir: 12_500_000, pburst: 1_000_000 },
      }),
    );
    assert.ok(hasEntry(state, { table: TABLES.flowPolicy.name, match: { flow_id: fid('ping-db') }, action: { name: 'ingress.allow', params: { qid: 0 } } }));
  });

  test('flow_classify: role selector × port range expanded; icmp on port 0', () => {
    const fc = (src: string, dst: string, proto: number, port: number, flow: string) =>
      hasEntry(state, {
        table: TABLES.flowClassify.name,
        match: { tenant_id: 7, src_service: cls(src), dst_service: cls(dst), ip_proto: proto, l4_dst_port: port },
        action: { name: 'ingress.set_flow', params: { flow_id: fid(flow) } },
      });
    const fr = (src: string, value: number, mask: number, priority: number) =>
      hasEntry(state, {
        table: TABLES.flowClassifyRange.name,
        match: { tenant_id: 7, src_service: cls(src), dst_service: cls('api'), ip_proto: 6, l4_dst_port: { ternary: [value, mask] } },
        priority,
        action: { name: 'ingress.set_flow', params: { flow_id: fid('frontends-to-api') } },
      });
    // 8000-8002 is a range: its prefix cover 8000/15 (8000-8001) and 8002/16, in the TCAM table.
    for (const src of ['web', 'api']) {
      assert.ok(fr(src, 8000, 0xfffe, 16), `${src} 8000/15`);
      assert.ok(fr(src, 8002, 0xffff, 17), `${src} 8002/16`);
    }
    assert.equal(entriesOf(state, TABLES.flowClassifyRange.name).length, 4);
    assert.ok(fc('web', 'db', 6, 5432, 'web-to-db'));
    assert.ok(fc('web', 'db', 1, 0, 'ping-db'));
    assert.equal(entriesOf(state, TABLES.flowClassify.name).length, 1 + 1);
  });

  test('esp flows classify as protocol 50, port 0', () => {
    const files = shopRepo();
    files.set('tenants/shop/esp.yaml', `apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: web-esp, tenant: shop }
spec:
  from: { service: web }
  to: { service: api }
  protocol: esp
  action: allow
`);
    const s = loadValid(files);
    const st = compile(s, index, 'leaf1', { now: NOW });
    const id = assignFlowIds(s).get('shop/web-esp')!.id;
    assert.ok(hasEntry(st, { table: TABLES.flowClassify.name, match: { tenant_id: 7, src_service: cls('web'), dst_service: cls('api'), ip_proto: 50, l4_dst_port: 0 }, action: { name: 'ingress.set_flow', params: { flow_id: id } } }));
  });

  test('expired flows are left out by compile itself, and are in when `now` is before their expiry', () => {
    const before = new Date('2025-12-01T00:00:00Z');
    const withOld = loadValid(shopRepo(), before); // still holds old-access
    const old = assignFlowIds(withOld).get('shop/old-access')!.id;
    const policy = { table: TABLES.flowPolicy.name, match: { flow_id: old }, action: { name: 'ingress.allow', params: { qid: 0 } } };
    assert.ok(hasEntry(compile(withOld, index, 'leaf1', { now: before }), policy));
    const later = compile(withOld, index, 'leaf1', { now: NOW });
    assert.ok(!hasEntry(later, policy));
    assert.ok(!entriesOf(later, TABLES.flowPolicy.name).some((e) => flowIdOf(e.bytes) === old));
    assert.deepEqual(later.entries.map((e) => e.key), state.entries.map((e) => e.key));
  });

  test('nf steering: members per instance, a weighted group per (tenant, function), nf_steer → group', () => {
    const { memberIds, groupIds } = nfIds(specs.tenants);
    const a = memberIds.get(memberName('shop', 'firewall', 'fw-a'))!;
    const b = memberIds.get(memberName('shop', 'firewall', 'fw-b'))!;
    const g = groupIds.get(groupName('shop', 'firewall'))!;
    const p = PROFILES.nfSelector.name;
    const has = (bytes: Buffer) => state.entries.some((e) => e.bytes.equals(bytes));
    assert.ok(has(encodeMember(buildMember(index, { profile: p, memberId: a, action: { name: 'ingress.to_nf', params: { port: 20, dmac: '02:00:00:00:0f:0a' } } }))));
    assert.ok(has(encodeMember(buildMember(index, { profile: p, memberId: b, action: { name: 'ingress.to_nf', params: { port: 21, dmac: '02:00:00:00:0f:0b' } } }))));
    assert.ok(has(encodeGroup(buildGroup(index, { profile: p, groupId: g, members: [{ memberId: a, weight: 1 }, { memberId: b, weight: 3 }] }))));
    assert.ok(hasEntry(state, { table: TABLES.nfSteer.name, match: { flow_id: fid('frontends-to-api') }, action: { groupId: g } }));
    assert.equal(entriesOf(state, TABLES.nfSteer.name).length, 1);
  });

  test('every entry carries the spec line it came from', () => {
    const line = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
    for (const e of state.entries) assert.ok(e.origin.file && e.origin.line >= 1);
    const steer = entriesOf(state, TABLES.nfSteer.name)[0];
    assert.deepEqual(steer.origin, { kind: 'flow', name: 'shop/frontends-to-api', file: 'tenants/shop/flows.yaml', line: line(FLOWS, 'apiVersion: flowops.dev/v1\nkind: Flow\nmetadata: { name: frontends-to-api') });
    const db = entriesOf(state, TABLES.srcServiceV4.name).filter((e) => e.origin.name === 'shop/db');
    assert.equal(db.length, 1);
    assert.equal(db[0].origin.line, line(SERVICES, 'apiVersion: flowops.dev/v1\nkind: Service\nmetadata: { name: db'));
    const tc = entriesOf(state, TABLES.tenantClassify.name)[0];
    assert.deepEqual([tc.origin.kind, tc.origin.name, tc.origin.file], ['tenant', 'shop', 'targets/leaf1.yaml']);
  });

  test('output is in canonical order with unique keys; managed ids are the P4Info ids', () => {
    // Make order: write rank ascending (within a rank, the order the specs give).
    const ranks = state.entries.map((e) => writeRank(e.kind, e.table));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    assert.ok(new Set(ranks).size >= 5);
    assert.equal(new Set(state.entries.map((e) => e.key)).size, state.entries.length);
    assert.deepEqual(state.managedTableIds.slice().sort(), [0x02000101, 0x02000102, 0x02000201, 0x02000202, 0x02000203, 0x02000204, 0x02000301, 0x02000302, 0x02000401, 0x02000501, 0x02000601, 0x02000602, 0x02000701].sort());
    assert.deepEqual(state.managedProfileIds, [0x11757225]);
  });

  test('compiling twice gives identical bytes', () => {
    const again = compile(loadValid(shopRepo()), index, 'leaf1', { now: NOW });
    assert.deepEqual(again.entries.map((e) => e.bytes.toString('hex')), state.entries.map((e) => e.bytes.toString('hex')));
  });

  test('an unknown target is a typed error', () => {
    assert.throws(() => compile(specs, index, 'nope', { now: NOW }), (e: unknown) => e instanceof FlowopsError && e.code === 'TARGET_NOT_FOUND');
  });
});

describe('compile: stability of derived ids', () => {
  test('adding a service does not renumber the others', () => {
    const files = shopRepo();
    files.set('tenants/shop/more.yaml', SERVICES.replace(/name: (web|api|db)/g, 'name: $1-2').replace(/10\.7\./g, '10.7.10').replace('2001:db8:7:1::', '2001:db8:7:2::'));
    const bigger = serviceClassIds(loadValid(files).services).get('shop')!;
    for (const n of ['web', 'api', 'db']) assert.equal(bigger.get(n), cls(n));
    assert.equal(new Set(bigger.values()).size, 6);
  });

  test('adding an NF instance keeps the other members and the group id', () => {
    const files = shopRepo();
    files.set('tenants/shop/tenant.yaml', TENANT.replace('        - { name: fw-b', '        - { name: fw-c, port: 22, mac: "02:00:00:00:0f:0c" }\n        - { name: fw-b'));
    const after = nfIds(loadValid(files).tenants);
    const before = nfIds(specs.tenants);
    for (const m of ['fw-a', 'fw-b']) assert.equal(after.memberIds.get(memberName('shop', 'firewall', m)), before.memberIds.get(memberName('shop', 'firewall', m)));
    assert.equal(after.groupIds.get(groupName('shop', 'firewall')), before.groupIds.get(groupName('shop', 'firewall')));
    assert.equal(after.memberIds.size, 3);
  });
});

describe('compile: key clashes', () => {
  test('two flows claiming one flow_classify key: SpecError naming both file:line', () => {
    const files = shopRepo();
    const dup = `apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: also-web-to-db, tenant: shop }
spec:
  from: { service: web }
  to: { service: db }
  protocol: tcp
  ports: [5432]
  action: allow
`;
    files.set('tenants/shop/dup.yaml', dup);
    // The cross-file checks catch it too; compile must not rely on them.
    const { specs: s } = loadSpecs(files, { now: NOW, expired: 'drop' });
    let err: unknown;
    try {
      compile(s, index, 'leaf1', { now: NOW });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SpecErrors, String(err));
    const clashes = err.errors.filter((e) => e.code === KEY_CLASH);
    assert.equal(clashes.length, 1);
    const msg = clashes[0].toString();
    // also-web-to-db sorts first, so web-to-db (flows.yaml) is the second claimant.
    assert.match(msg, /^tenants\/shop\/flows\.yaml:\d+:\d+ spec\.ports: /);
    assert.match(msg, /flow shop\/also-web-to-db at tenants\/shop\/dup\.yaml:8:\d+/);
    assert.match(msg, /flow shop\/web-to-db at tenants\/shop\/flows\.yaml:\d+/);
    assert.match(msg, /port 5432/);
  });

  test('two tenants with the same vlan on one port: SpecError naming both', () => {
    const files = shopRepo();
    files.set('tenants/other.yaml', TENANT.replace('name: shop', 'name: other').replace('id: 7', 'id: 8').replace('vni: 7000', 'vni: 8000').replace(/10\.7\./g, '10.8.').replace(/db8:7/g, 'db8:8'));
    files.set('targets/leaf1.yaml', files.get('targets/leaf1.yaml')! + '    - tenant: other\n      ports: [4, 5]\n');
    const { specs: s } = loadSpecs(files, { now: NOW, expired: 'drop' });
    assert.throws(
      () => compile(s, index, 'leaf1', { now: NOW }),
      (e: unknown) =>
        e instanceof SpecErrors &&
        e.errors.length === 1 &&
        e.errors[0].code === KEY_CLASH &&
        /targets\/leaf1\.yaml:13:\d+ spec\.tenants\[1\]\.ports\[0\]: tenant_classify key \(port 4, vlan 70\) is also claimed by tenant shop at targets\/leaf1\.yaml:11:/.test(e.errors[0].toString()),
    );
  });
});

describe('compile: example repo', () => {
  test('every table and the action profile get entries; every target compiles', () => {
    const files = new Map<string, Buffer>();
    const walk = (dir: string, rel: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(path.join(dir, e.name), r);
        else files.set(r, fs.readFileSync(path.join(dir, e.name)));
      }
    };
    walk(EXAMPLE_REPO, '');
    const { specs: s, errors } = loadSpecs(files, { now: NOW, expired: 'drop' });
    assert.deepEqual(errors.map((e) => e.toString()), []);
    const states = compileAll(s, index, { now: NOW });
    assert.equal(states.length, s.targets.length);
    assert.ok(states.length >= 1);
    const tables = new Set(states.flatMap((st) => st.entries.map((e) => `${e.kind} ${e.table}`)));
    for (const t of Object.values(TABLES)) assert.ok(tables.has(`table_entry ${t.name}`), `no entries for ${t.name}`);
    assert.ok(tables.has(`action_profile_member ${PROFILES.nfSelector.name}`));
    assert.ok(tables.has(`action_profile_group ${PROFILES.nfSelector.name}`));
  });
});

describe('compile: both architectures', () => {
  test('the TNA P4Info yields byte-identical entries (same names and ids, one mapping)', async () => {
    const { P4InfoIndex } = await import('../../src/p4info/index.ts');
    const { TNA_P4INFO } = await import('./fixture.ts');
    const tna = compile(specs, P4InfoIndex.fromFile(TNA_P4INFO), 'leaf1', { now: NOW });
    assert.deepEqual(tna.entries.map((e) => e.bytes.toString('hex')), state.entries.map((e) => e.bytes.toString('hex')));
    assert.deepEqual(tna.managedTableIds, state.managedTableIds);
  });
});
