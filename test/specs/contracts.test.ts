import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpecs } from '../../src/specs/load.ts';
import { contractChanges, contractOf } from '../../src/specs/contracts.ts';
import { assignFlowIds } from '../../src/specs/flow-id.ts';
import { checkSignatures, signFile } from '../../src/specs/signature.ts';
import { publicKeyOf } from '../../src/specs/signature.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { compile } from '../../src/compile/compile.ts';
import { EXAMPLE_REPO, NOW, shopRepo, v1model } from '../compile/fixture.ts';

const CONTRACTS = `apiVersion: flowops.dev/v1
kind: Contract
metadata: { name: db-access, tenant: shop }
spec:
  topology: point-to-multipoint
  root: server
  roles:
    - name: client
    - name: server
      protocol: tcp
      ports: [5433]
---
apiVersion: flowops.dev/v1
kind: Contract
metadata: { name: peering, tenant: shop }
spec:
  directed: false
  roles:
    - name: a
      protocol: udp
      ports: [7000]
    - name: b
      protocol: udp
      ports: [7001]
`;

function bind(services: string, svc: string, contract: string, role: string): string {
  const re = new RegExp(`(metadata: \\{ name: ${svc}, tenant: shop \\}\\nspec:\\n)`);
  assert.ok(re.test(services), `fixture has service ${svc}`);
  return services.replace(re, `$1  contracts: [{ contract: ${contract}, role: ${role} }]\n`);
}

function repo(bindings: [string, string, string][]): Map<string, string> {
  const files = shopRepo();
  let services = files.get('tenants/shop/services.yaml')!;
  // one binding per service in these tests
  for (const [svc, c, r] of bindings) services = bind(services, svc, c, r);
  files.set('tenants/shop/services.yaml', services);
  files.set('tenants/shop/contracts.yaml', CONTRACTS);
  return files;
}

const generated = (files: Map<string, string>) => {
  const r = loadSpecs(files, { now: NOW, expired: 'drop' });
  return { ...r, names: r.specs.flows.filter((f) => contractOf(f)).map((f) => f.metadata.name) };
};

test('a directed point-to-multipoint contract makes one flow per client → server, located at the server role', () => {
  const r = generated(repo([['web', 'db-access', 'client'], ['api', 'db-access', 'client'], ['db', 'db-access', 'server']]));
  assert.deepEqual(r.errors.map(String), []);
  assert.deepEqual(r.names, ['db-access:api->db', 'db-access:web->db']);
  const f = r.specs.flows.find((x) => x.metadata.name === 'db-access:web->db')!;
  assert.deepEqual(f.spec.to, { service: 'db' });
  assert.equal(f.spec.protocol, 'tcp');
  assert.deepEqual(f.spec.ports, [5433]);
  assert.equal(f.source.file, 'tenants/shop/contracts.yaml');
  assert.equal(f.source.line, 9, 'the server role line');
  assert.deepEqual(contractOf(f), { contract: 'db-access', tenant: 'shop', from: { service: 'web', role: 'client' }, to: { service: 'db', role: 'server' } });
});

test('an undirected contract opens both ways, each to the port its destination role accepts', () => {
  const r = generated(repo([['web', 'peering', 'a'], ['api', 'peering', 'b']]));
  assert.deepEqual(r.errors.map(String), []);
  const by = new Map(r.specs.flows.filter((f) => contractOf(f)).map((f) => [f.metadata.name, f.spec.ports]));
  assert.deepEqual([...by], [['peering:api->web', [7000]], ['peering:web->api', [7001]]]);
});

test('binding a new service adds flows and leaves every existing flow id alone', () => {
  const before = generated(repo([['web', 'db-access', 'client'], ['db', 'db-access', 'server']]));
  const after = generated(repo([['web', 'db-access', 'client'], ['api', 'db-access', 'client'], ['db', 'db-access', 'server']]));
  const a = assignFlowIds(before.specs);
  const b = assignFlowIds(after.specs);
  for (const [k, v] of a) assert.deepEqual(b.get(k), v, k);
  assert.equal(b.size, a.size + 1);
  assert.deepEqual(contractChanges(before.specs, after.specs), ['contract `db-access`: service `api` joins as client → 1 new flow']);
  assert.deepEqual(contractChanges(after.specs, before.specs), ['contract `db-access`: service `api` leaves client → 1 flow removed']);
});

test('a second service in the root role, an unknown contract and an unknown role are errors at the binding', () => {
  const files = shopRepo();
  files.set('tenants/shop/contracts.yaml', CONTRACTS);
  files.set(
    'tenants/shop/services.yaml',
    `apiVersion: flowops.dev/v1
kind: Service
metadata: { name: web, tenant: shop }
spec:
  addresses: [10.7.1.0/24]
  contracts: [{ contract: db-access, role: server }, { contract: nope, role: client }]
---
apiVersion: flowops.dev/v1
kind: Service
metadata: { name: api, tenant: shop }
spec:
  addresses: [10.7.2.0/24]
  contracts: [{ contract: peering, role: c }]
---
apiVersion: flowops.dev/v1
kind: Service
metadata: { name: db, tenant: shop }
spec:
  addresses: [10.7.3.10]
  contracts: [{ contract: db-access, role: server }]
`,
  );
  files.delete('tenants/shop/flows.yaml');
  const r = loadSpecs(files, { now: NOW });
  const codes = r.errors.map((e) => `${e.code} ${e.pos!.file}:${e.pos!.line} ${e.field}`);
  assert.deepEqual(codes, [
    // services go in name order (db, web): the later binding of the root role is the one refused
    'SPEC_CONTRACT_CARDINALITY tenants/shop/services.yaml:6 spec.contracts[0]',
    'SPEC_UNKNOWN_CONTRACT tenants/shop/services.yaml:6 spec.contracts[1].contract',
    'SPEC_UNKNOWN_CONTRACT_ROLE tenants/shop/services.yaml:13 spec.contracts[0].role',
  ]);
});

