// The ordered updates and the Write requests of several plans, against a
// table written out below (taken from the code before plans and steps became
// positions in the desired arena, diff/insert-list.ts and apply/steps.ts):
// a first sync across every dependency level, a change with inserts,
// modifies and deletes, the same with prune off (extraneous kept), and a
// hand-assembled plan whose delete and insert of one key merge into a modify.
// Each update is `TYPE table #digest`, the digest over the entity as sent
// (provenance record included), so order, requests, stamps and bytes all count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { applyPlan } from '../../src/apply/apply.ts';
import { planSteps } from '../../src/apply/steps.ts';
import type { EntityRpc, Update } from '../../src/apply/session.ts';
import { plan } from '../../src/diff/plan.ts';
import type { Plan } from '../../src/diff/types.ts';
import { desiredState } from '../../src/desired/desired.ts';
import { peekOwner } from '../../src/p4info/entity.ts';
import type { P4InfoIndex } from '../../src/p4info/index.ts';
import { specRepo, type FlowDef, treeOf } from '../helpers/spec-repo.ts';

const flowsA: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443, 8443], steer: true },
  { name: 'api-db', from: 'api', to: 'db', ports: [5432] },
];
const flowsB: FlowDef[] = [
  { name: 'web-api', from: 'web', to: 'api', ports: [443], qos: 'gold' },
  { name: 'cache-db', from: 'cache', to: 'db', ports: [6379, 6380] },
  { name: 'web-cache', from: 'web', to: 'cache', protocol: 'icmp' },
  // Enough entries in one level that the key order is a real sort (diff/write-order.ts radix, not its small-run path).
  { name: 'many', from: 'cache', to: 'api', ports: Array.from({ length: 40 }, (_, i) => 1000 + ((i * 37) % 300)) },
];

function desiredOf(flows: FlowDef[]) {
  const files = new Map(Object.entries(specRepo({ targets: [{ name: 'leaf1', address: '127.0.0.1:1' }], flows })).map(([k, v]) => [k, Buffer.from(v)]));
  const d = desiredState(treeOf(files, 'test'), { now: new Date('2026-01-01T00:00:00Z') });
  assert.deepEqual(d.problems, []);
  return { desired: d.states.get('leaf1')!, index: d.pipelines.get('leaf1')!.index };
}

const short = (index: P4InfoIndex, u: Update) => {
  const o = peekOwner(u.entity)!;
  const name = o.kind === 'table_entry' ? index.table(o.id).name : index.actionProfile(o.id).name;
  return `${u.type} ${name.replace(/^(ingress|egress)\./, '')} #${createHash('sha256').update(u.entity).digest('hex').slice(0, 8)}`;
};

/** What applyPlan sends for `p` (every Write acknowledged), request by request. */
async function requests(p: Plan, index: P4InfoIndex): Promise<string[][]> {
  const sent: string[][] = [];
  const session: EntityRpc = {
    write: async (u) => {
      sent.push(u.map((x) => short(index, x)));
      return { ok: true };
    },
    read: async () => assert.fail('no read expected'),
  };
  const r = await applyPlan(session, p, { limits: { size: 3, maxBytes: 1 << 20 }, provenance: { commit: 'c0ffee0123456789' } });
  assert.equal(r.ok, true);
  return sent;
}

const ordered = (p: Plan, index: P4InfoIndex) => planSteps(p).map((s) => short(index, s.update));

