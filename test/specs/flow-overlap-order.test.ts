// checkSpecs' overlap rule names, for each flow, every earlier flow on the
// same flow_classify key whose port ranges meet its own, in the order they
// are met (its ranges in order, the earlier flows in claim order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSpecs } from '../../src/specs/checks.ts';
import type { SpecSet } from '../../src/specs/spec-set.ts';

const located = <T>(doc: T, line: number) => ({ ...doc, source: { file: 'x.yaml', line, col: 1, index: line, at: () => ({ file: 'x.yaml', line, col: 1 }) } });

test('overlapping flows are reported against each earlier flow they meet, in order', () => {
  const tenant = located({ apiVersion: 'flowops.dev/v1', kind: 'Tenant', metadata: { name: 't' }, spec: { id: 1, vlan: 10, prefixes: ['10.0.0.0/16'], publicKey: Buffer.alloc(32).toString('base64') } }, 1);
  const svc = (name: string, addr: string, line: number) => located({ apiVersion: 'flowops.dev/v1', kind: 'Service', metadata: { name, tenant: 't' }, spec: { addresses: [addr] } }, line);
  const flow = (name: string, ports: (number | string)[], line: number, protocol = 'tcp') =>
    located({ apiVersion: 'flowops.dev/v1', kind: 'Flow', metadata: { name, tenant: 't' }, spec: { from: { service: 's1' }, to: { service: 's2' }, protocol, ports, action: 'allow' } }, line);
  const specs = {
    tenants: [tenant],
    services: [svc('s1', '10.0.1.0/24', 2), svc('s2', '10.0.2.0/24', 3)],
    flows: [flow('a', [80, '100-200'], 10), flow('b', [150], 20), flow('c', ['90-160', 80], 30), flow('d', [300], 40), flow('e', [80], 50, 'udp'), flow('f', ['70-80', 300], 60)],
    targets: [],
  } as unknown as SpecSet;
  const got = checkSpecs(specs).map((e) => `${e.pos!.line} ${e.message}`);
  assert.deepEqual(got, [
    '20 flow overlaps t/a (x.yaml:10:1) for s1 → s2 protocol tcp',
    '30 flow overlaps t/a (x.yaml:10:1) for s1 → s2 protocol tcp',
    '30 flow overlaps t/b (x.yaml:20:1) for s1 → s2 protocol tcp',
    '60 flow overlaps t/a (x.yaml:10:1) for s1 → s2 protocol tcp',
    '60 flow overlaps t/c (x.yaml:30:1) for s1 → s2 protocol tcp',
    '60 flow overlaps t/d (x.yaml:40:1) for s1 → s2 protocol tcp',
  ]);
});
