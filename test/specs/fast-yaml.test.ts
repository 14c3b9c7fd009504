// The fast YAML path reads what the `yaml` package reads, or gives up: the
// same values, document indexes and start lines; every construct outside its
// subset hands the file to `yaml`. Through loadSpecs, documents read fast
// still point at exact field positions, and the SpecCache re-reads only
// changed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseAllDocuments } from 'yaml';
import { fastParseDocs } from '../../src/specs/fast-yaml.ts';
import { loadSpecs, SpecCache } from '../../src/specs/load.ts';
import { PositionIndex } from '../../src/specs/positions.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';
import { generateSpecs } from '../../bench/generate.ts';

/** What the `yaml` package makes of a text: per document its index, value and content start line. */
function reference(text: string) {
  const lines = new LineCounter();
  return parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true }).map((doc, index) => {
    assert.deepEqual(doc.errors, [], 'reference inputs are valid YAML');
    const value: unknown = doc.toJS();
    const start = (doc.contents as { range?: number[] } | null)?.range?.[0];
    return { index, value, line: value == null ? 0 : lines.linePos(start!).line };
  });
}

function assertSame(text: string) {
  const fast = fastParseDocs(text);
  assert.ok(fast, `fast path should read:\n${text}`);
  const ref = reference(text).filter((d) => d.value != null);
  assert.deepEqual(
    fast.filter((d) => d.value != null).map((d) => ({ index: d.index, value: d.value, line: d.line })),
    ref,
    text,
  );
}

test('values, indexes and lines equal the yaml package on the subset', () => {
  const cases = [
    'a: 1\n',
    'a: 1\nb: two\nc: "three # not a comment"\nd: \'it\'\'s\'\n',
    '# lead\n---\napiVersion: flowops.dev/v1\nkind: Flow\n',
    'a: 1\n---\n# only a comment\n---\nb: 2\n---\n',
    '---\n---\n\n  # indented comment\nx: y\n',
    'n: [1, -2, +3, 0x1F, 0o17, 1.5, 1e3, .inf, -.Inf, .nan, 007, 1_000]\n',
    'b: [true, True, FALSE, null, Null, ~, yes, no, on, off]\n',
    's: [10.1.0.0/16, 0.0.0.0/0, "02:00:00:00:00:01", 100Mbps, 1MB]\n',
    'm: { prefix: 0.0.0.0/0, port: 1, mac: "02:00:00:00:00:01" }\nempty: {}\nnone: []\n',
    'k:\n  nested:\n    deeper: 1\n  list:\n    - a\n    - b\n  compact:\n  - c\n  - d\n  after: x\n',
    'items:\n  - { name: fw-a, port: 2 }\n  - name: fw-b\n    port: 3\n    tags: [x, y]\n  -\n    name: fw-c\n  - plain item\n',
    'top:\n- name: a\n  ports:\n  - 1\n  - 2\n- name: b\ntail: 1\n',
    'e: "esc \\"q\\" \\\\ \\n \\t \\/ \\u00e9"\nu: "caf\u00e9 ✓"\n',
    'k: value with spaces   # trailing comment\nk2: a#b\nk3: -5\nk4: x - y\n',
    'nulls:\n  a:\n  b: ~\nlast:\n',
    'key.with/slash-and_dash: 1\n',
    'deep: [[1, 2], [], {a: [b, {c: d}]}]\n',
    'w: [1234567890123456789, 123456789012345, 0, 00, nulls, trueish, Yes, n, y, f1, t001, Z9, x.5, e3]\nv: 0755\nu: False\n',
  ];
  for (const text of cases) assertSame(text);
});

test('anything outside the subset is left to the yaml package', () => {
  const cases = [
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: |\n  text\n',
    'a: >\n  folded\n',
    'a: one\n  two\n',
    'a: 1\na: 2\n',
    'a: b: c\n',
    '"quoted": 1\n',
    '? complex\n: key\n',
    '--- a: 1\n',
    '%YAML 1.2\n---\na: 1\n',
    'a: 1\n...\n',
    'a:\tb\n',
    'a: 1\r\nb: 2\r\n',
    'a: [1, 2,]\n',
    'a: [1,\n  2]\n',
    'a: {b:c}\n',
    'true: 1\n',
    '__proto__: 1\n',
    '- top-level list\n',
    'just a scalar\n',
    '  indented: map\n',
    'a:\n    b: 1\n  c: 2\n',
    'a: "unterminated\n',
    'a: "bad \\x41 escape"\n',
    'a: @reserved\n',
    'a: [x: 1]\n',
    'a: - b\n',
  ];
  for (const text of cases) assert.equal(fastParseDocs(text), undefined, text);
});

