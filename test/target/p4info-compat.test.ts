// The target and src/p4info agree on canonical bytes: entries encoded by the
// p4info module (what compile/diff produce) are stored and read back byte
// for byte, so a diff against a target's Read sees no spurious changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildGroup, buildMember, buildTableEntry, canonicalizeEntity, encodeGroup, encodeMember, encodeTableEntry } from '../../src/p4info/entity.ts';
import { TestClient, decodeEntity, type Stream } from './fixture.ts';

const P4INFO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../p4/flowops_v1model.p4info.txtpb');
let target: RunningTarget;
let c: TestClient;
let stream: Stream;
let index: P4InfoIndex;

before(async () => {
  index = P4InfoIndex.fromFile(P4INFO);
  target = await startTarget({ p4infoFile: P4INFO });
  c = new TestClient(target.address, 1, 1);
  stream = c.arbitrate();
  await stream.latestCode(1);
});
after(async () => {
  stream.end();
  c.close();
  await target.stop();
});

test('entries built by src/p4info are stored and read back byte for byte', async () => {
  const written = [
    encodeTableEntry(buildTableEntry(index, { table: 'ingress.tenant_classify', match: { ingress_port: 1, vlan_id: 100 }, action: { name: 'ingress.set_tenant', params: { tenant_id: 7 } } })),
    encodeTableEntry(buildTableEntry(index, { table: 'ingress.src_service_v4', match: { tenant_id: 7, src_addr: { lpm: ['10.1.0.0', 16] } }, action: { name: 'ingress.set_src_service', params: { service_id: 3 } } })),
    encodeTableEntry(buildTableEntry(index, { table: 'ingress.flow_policy', match: { flow_id: 0x1a2b }, action: { name: 'ingress.allow', params: { qid: 0 } } })),
    encodeMember(buildMember(index, { profile: 'ingress.nf_selector', memberId: 1, action: { name: 'ingress.to_nf', params: { port: 4, dmac: '00:00:00:00:00:01' } } })),
    encodeGroup(buildGroup(index, { profile: 'ingress.nf_selector', groupId: 1, members: [{ memberId: 1, weight: 2 }] })),
    encodeTableEntry(buildTableEntry(index, { table: 'ingress.nf_steer', match: { flow_id: 0x1a2b }, action: { groupId: 1 } })),
  ];
  await c.writeOk(written.map((e) => ['INSERT', decodeEntity(e)]));
  const read = await c.read([{ action_profile_member: {} }, { action_profile_group: {} }, { table_entry: { table_id: 0 } }]);
  const hex = (bs: Buffer[]) => bs.map((x) => x.toString('hex')).sort();
  assert.deepEqual(hex(read), hex(written));
  for (const e of read) assert.equal(canonicalizeEntity(e, index).toString('hex'), e.toString('hex'));
});