test('a point-to-multipoint contract must name its root; a contract with no accepting role is refused', () => {
  const files = shopRepo();
  files.set(
    'tenants/shop/contracts.yaml',
    `apiVersion: flowops.dev/v1
kind: Contract
metadata: { name: c1, tenant: shop }
spec:
  topology: point-to-multipoint
  roles: [{ name: a }, { name: b, protocol: tcp, ports: [1] }]
---
apiVersion: flowops.dev/v1
kind: Contract
metadata: { name: c2, tenant: shop }
spec:
  roles: [{ name: a }, { name: b }]
`,
  );
  const r = loadSpecs(files, { now: NOW, expired: 'drop' });
  assert.deepEqual(r.errors.map((e) => `${e.pos!.line} ${e.field}`), ['4 spec.root', '12 spec.roles']);
});

test('contract files are signed like flow files; generated flows compile to entries', () => {
  const files = repo([['web', 'db-access', 'client'], ['db', 'db-access', 'server']]);
  const seed = new Uint8Array(32).fill(9);
  const key = Buffer.from(publicKeyOf(seed)).toString('base64');
  files.set('tenants/shop/tenant.yaml', files.get('tenants/shop/tenant.yaml')!.replace(/publicKey: \S+/, `publicKey: ${key}`));
  files.set('tenants/shop/flows.yaml.sig', signFile(seed, 'tenants/shop/flows.yaml', Buffer.from(files.get('tenants/shop/flows.yaml')!)));
  const { specs } = loadSpecs(files, { now: NOW, expired: 'drop' });
  const missing = checkSignatures(specs, files);
  assert.deepEqual(missing.map((e) => `${e.code} ${e.pos!.file}`), ['SIG_MISSING tenants/shop/contracts.yaml']);
  files.set('tenants/shop/contracts.yaml.sig', signFile(seed, 'tenants/shop/contracts.yaml', Buffer.from(CONTRACTS)));
  assert.deepEqual(checkSignatures(specs, files), []);
  const state = compile(specs, v1model(), 'leaf1', { now: NOW });
  const fromContract = state.entries.filter((e) => e.origin.name === 'shop/db-access:web->db');
  assert.deepEqual(fromContract.map((e) => e.table).sort(), ['ingress.flow_classify', 'ingress.flow_policy']);
  assert.equal(fromContract[0]!.origin.file, 'tenants/shop/contracts.yaml');
});

test('the example repository uses contracts: at least two, one point-to-multipoint, all signed', () => {
  const files = readSpecDir(EXAMPLE_REPO);
  const { specs, errors } = loadSpecs(files, { now: NOW });
  assert.deepEqual(errors.map(String), []);
  assert.ok((specs.contracts ?? []).length >= 2);
  assert.ok(specs.contracts!.some((c) => c.spec.topology === 'point-to-multipoint'));
  assert.ok(specs.flows.filter((f) => contractOf(f)).length >= 4);
  assert.ok(specs.flows.some((f) => !contractOf(f)), 'written Flow documents keep working beside contracts');
  assert.deepEqual(checkSignatures(specs, files).map(String), []);
});

test('plan --json carries the trust and contract lines the text plan shows above the entries', async () => {
  const { main } = await import('../../src/cli/main.ts');
  const { Writable } = await import('node:stream');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-json-words-'));
  try {
    const write = (dir: string, files: Map<string, string>) => {
      for (const [p, text] of files) {
        fs.mkdirSync(path.dirname(path.join(root, dir, p)), { recursive: true });
        fs.writeFileSync(path.join(root, dir, p), text);
      }
    };
    const seed = new Uint8Array(32).fill(9);
    const signed = (files: Map<string, string>) => {
      files.set('tenants/shop/tenant.yaml', files.get('tenants/shop/tenant.yaml')!.replace(/publicKey: \S+/, `publicKey: ${Buffer.from(publicKeyOf(seed)).toString('base64')}`));
      for (const f of ['tenants/shop/flows.yaml', 'tenants/shop/contracts.yaml']) files.set(`${f}.sig`, signFile(seed, f, Buffer.from(files.get(f)!)));
      return files;
    };
    const base = signed(repo([['web', 'db-access', 'client'], ['db', 'db-access', 'server']]));
    const head = signed(repo([['web', 'db-access', 'client'], ['api', 'db-access', 'client'], ['db', 'db-access', 'server']]));
    const target = head.get('targets/leaf1.yaml')!;
    assert.match(target, /address: \S+/);
    head.set('targets/leaf1.yaml', target.replace(/address: \S+/, 'address: 192.0.2.99:9559'));
    write('base', base);
    write('head', head);
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
    const code = await main(['plan', 'head', '--against', 'base', '--json', '--now', NOW.toISOString()], {
      env: {}, cwd: root, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal,
    });
    assert.equal(code, 2, err);
    const j = JSON.parse(out) as { trust: string[]; contracts: string[]; summary: { insert: number } };
    assert.deepEqual(j.contracts, ['contract `db-access`: service `api` joins as client → 1 new flow']);
    assert.equal(j.trust.length, 1, JSON.stringify(j.trust));
    assert.match(j.trust[0], /^Target leaf1 address: \S+ → 192\.0\.2\.99:9559$/);
    assert.ok(j.summary.insert > 0);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
