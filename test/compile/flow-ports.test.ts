// flowPorts is splitPorts(portRanges(flow)) without making anything for the
// usual ascending list of port numbers; on every other list it is splitPorts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowPorts, splitPorts } from '../../src/compile/port-cover.ts';
import { portRanges } from '../../src/specs/units.ts';
import type { Flow } from '../../src/specs/schema.ts';

const flow = (ports?: (number | string)[]): Flow =>
  ({ apiVersion: 'flowops.dev/v1', kind: 'Flow', metadata: { name: 'f', tenant: 't' }, spec: { from: { service: 'a' }, to: { service: 'b' }, protocol: 'tcp', action: 'allow', ...(ports ? { ports } : {}) } }) as Flow;

test('flowPorts equals splitPorts over portRanges', () => {
  const lists: ((number | string)[] | undefined)[] = [
    undefined,
    [443],
    [80, 443, 8080],
    [8000, 8010, 8020, 8030],
    [443, 80],
    [80, 80],
    [80, '81-90', 85],
    ['1000-2000', 1500, 3000],
    [1, 65535],
    [22, 21, 23, 22],
  ];
  for (const ports of lists) {
    const f = flow(ports);
    const got = flowPorts(f);
    const want = splitPorts(portRanges(f));
    assert.deepEqual({ singles: [...got.singles], ranges: got.ranges.map((r) => [...r]) }, want, JSON.stringify(ports));
  }
});