test('every file of the example repo and of a generated bench repo takes the fast path', () => {
  const texts = new Map<string, string>();
  for (const [p, b] of readSpecDir(EXAMPLE_REPO)) if (p.endsWith('.yaml')) texts.set(p, Buffer.from(b).toString('utf8'));
  for (const [p, t] of generateSpecs({ flows: 1200 })) if (p.endsWith('.yaml')) texts.set(`bench/${p}`, t);
  assert.ok(texts.size > 10);
  for (const [p, text] of texts) {
    assert.ok(fastParseDocs(text), p);
    assertSame(text);
  }
});

const TENANT = `apiVersion: flowops.dev/v1
kind: Tenant
metadata:
  name: acme
spec:
  id: 1
  publicKey: ${Buffer.alloc(32, 7).toString('base64')}
  vlan: 10
  prefixes: [10.1.0.0/16]
`;
const service = (name: string, addr: string) => `apiVersion: flowops.dev/v1
kind: Service
metadata:
  name: ${name}
  tenant: acme
spec:
  addresses:
    - ${addr}
`;

test('documents read fast point at exact positions, computed when asked', () => {
  const services = `# services\n${service('web', '10.1.1.0/24')}---\n${service('db', '10.1.2.0/24')}`;
  const files = new Map([
    ['tenants/acme/tenant.yaml', TENANT],
    ['tenants/acme/services.yaml', services],
  ]);
  assert.ok(fastParseDocs(services));
  const { specs, errors } = loadSpecs(files);
  assert.deepEqual(errors, []);
  const lines = new LineCounter();
  const docs = parseAllDocuments(services, { lineCounter: lines });
  for (const s of specs.services) {
    const exact = new PositionIndex('tenants/acme/services.yaml', docs[s.source.index]!, lines);
    assert.deepEqual({ line: s.source.line, col: s.source.col }, { line: exact.start().line, col: exact.start().col });
    for (const path of ['metadata.name', 'spec.addresses[0]', 'spec.addresses[3]', 'spec.nothing', 'kind']) {
      assert.deepEqual(s.source.at(path), exact.at(path), `${s.metadata.name} ${path}`);
    }
  }
  // A cross-document error in a fast-read file lands on the field, as before.
  const clash = new Map(files);
  clash.set('tenants/acme/more.yaml', service('cache', '10.1.2.0/24'));
  const r = loadSpecs(clash);
  assert.deepEqual(
    r.errors.map((e) => `${e.pos!.file}:${e.pos!.line}:${e.pos!.col} ${e.code}`),
    ['tenants/acme/services.yaml:18:7 SPEC_DUPLICATE_ADDRESS'],
  );
});

test('SpecCache: a new commit re-reads only changed files; deleted files are forgotten; errors are kept', () => {
  const cache = new SpecCache();
  const files = new Map([
    ['tenants/acme/tenant.yaml', TENANT],
    ['tenants/acme/a.yaml', service('web', '10.1.1.0/24')],
    ['tenants/acme/b.yaml', service('db', '10.1.2.0/24')],
  ]);
  const first = loadSpecs(files, { cache });
  assert.deepEqual(first.errors, []);
  assert.deepEqual([cache.hits, cache.misses], [0, 3]);

  const second = loadSpecs(new Map(files).set('tenants/acme/b.yaml', service('db', '10.1.3.0/24')), { cache });
  assert.deepEqual([cache.hits, cache.misses], [2, 4]);
  assert.deepEqual(second.specs.services.map((s) => s.spec.addresses), [['10.1.3.0/24'], ['10.1.1.0/24']]);
  assert.equal(second.specs.services[1], first.specs.services[1], 'the unchanged file’s document is reused');

  const broken = new Map(files);
  broken.delete('tenants/acme/a.yaml');
  broken.set('tenants/acme/b.yaml', service('db', '10.1.2.0/24').replace('tenant: acme', 'tenant: acme\n  color: blue'));
  for (let run = 0; run < 2; run++) {
    const r = loadSpecs(broken, { cache });
    assert.deepEqual(r.errors.map((e) => `${e.pos!.file}:${e.pos!.line}:${e.pos!.col} ${e.field}`), ['tenants/acme/b.yaml:6:3 metadata.color']);
  }
  assert.equal(cache.size, 2);
});
