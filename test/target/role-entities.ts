// Entities of the real v1model pipeline that the role tests write from
// different roles: flow tables (flowops' slice), routes (another controller's),
// and selector members.
import path from 'node:path';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { buildMember, buildTableEntry, encodeMember, encodeTableEntry } from '../../src/p4info/entity.ts';

export const P4INFO = path.join(import.meta.dirname, '../../p4/flowops_v1model.p4info.txtpb');
export const index = P4InfoIndex.fromFile(P4INFO);
export const FLOW = index.table('ingress.flow_classify').id;
export const POLICY = index.table('ingress.flow_policy').id;
export const ROUTE4 = index.table('ingress.tenant_route_v4').id;
export const SELECTOR = index.actionProfile('ingress.nf_selector').id;

export const flow = (i: number) => encodeTableEntry(buildTableEntry(index, {
  table: 'ingress.flow_classify',
  match: { tenant_id: 1, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 1000 + i },
  action: { name: 'ingress.set_flow', params: { flow_id: 100 + i } },
}));
export const policy = (i: number) => encodeTableEntry(buildTableEntry(index, { table: 'ingress.flow_policy', match: { flow_id: 100 + i }, action: { name: 'ingress.allow', params: { qid: 1 } } }));
export const route = (i: number) => encodeTableEntry(buildTableEntry(index, {
  table: 'ingress.tenant_route_v4',
  match: { tenant_id: 1, dst_addr: `10.${i}.0.0/16` },
  action: { name: 'ingress.forward', params: { port: 1, dmac: '02:00:00:00:00:01' } },
}));
export const member = (id: number) => encodeMember(buildMember(index, { profile: SELECTOR, memberId: id, action: { name: 'ingress.to_nf', params: { port: 3, dmac: '02:00:00:00:00:03' } } }));
export const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex')).sort();
