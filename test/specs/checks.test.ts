// Rules across documents and files, each bad input asserted as its exact
// `file:line:col field: message` and its stable code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, atIn, baseRepo, errorLines, flowYaml, serviceYaml, tenantYaml, TARGET } from './fixtures.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { isExpired } from '../../src/specs/expiry.ts';
import { Codes } from '../../src/specs/codes.ts';

const flow = (from: string, to: string, rest = '  protocol: tcp\n  ports: [443]\n  action: allow\n') => `  from: ${from}\n  to: { service: ${to} }\n${rest}`;

test('unknown tenant, unknown service, unknown role, and a flow crossing tenants', () => {
  const files = baseRepo();
  const svc = serviceYaml('nobody', 'ghost', ['10.9.0.1']);
  files.set('services/ghost.yaml', svc);
  const f = [
    flowYaml('acme', 'to-beta', flow('{ service: web }', 'api')),
    flowYaml('acme', 'no-svc', flow('{ service: wbe }', 'db')),
    flowYaml('acme', 'no-role', flow('{ role: backend }', 'db')),
    flowYaml('zeta', 'orphan', flow('{ service: web }', 'db')),
  ].join('---\n');
  files.set('flows/more.yaml', f);
  const r = loadSpecs(files);
  assert.deepEqual(r.errors.map(String), [
    `flows/more.yaml:${atIn(f, 'service: api', 'api')} spec.to.service: service "api" belongs to tenant beta; a flow of tenant acme may only use its own services`,
    `flows/more.yaml:${at(f, 'wbe')} spec.from.service: unknown service "wbe" in tenant acme`,
    `flows/more.yaml:${at(f, 'backend')} spec.from.role: no service of tenant acme has role "backend"`,
    `flows/more.yaml:${at(f, 'zeta')} metadata.tenant: unknown tenant "zeta"`,
    `services/ghost.yaml:${at(svc, 'nobody')} metadata.tenant: unknown tenant "nobody"`,
  ]);
  assert.deepEqual(r.errors.map((e) => e.code), [Codes.crossTenant, Codes.unknownService, Codes.unknownRole, Codes.unknownTenant, Codes.unknownTenant]);
});

test('duplicate names per kind and per tenant; same name in two tenants is fine', () => {
  const files = baseRepo();
  const dup = [serviceYaml('acme', 'web', ['10.1.3.0/24']), serviceYaml('beta', 'web', ['10.2.3.0/24'])].join('---\n');
  files.set('services/zz.yaml', dup);
  const r = loadSpecs(files);
  const first = baseRepo().get('services/acme.yaml')!;
  assert.deepEqual(r.errors.map(String), [
    `services/zz.yaml:${at(dup, 'web')} metadata.name: duplicate Service "acme/web" (first defined at services/acme.yaml:${at(first, 'apiVersion')})`,
  ]);
  assert.equal(r.errors[0]!.code, Codes.duplicateName);
  assert.equal(r.specs.services.filter((s) => s.metadata.name === 'web').length, 2); // acme's first one and beta's
});

