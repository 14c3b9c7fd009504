// fastFlow's name check (a loop, not a regex per name) accepts exactly what
// NAME_RE and the 63-character limit accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastFlow } from '../../src/specs/fast-flow.ts';
import { NAME_RE } from '../../src/specs/schema.ts';

test('fastFlow takes the names NAME_RE takes, no others', () => {
  const names = ['a', 'a-b', 'a--b', '-', 'a-', '-a', '0', '09-z', 'é', 'A', 'a_b', 'a.b', '', ' a', 'a ', 'a'.repeat(63), 'a'.repeat(64), 'web-to-db', 't001', 'x\n'];
  for (const name of names) {
    const doc = { apiVersion: 'flowops.dev/v1', kind: 'Flow', metadata: { name, tenant: 'acme' }, spec: { from: { service: name }, to: { service: 'b' }, protocol: 'tcp', ports: [80], action: 'allow' } };
    assert.equal(fastFlow(doc) !== undefined, NAME_RE.test(name) && name.length <= 63, JSON.stringify(name));
  }
});