const EXPECTED: Record<string, { steps: string[]; requests: string[][] }> = {
  "first sync": {
    steps: [
      'INSERT nf_selector #cd5cd231', 'INSERT nf_selector #2d938eab', 'INSERT nf_selector #befdb1aa', 'INSERT tenant_classify #b82e26c2',
      'INSERT tenant_classify #e9f956a4', 'INSERT src_service_v4 #a38d7332', 'INSERT src_service_v4 #611840cb', 'INSERT src_service_v4 #4669db28',
      'INSERT src_service_v4 #3bfcf97b', 'INSERT dst_service_v4 #3713cb5e', 'INSERT dst_service_v4 #6123272e', 'INSERT dst_service_v4 #a36ba5c1',
      'INSERT dst_service_v4 #2cbc9f44', 'INSERT tenant_route_v4 #248fa0f4', 'INSERT flow_policy #1cd5e6cd', 'INSERT flow_policy #953f8335',
      'INSERT flow_policy #bdc72144', 'INSERT flow_policy #e4dd9d2a', 'INSERT flow_classify #79996fad', 'INSERT flow_classify #b19b0ebf',
      'INSERT flow_classify #b03579c3', 'INSERT flow_classify #6f06456c', 'INSERT flow_classify #9acd8483', 'INSERT flow_classify #a1c8e0b7',
      'INSERT flow_classify #a8b587be', 'INSERT flow_classify #6ec0c71f', 'INSERT flow_classify #656cb1c9', 'INSERT flow_classify #889fe007',
      'INSERT flow_classify #d539d751', 'INSERT flow_classify #7e1f2ee2', 'INSERT flow_classify #6670dccd', 'INSERT flow_classify #afb404f3',
      'INSERT flow_classify #99fe7ee6', 'INSERT flow_classify #d564404f', 'INSERT flow_classify #aa9c8a28', 'INSERT flow_classify #7c33d1ad',
      'INSERT flow_classify #a5df48ed', 'INSERT flow_classify #689e87ce', 'INSERT flow_classify #4b2d39a8', 'INSERT flow_classify #8368f611',
      'INSERT flow_classify #a3650f02', 'INSERT flow_classify #29b0870b', 'INSERT flow_classify #6b3aacfc', 'INSERT flow_classify #2256d944',
      'INSERT flow_classify #9c47162d', 'INSERT flow_classify #4b921133', 'INSERT flow_classify #e986ea3b', 'INSERT flow_classify #0422c229',
      'INSERT flow_classify #9500124a', 'INSERT flow_classify #6fd27ff5', 'INSERT flow_classify #3ac959be', 'INSERT flow_classify #bbb4d67f',
      'INSERT flow_classify #9dcf9a83', 'INSERT flow_classify #2546c80a', 'INSERT flow_classify #74099139', 'INSERT flow_classify #27b660bb',
      'INSERT flow_classify #2d2ee94d', 'INSERT flow_classify #de4fac64', 'INSERT flow_classify #789794ac', 'INSERT flow_classify #687a4ba7',
      'INSERT flow_classify #d6324d2f', 'INSERT flow_classify #459379a2',
    ],
    requests: [
      ['INSERT nf_selector #cd5cd231', 'INSERT nf_selector #2d938eab'],
      ['INSERT nf_selector #befdb1aa'],
      ['INSERT tenant_classify #095798cf', 'INSERT tenant_classify #e87cdf72'],
      ['INSERT src_service_v4 #c9f9c995', 'INSERT src_service_v4 #fbf6d89b', 'INSERT src_service_v4 #1a14383a'],
      ['INSERT src_service_v4 #c829c928', 'INSERT dst_service_v4 #5302c38c', 'INSERT dst_service_v4 #19103ff4'],
      ['INSERT dst_service_v4 #a7a8dff1', 'INSERT dst_service_v4 #31230eca'],
      ['INSERT tenant_route_v4 #29d03751'],
      ['INSERT flow_policy #b9d95b8e', 'INSERT flow_policy #c97a94e2', 'INSERT flow_policy #6d5bd8cf'],
      ['INSERT flow_policy #7a288f05'],
      ['INSERT flow_classify #2abdf915', 'INSERT flow_classify #28f12fcd', 'INSERT flow_classify #c108eb12'],
      ['INSERT flow_classify #6e89233b', 'INSERT flow_classify #08673060', 'INSERT flow_classify #cf6712d3'],
      ['INSERT flow_classify #caacb2de', 'INSERT flow_classify #64f763e8', 'INSERT flow_classify #95b079c8'],
      ['INSERT flow_classify #ad34e214', 'INSERT flow_classify #94dc5bcb', 'INSERT flow_classify #fe9d8ef9'],
      ['INSERT flow_classify #15bb8a00', 'INSERT flow_classify #fcb9c38a', 'INSERT flow_classify #9caf5d16'],
      ['INSERT flow_classify #777cce1a', 'INSERT flow_classify #b33ffe49', 'INSERT flow_classify #444802e5'],
      ['INSERT flow_classify #53ef3ac5', 'INSERT flow_classify #1b3a7bb2', 'INSERT flow_classify #d729c214'],
      ['INSERT flow_classify #836d6f48', 'INSERT flow_classify #8efbeb83', 'INSERT flow_classify #4ce65d81'],
      ['INSERT flow_classify #645bbcad', 'INSERT flow_classify #e0350f2d', 'INSERT flow_classify #bfdc3485'],
      ['INSERT flow_classify #376774c8', 'INSERT flow_classify #75f9bfde', 'INSERT flow_classify #395f682c'],
      ['INSERT flow_classify #89ddac83', 'INSERT flow_classify #98d71e0a', 'INSERT flow_classify #df0fb24c'],
      ['INSERT flow_classify #d2670eb0', 'INSERT flow_classify #26509853', 'INSERT flow_classify #b90a3ed0'],
      ['INSERT flow_classify #2d34a969', 'INSERT flow_classify #f3608063', 'INSERT flow_classify #927d9d55'],
      ['INSERT flow_classify #e2eb6c8c', 'INSERT flow_classify #d9b1ba09', 'INSERT flow_classify #0bf1e0db'],
      ['INSERT flow_classify #4aea8dfb', 'INSERT flow_classify #4ff83ec2'],
    ],
  },
  "change": {
    steps: [
      'MODIFY flow_policy #bdc72144', 'INSERT flow_policy #1cd5e6cd', 'INSERT flow_policy #953f8335', 'INSERT flow_policy #e4dd9d2a',
      'INSERT flow_classify #79996fad', 'INSERT flow_classify #b19b0ebf', 'INSERT flow_classify #b03579c3', 'INSERT flow_classify #6f06456c',
      'INSERT flow_classify #9acd8483', 'INSERT flow_classify #a1c8e0b7', 'INSERT flow_classify #a8b587be', 'INSERT flow_classify #6ec0c71f',
      'INSERT flow_classify #656cb1c9', 'INSERT flow_classify #889fe007', 'INSERT flow_classify #d539d751', 'INSERT flow_classify #7e1f2ee2',
      'INSERT flow_classify #6670dccd', 'INSERT flow_classify #afb404f3', 'INSERT flow_classify #99fe7ee6', 'INSERT flow_classify #d564404f',
      'INSERT flow_classify #aa9c8a28', 'INSERT flow_classify #7c33d1ad', 'INSERT flow_classify #a5df48ed', 'INSERT flow_classify #689e87ce',
      'INSERT flow_classify #4b2d39a8', 'INSERT flow_classify #8368f611', 'INSERT flow_classify #a3650f02', 'INSERT flow_classify #29b0870b',
      'INSERT flow_classify #6b3aacfc', 'INSERT flow_classify #2256d944', 'INSERT flow_classify #9c47162d', 'INSERT flow_classify #4b921133',
      'INSERT flow_classify #e986ea3b', 'INSERT flow_classify #0422c229', 'INSERT flow_classify #9500124a', 'INSERT flow_classify #6fd27ff5',
      'INSERT flow_classify #3ac959be', 'INSERT flow_classify #bbb4d67f', 'INSERT flow_classify #9dcf9a83', 'INSERT flow_classify #2546c80a',
      'INSERT flow_classify #74099139', 'INSERT flow_classify #27b660bb', 'INSERT flow_classify #2d2ee94d', 'INSERT flow_classify #de4fac64',
      'INSERT flow_classify #789794ac', 'INSERT flow_classify #687a4ba7', 'INSERT flow_classify #d6324d2f', 'DELETE flow_classify #f29ea2df',
      'DELETE flow_classify #95624403', 'DELETE flow_policy #2476d2e0', 'DELETE nf_steer #bf097b32',
    ],
    requests: [
      ['MODIFY flow_policy #6d5bd8cf', 'INSERT flow_policy #b9d95b8e', 'INSERT flow_policy #c97a94e2'],
      ['INSERT flow_policy #7a288f05'],
      ['INSERT flow_classify #2abdf915', 'INSERT flow_classify #28f12fcd', 'INSERT flow_classify #c108eb12'],
      ['INSERT flow_classify #6e89233b', 'INSERT flow_classify #08673060', 'INSERT flow_classify #cf6712d3'],
      ['INSERT flow_classify #caacb2de', 'INSERT flow_classify #64f763e8', 'INSERT flow_classify #95b079c8'],
      ['INSERT flow_classify #ad34e214', 'INSERT flow_classify #94dc5bcb', 'INSERT flow_classify #fe9d8ef9'],
      ['INSERT flow_classify #15bb8a00', 'INSERT flow_classify #fcb9c38a', 'INSERT flow_classify #9caf5d16'],
      ['INSERT flow_classify #777cce1a', 'INSERT flow_classify #b33ffe49', 'INSERT flow_classify #444802e5'],
      ['INSERT flow_classify #53ef3ac5', 'INSERT flow_classify #1b3a7bb2', 'INSERT flow_classify #d729c214'],
      ['INSERT flow_classify #836d6f48', 'INSERT flow_classify #8efbeb83', 'INSERT flow_classify #4ce65d81'],
      ['INSERT flow_classify #645bbcad', 'INSERT flow_classify #e0350f2d', 'INSERT flow_classify #bfdc3485'],
      ['INSERT flow_classify #376774c8', 'INSERT flow_classify #75f9bfde', 'INSERT flow_classify #395f682c'],
      ['INSERT flow_classify #89ddac83', 'INSERT flow_classify #98d71e0a', 'INSERT flow_classify #df0fb24c'],
      ['INSERT flow_classify #d2670eb0', 'INSERT flow_classify #26509853', 'INSERT flow_classify #b90a3ed0'],
      ['INSERT flow_classify #2d34a969', 'INSERT flow_classify #f3608063', 'INSERT flow_classify #927d9d55'],
      ['INSERT flow_classify #e2eb6c8c', 'INSERT flow_classify #d9b1ba09', 'INSERT flow_classify #0bf1e0db'],
      ['INSERT flow_classify #4aea8dfb'],
      ['DELETE flow_classify #f29ea2df', 'DELETE flow_classify #95624403'],
      ['DELETE flow_policy #2476d2e0', 'DELETE nf_steer #bf097b32'],
    ],
  },
  "change, prune off": {
    steps: [
      'MODIFY flow_policy #bdc72144', 'INSERT flow_policy #1cd5e6cd', 'INSERT flow_policy #953f8335', 'INSERT flow_policy #e4dd9d2a',
      'INSERT flow_classify #79996fad', 'INSERT flow_classify #b19b0ebf', 'INSERT flow_classify #b03579c3', 'INSERT flow_classify #6f06456c',
      'INSERT flow_classify #9acd8483', 'INSERT flow_classify #a1c8e0b7', 'INSERT flow_classify #a8b587be', 'INSERT flow_classify #6ec0c71f',
      'INSERT flow_classify #656cb1c9', 'INSERT flow_classify #889fe007', 'INSERT flow_classify #d539d751', 'INSERT flow_classify #7e1f2ee2',
      'INSERT flow_classify #6670dccd', 'INSERT flow_classify #afb404f3', 'INSERT flow_classify #99fe7ee6', 'INSERT flow_classify #d564404f',
      'INSERT flow_classify #aa9c8a28', 'INSERT flow_classify #7c33d1ad', 'INSERT flow_classify #a5df48ed', 'INSERT flow_classify #689e87ce',
      'INSERT flow_classify #4b2d39a8', 'INSERT flow_classify #8368f611', 'INSERT flow_classify #a3650f02', 'INSERT flow_classify #29b0870b',
      'INSERT flow_classify #6b3aacfc', 'INSERT flow_classify #2256d944', 'INSERT flow_classify #9c47162d', 'INSERT flow_classify #4b921133',
      'INSERT flow_classify #e986ea3b', 'INSERT flow_classify #0422c229', 'INSERT flow_classify #9500124a', 'INSERT flow_classify #6fd27ff5',
      'INSERT flow_classify #3ac959be', 'INSERT flow_classify #bbb4d67f', 'INSERT flow_classify #9dcf9a83', 'INSERT flow_classify #2546c80a',
      'INSERT flow_classify #74099139', 'INSERT flow_classify #27b660bb', 'INSERT flow_classify #2d2ee94d', 'INSERT flow_classify #de4fac64',
      'INSERT flow_classify #789794ac', 'INSERT flow_classify #687a4ba7', 'INSERT flow_classify #d6324d2f',
    ],
    requests: [
      ['MODIFY flow_policy #6d5bd8cf', 'INSERT flow_policy #b9d95b8e', 'INSERT flow_policy #c97a94e2'],
      ['INSERT flow_policy #7a288f05'],
      ['INSERT flow_classify #2abdf915', 'INSERT flow_classify #28f12fcd', 'INSERT flow_classify #c108eb12'],
      ['INSERT flow_classify #6e89233b', 'INSERT flow_classify #08673060', 'INSERT flow_classify #cf6712d3'],
      ['INSERT flow_classify #caacb2de', 'INSERT flow_classify #64f763e8', 'INSERT flow_classify #95b079c8'],
      ['INSERT flow_classify #ad34e214', 'INSERT flow_classify #94dc5bcb', 'INSERT flow_classify #fe9d8ef9'],
      ['INSERT flow_classify #15bb8a00', 'INSERT flow_classify #fcb9c38a', 'INSERT flow_classify #9caf5d16'],
      ['INSERT flow_classify #777cce1a', 'INSERT flow_classify #b33ffe49', 'INSERT flow_classify #444802e5'],
      ['INSERT flow_classify #53ef3ac5', 'INSERT flow_classify #1b3a7bb2', 'INSERT flow_classify #d729c214'],
      ['INSERT flow_classify #836d6f48', 'INSERT flow_classify #8efbeb83', 'INSERT flow_classify #4ce65d81'],
      ['INSERT flow_classify #645bbcad', 'INSERT flow_classify #e0350f2d', 'INSERT flow_classify #bfdc3485'],
      ['INSERT flow_classify #376774c8', 'INSERT flow_classify #75f9bfde', 'INSERT flow_classify #395f682c'],
      ['INSERT flow_classify #89ddac83', 'INSERT flow_classify #98d71e0a', 'INSERT flow_classify #df0fb24c'],
      ['INSERT flow_classify #d2670eb0', 'INSERT flow_classify #26509853', 'INSERT flow_classify #b90a3ed0'],
      ['INSERT flow_classify #2d34a969', 'INSERT flow_classify #f3608063', 'INSERT flow_classify #927d9d55'],
      ['INSERT flow_classify #e2eb6c8c', 'INSERT flow_classify #d9b1ba09', 'INSERT flow_classify #0bf1e0db'],
      ['INSERT flow_classify #4aea8dfb'],
    ],
  },
  "delete + insert of one key": {
    steps: [
      'INSERT nf_selector #cd5cd231', 'INSERT nf_selector #2d938eab', 'INSERT nf_selector #befdb1aa', 'MODIFY tenant_classify #b82e26c2',
      'INSERT tenant_classify #e9f956a4', 'INSERT src_service_v4 #a38d7332', 'INSERT src_service_v4 #611840cb', 'INSERT src_service_v4 #4669db28',
      'INSERT src_service_v4 #3bfcf97b', 'INSERT dst_service_v4 #3713cb5e', 'INSERT dst_service_v4 #6123272e', 'INSERT dst_service_v4 #a36ba5c1',
      'INSERT dst_service_v4 #2cbc9f44', 'INSERT tenant_route_v4 #248fa0f4', 'INSERT flow_policy #1cd5e6cd', 'INSERT flow_policy #953f8335',
      'INSERT flow_policy #bdc72144', 'INSERT flow_policy #e4dd9d2a', 'MODIFY flow_classify #459379a2', 'INSERT flow_classify #79996fad',
      'INSERT flow_classify #b19b0ebf', 'INSERT flow_classify #b03579c3', 'INSERT flow_classify #6f06456c', 'INSERT flow_classify #9acd8483',
      'INSERT flow_classify #a1c8e0b7', 'INSERT flow_classify #a8b587be', 'INSERT flow_classify #6ec0c71f', 'INSERT flow_classify #656cb1c9',
      'INSERT flow_classify #889fe007', 'INSERT flow_classify #d539d751', 'INSERT flow_classify #7e1f2ee2', 'INSERT flow_classify #6670dccd',
      'INSERT flow_classify #afb404f3', 'INSERT flow_classify #99fe7ee6', 'INSERT flow_classify #d564404f', 'INSERT flow_classify #aa9c8a28',
      'INSERT flow_classify #7c33d1ad', 'INSERT flow_classify #a5df48ed', 'INSERT flow_classify #689e87ce', 'INSERT flow_classify #4b2d39a8',
      'INSERT flow_classify #8368f611', 'INSERT flow_classify #a3650f02', 'INSERT flow_classify #29b0870b', 'INSERT flow_classify #6b3aacfc',
      'INSERT flow_classify #2256d944', 'INSERT flow_classify #9c47162d', 'INSERT flow_classify #4b921133', 'INSERT flow_classify #e986ea3b',
      'INSERT flow_classify #0422c229', 'INSERT flow_classify #9500124a', 'INSERT flow_classify #6fd27ff5', 'INSERT flow_classify #3ac959be',
      'INSERT flow_classify #bbb4d67f', 'INSERT flow_classify #9dcf9a83', 'INSERT flow_classify #2546c80a', 'INSERT flow_classify #74099139',
      'INSERT flow_classify #27b660bb', 'INSERT flow_classify #2d2ee94d', 'INSERT flow_classify #de4fac64', 'INSERT flow_classify #789794ac',
      'INSERT flow_classify #687a4ba7', 'INSERT flow_classify #d6324d2f', 'DELETE flow_classify #f29ea2df', 'DELETE flow_classify #95624403',
    ],
    requests: [
      ['INSERT nf_selector #cd5cd231', 'INSERT nf_selector #2d938eab'],
      ['INSERT nf_selector #befdb1aa'],
      ['MODIFY tenant_classify #095798cf', 'INSERT tenant_classify #e87cdf72'],
      ['INSERT src_service_v4 #c9f9c995', 'INSERT src_service_v4 #fbf6d89b', 'INSERT src_service_v4 #1a14383a'],
      ['INSERT src_service_v4 #c829c928', 'INSERT dst_service_v4 #5302c38c', 'INSERT dst_service_v4 #19103ff4'],
      ['INSERT dst_service_v4 #a7a8dff1', 'INSERT dst_service_v4 #31230eca'],
      ['INSERT tenant_route_v4 #29d03751'],
      ['INSERT flow_policy #b9d95b8e', 'INSERT flow_policy #c97a94e2', 'INSERT flow_policy #6d5bd8cf'],
      ['INSERT flow_policy #7a288f05'],
      ['MODIFY flow_classify #4ff83ec2', 'INSERT flow_classify #2abdf915', 'INSERT flow_classify #28f12fcd'],
      ['INSERT flow_classify #c108eb12', 'INSERT flow_classify #6e89233b', 'INSERT flow_classify #08673060'],
      ['INSERT flow_classify #cf6712d3', 'INSERT flow_classify #caacb2de', 'INSERT flow_classify #64f763e8'],
      ['INSERT flow_classify #95b079c8', 'INSERT flow_classify #ad34e214', 'INSERT flow_classify #94dc5bcb'],
      ['INSERT flow_classify #fe9d8ef9', 'INSERT flow_classify #15bb8a00', 'INSERT flow_classify #fcb9c38a'],
      ['INSERT flow_classify #9caf5d16', 'INSERT flow_classify #777cce1a', 'INSERT flow_classify #b33ffe49'],
      ['INSERT flow_classify #444802e5', 'INSERT flow_classify #53ef3ac5', 'INSERT flow_classify #1b3a7bb2'],
      ['INSERT flow_classify #d729c214', 'INSERT flow_classify #836d6f48', 'INSERT flow_classify #8efbeb83'],
      ['INSERT flow_classify #4ce65d81', 'INSERT flow_classify #645bbcad', 'INSERT flow_classify #e0350f2d'],
      ['INSERT flow_classify #bfdc3485', 'INSERT flow_classify #376774c8', 'INSERT flow_classify #75f9bfde'],
      ['INSERT flow_classify #395f682c', 'INSERT flow_classify #89ddac83', 'INSERT flow_classify #98d71e0a'],
      ['INSERT flow_classify #df0fb24c', 'INSERT flow_classify #d2670eb0', 'INSERT flow_classify #26509853'],
      ['INSERT flow_classify #b90a3ed0', 'INSERT flow_classify #2d34a969', 'INSERT flow_classify #f3608063'],
      ['INSERT flow_classify #927d9d55', 'INSERT flow_classify #e2eb6c8c', 'INSERT flow_classify #d9b1ba09'],
      ['INSERT flow_classify #0bf1e0db', 'INSERT flow_classify #4aea8dfb'],
      ['DELETE flow_classify #f29ea2df', 'DELETE flow_classify #95624403'],
    ],
  },
};