test('duplicate tenant ids, vlans and vnis; overlapping prefixes across and within tenants (v4 and v6)', () => {
  const files = baseRepo();
  const g = tenantYaml('gamma', 1, 20, ['10.1.128.0/17', '2001:db8:1:8000::/49', '10.3.0.0/16', '10.3.1.0/24'], '  vni: 5\n');
  const d = tenantYaml('delta', 4, 40, ['2001:db8::/32'], '  vni: 5\n  functions:\n    router:\n      instances:\n        - { name: r1, port: 1, mac: "02:00:00:00:00:01" }\n        - { name: r1, port: 2, mac: "02:00:00:00:00:02" }\n');
  files.set('tenants/gamma.yaml', g);
  files.set('tenants/delta.yaml', d);
  const acme = files.get('tenants/acme.yaml')!;
  const r = loadSpecs(files);
  // delta sorts before gamma: delta's /32 is the first holder of the v6 space, so acme (sorted first) and gamma clash with it
  assert.deepEqual(r.errors.map(String), [
    `tenants/delta.yaml:${at(d, '"2001:db8::/32"')} spec.prefixes[0]: 2001:db8::/32 overlaps 2001:db8:1::/48 of tenant acme (tenants/acme.yaml:${at(acme, '"2001:db8:1::/48"')})`,
    `tenants/delta.yaml:${at(d, 'r1', 1)} spec.functions.router.instances[1].name: duplicate router instance "r1"`,
    `tenants/gamma.yaml:${at(g, ' 1\n').replace(/:(\d+)$/, (_m, c) => `:${Number(c) + 1}`)} spec.id: id 1 is already used by tenant acme (tenants/acme.yaml:${at(acme, ' 1\n').replace(/:(\d+)$/, (_m, c) => `:${Number(c) + 1}`)})`,
    `tenants/gamma.yaml:${at(g, '20')} spec.vlan: vlan 20 is already used by tenant beta (tenants/beta.yaml:${at(files.get('tenants/beta.yaml') as string, '20')})`,
    `tenants/gamma.yaml:${at(g, '"10.1.128.0/17"')} spec.prefixes[0]: 10.1.128.0/17 overlaps 10.1.0.0/16 of tenant acme (tenants/acme.yaml:${at(acme, '"10.1.0.0/16"')})`,
    `tenants/gamma.yaml:${at(g, '"2001:db8:1:8000::/49"')} spec.prefixes[1]: 2001:db8:1:8000::/49 overlaps 2001:db8:1::/48 of tenant acme (tenants/acme.yaml:${at(acme, '"2001:db8:1::/48"')})`,
    `tenants/gamma.yaml:${at(g, '"10.3.1.0/24"')} spec.prefixes[3]: 10.3.1.0/24 overlaps 10.3.0.0/16 of another prefix of this tenant (tenants/gamma.yaml:${at(g, '"10.3.0.0/16"')})`,
    `tenants/gamma.yaml:${atIn(g, 'vni: 5', '5')} spec.vni: vni 5 is already used by tenant delta (tenants/delta.yaml:${atIn(d, 'vni: 5', '5')})`,
  ]);
  assert.deepEqual(
    r.errors.map((e) => e.code),
    [Codes.prefixOverlap, Codes.duplicateName, Codes.duplicateTenantId, Codes.duplicateVlan, Codes.prefixOverlap, Codes.prefixOverlap, Codes.prefixOverlap, Codes.duplicateVni],
  );
});

test('service addresses must lie inside the tenant prefixes and not repeat (the later service in tenant/name order is flagged)', () => {
  const files = baseRepo();
  const s = [serviceYaml('acme', 'out4', ['10.2.0.5', '10.1.7.0/24']), serviceYaml('acme', 'out6', ['2001:db8:2::1']), serviceYaml('acme', 'zz-web-again', ['2001:db8:1:1::/64'])].join('---\n');
  files.set('services/out.yaml', s);
  const acme = baseRepo().get('services/acme.yaml')!;
  assert.deepEqual(errorLines(files), [
    `services/out.yaml:${at(s, '"10.2.0.5"')} spec.addresses[0]: 10.2.0.5 is outside the prefixes of tenant acme (10.1.0.0/16, 2001:db8:1::/48)`,
    `services/out.yaml:${at(s, '"2001:db8:2::1"')} spec.addresses[0]: 2001:db8:2::1 is outside the prefixes of tenant acme (10.1.0.0/16, 2001:db8:1::/48)`,
    `services/out.yaml:${at(s, '"2001:db8:1:1::/64"')} spec.addresses[0]: 2001:db8:1:1::/64 is already the address of service acme/web (services/acme.yaml:${at(acme, '"2001:db8:1:1::/64"')})`,
  ]);
});

