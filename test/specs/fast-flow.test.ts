// fastFlow takes a Flow past zod only when zod would accept it and return an
// equal value with the same key order; every other value (invalid ones above
// all) is left to zod, which reports the error as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastFlow } from '../../src/specs/fast-flow.ts';
import { Flow } from '../../src/specs/schema.ts';
import { fastParseDocs } from '../../src/specs/fast-yaml.ts';
import { generateSpecs } from '../../bench/generate.ts';

const base = () => ({
  apiVersion: 'flowops.dev/v1',
  kind: 'Flow',
  metadata: { name: 'web-to-db', tenant: 'acme' },
  spec: { from: { service: 'web' }, to: { service: 'db' }, protocol: 'tcp', ports: [5432, 80], action: 'allow', qos: 'gold', steer: 'firewall' },
});
type Doc = ReturnType<typeof base> & Record<string, any>;
const edit = (f: (d: Doc) => void) => {
  const d = base() as Doc;
  f(d);
  return d;
};

/** Values fastFlow must take itself. */
const plain: unknown[] = [
  base(),
  edit((d) => ((d.spec as any).from = { role: 'frontend' })),
  edit((d) => ((d.spec as any).protocol = 17)),
  edit((d) => ((d.spec as any).protocol = 0)),
  edit((d) => {
    const s = d.spec as any;
    delete s.qos;
    delete s.steer;
  }),
  edit((d) => {
    const s = d.spec as any;
    d.spec = { from: s.from, to: s.to, protocol: 'icmp', action: 'allow' } as any;
  }),
  edit((d) => ((d.spec as any).ports = [1, 65535])),
  edit((d) => (d.metadata.name = 'a'.repeat(63))),
];

/** Values left to zod: invalid ones, and valid ones outside the plain shape. */
const others: unknown[] = [
  null, [], 'Flow', {},
  edit((d) => (d.apiVersion = 'flowops.dev/v2')),
  edit((d) => (d.kind = 'Service')),
  edit((d) => (d.extra = 1)),
  edit((d) => delete (d as any).spec),
  edit((d) => (d.metadata = { tenant: 'acme', name: 'x' } as any)), // key order
  edit((d) => ((d.metadata as any).labels = { a: 'b' })),
  edit((d) => (d.metadata.name = 'Bad_Name')),
  edit((d) => (d.metadata.name = '-x')),
  edit((d) => (d.metadata.name = 'a'.repeat(64))),
  edit((d) => ((d.metadata as any).tenant = 7)),
  edit((d) => ((d.spec as any).from = { service: 'web', role: 'x' })),
  edit((d) => ((d.spec as any).from = {})),
  edit((d) => ((d.spec as any).to = { role: 'db' })),
  edit((d) => ((d.spec as any).to = 'db')),
  edit((d) => ((d.spec as any).protocol = 'sctp')),
  edit((d) => ((d.spec as any).protocol = 256)),
  edit((d) => ((d.spec as any).protocol = -1)),
  edit((d) => ((d.spec as any).protocol = 6.5)),
  edit((d) => ((d.spec as any).ports = [])),
  edit((d) => ((d.spec as any).ports = [0])),
  edit((d) => ((d.spec as any).ports = [65536])),
  edit((d) => ((d.spec as any).ports = [80.5])),
  edit((d) => ((d.spec as any).ports = ['8000-8080'])),
  edit((d) => ((d.spec as any).ports = '80')),
  edit((d) => ((d.spec as any).action = 'deny')),
  edit((d) => delete (d.spec as any).action),
  edit((d) => delete (d.spec as any).from),
  edit((d) => ((d.spec as any).qos = 'platinum')),
  edit((d) => ((d.spec as any).steer = 'nat')),
  edit((d) => ((d.spec as any).rateLimit = { rate: '1Mbps', burst: '1MB' })),
  edit((d) => ((d.spec as any).expires = '2030-01-01T00:00:00Z')),
  edit((d) => ((d.spec as any).unknown = 1)),
  edit((d) => {
    const s = d.spec as any;
    d.spec = { to: s.to, from: s.from, protocol: s.protocol, ports: s.ports, action: s.action } as any; // key order
  }),
  edit((d) => ((d.spec as any).from = Object.assign(Object.create(null), { service: 'web' }))),
];

test('fastFlow returns the value itself where zod returns an equal copy, in the same key order', () => {
  for (const v of plain) {
    const z = Flow.safeParse(v);
    assert.ok(z.success, JSON.stringify(v));
    assert.equal(fastFlow(v), v, JSON.stringify(v));
    assert.equal(JSON.stringify(v), JSON.stringify(z.data));
  }
});

test('fastFlow leaves every invalid value, and every valid one outside the plain shape, to zod', () => {
  let invalid = 0;
  for (const v of others) {
    assert.equal(fastFlow(v), undefined, JSON.stringify(v));
    if (!Flow.safeParse(v).success) invalid++;
  }
  assert.equal(invalid, others.length - 7, 'all but the 7 valid values outside the plain shape are invalid');
});

test('every flow of a generated bench repo takes the fast way, equal to zod', () => {
  let n = 0;
  for (const [path, text] of generateSpecs({ flows: 3000 })) {
    if (!path.includes('/flows/') || !path.endsWith('.yaml')) continue;
    for (const d of fastParseDocs(text)!) {
      if (d.value == null) continue;
      assert.equal(fastFlow(d.value), d.value);
      assert.equal(JSON.stringify(d.value), JSON.stringify(Flow.parse(d.value)));
      n++;
    }
  }
  assert.equal(n, 3000);
});