const { desired: a, index } = desiredOf(flowsA);
const { desired: b } = desiredOf(flowsB);
const liveA = [...a.entries].map((e) => Buffer.from(e.bytes));

const cases: [string, () => Plan][] = [
  ['first sync', () => plan(b, [], { index })],
  ['change', () => plan(b, liveA, { index })],
  ['change, prune off', () => plan(b, liveA, { index, prune: false })],
  ['delete + insert of one key', () => {
    // Inserts from the diff (positions) plus deletes assembled from elsewhere, one sharing an insert's key.
    const first = plan(b, [], { index });
    const gone = plan(a, [], { index });
    const same = first.inserts.find((c) => c.table === 'ingress.tenant_classify')!;
    return { ...first, deletes: [{ ...same, kind: 'delete', bytes: gone.inserts.find((c) => c.key === same.key)?.bytes ?? same.bytes }, ...gone.inserts.filter((c) => c.table === 'ingress.flow_classify').map((c) => ({ ...c, kind: 'delete' as const }))] };
  }],
];

for (const [name, make] of cases) {
  test(`${name}: the same ordered updates and requests as the table`, async () => {
    const p = make();
    const got = { steps: ordered(p, index), requests: await requests(p, index) };
    if (process.env.PRINT_STEP_TABLE) console.log(JSON.stringify({ [name]: got }));
    assert.deepEqual(got, EXPECTED[name]);
  });
}