test('steering through a function the tenant lacks; overlapping flows (incl. via a role and port ranges)', () => {
  const files = baseRepo();
  const acme = files.get('tenants/acme.yaml')!;
  const f = [
    flowYaml('acme', 'a-steer-ipsec', flow('{ service: web }', 'db', '  protocol: tcp\n  ports: [22]\n  action: allow\n  steer: ipsec\n')),
    flowYaml('acme', 'b-steer-fw', flow('{ service: web }', 'db', '  protocol: tcp\n  ports: [23]\n  action: allow\n  steer: firewall\n')),
    flowYaml('acme', 'c-range', flow('{ role: frontend }', 'db', '  protocol: tcp\n  ports: ["5000-5500"]\n  action: allow\n')),
    flowYaml('acme', 'd-udp-same-port', flow('{ service: web }', 'db', '  protocol: udp\n  ports: [5432]\n  action: allow\n')),
  ].join('---\n');
  files.set('flows/extra.yaml', f);
  const base = files.get('flows/acme.yaml')!;
  assert.deepEqual(errorLines(files), [
    `flows/acme.yaml:${at(base, 'web-to-db')} metadata.name: flow overlaps acme/c-range (flows/extra.yaml:${at(f, 'c-range')}) for web → db protocol tcp`,
    `flows/extra.yaml:${atIn(f, 'steer: ipsec', 'ipsec')} spec.steer: tenant acme (tenants/acme.yaml:${at(acme, 'acme')}) has no ipsec function in spec.functions`,
  ]);
});

test('targets: unknown tenant, the same (port, vlan) twice, one device twice', () => {
  const files = baseRepo();
  const t = TARGET.replace('leaf1', 'leaf2') + '    - tenant: omega\n      ports: [4]\n    - tenant: acme\n      ports: [5, 2]\n';
  files.set('targets/leaf2.yaml', t);
  assert.deepEqual(errorLines(files), [
    `targets/leaf2.yaml:${at(t, '127.0.0.1:9559')} spec.address: 127.0.0.1:9559 device 1 is already target leaf1`,
    `targets/leaf2.yaml:${at(t, 'omega')} spec.tenants[2].tenant: unknown tenant "omega"`,
    `targets/leaf2.yaml:${at(t, '[5, 2]').replace(/:(\d+)$/, (_m, c) => `:${Number(c) + 4}`)} spec.tenants[3].ports[1]: port 2 vlan 10 is already assigned to tenant acme on this target`,
  ]);
});

test('expired flows: an error for validate, dropped with a warning for the reconciler; isExpired', () => {
  const files = baseRepo();
  const f = flowYaml('acme', 'temp', flow('{ service: web }', 'db', '  protocol: tcp\n  ports: [8080]\n  action: allow\n  expires: "2025-12-31T23:00:00+01:00"\n'));
  files.set('flows/temp.yaml', f);
  const now = new Date('2025-12-31T22:00:00Z');
  const asError = loadSpecs(files, { now });
  assert.deepEqual(asError.errors.map(String), [
    `flows/temp.yaml:${at(f, '"2025-12-31')} spec.expires: flow expired at 2025-12-31T23:00:00+01:00 (now 2025-12-31T22:00:00.000Z); remove it`,
  ]);
  assert.equal(asError.errors[0]!.code, Codes.flowExpired);
  const dropped = loadSpecs(files, { now, expired: 'drop' });
  assert.deepEqual(dropped.errors, []);
  assert.deepEqual(dropped.specs.flows.map((x) => x.metadata.name), ['web-to-db']);
  assert.equal(dropped.warnings.filter((w) => w.code === Codes.flowExpired).length, 1);
  const temp = asError.specs.flows.find((x) => x.metadata.name === 'temp')!;
  assert.equal(isExpired(temp, new Date('2025-12-31T21:59:59Z')), false);
  assert.equal(isExpired(temp, new Date('2025-12-31T22:00:00Z')), true);
  assert.equal(isExpired(asError.specs.flows.find((x) => x.metadata.name === 'web-to-db')!, new Date('2999-01-01T00:00:00Z')), false);
});
