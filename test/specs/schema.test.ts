// Per-document rules: YAML syntax, kinds, and every field's schema, each bad
// input asserted as its exact `file:line:col field: message`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, baseRepo, errorLines, flowYaml, serviceYaml, tenantYaml, TARGET } from './fixtures.ts';
import { loadSpecs } from '../../src/specs/load.ts';

const flowBody = (extra: string) => `  from: { service: web }
  to: { service: db }
${extra}`;

/** Base repo with one extra file; returns its errors. */
function withFile(path: string, text: string): string[] {
  const files = baseRepo();
  files.set(path, text);
  return errorLines(files);
}

test('the base fixture is valid and fully loaded with positions', () => {
  const r = loadSpecs(baseRepo(), { now: new Date('2026-01-01T00:00:00Z') });
  assert.deepEqual(r.errors.map(String), []);
  assert.deepEqual(r.specs.tenants.map((t) => t.metadata.name), ['acme', 'beta']);
  assert.deepEqual(r.specs.services.map((s) => `${s.metadata.tenant}/${s.metadata.name}`), ['acme/db', 'acme/web', 'beta/api']);
  const db = r.specs.services[0]!;
  const text = baseRepo().get('services/acme.yaml')!;
  assert.equal(`${db.source.line}:${db.source.col}`, at(text, 'apiVersion', 1));
  assert.equal(db.source.index, 1);
  const p = db.source.at('spec.addresses[0]');
  assert.equal(`${p.file}:${p.line}:${p.col}`, `services/acme.yaml:${at(text, '"10.1.2.10"')}`);
  // defaults are applied
  assert.equal(r.specs.tenants[0]!.spec.functions!.firewall!.instances[0]!.weight, 1);
});

test('unknown and missing fields point at the key; wrong values at the value', () => {
  const text = flowYaml('acme', 'f1', flowBody(`  protocol: tcp
  ports: [80]
  action: deny
  colour: blue
`)).replace('  tenant: acme\n', '  tenant: acme\n  nmae: x\n');
  const errs = withFile('flows/f1.yaml', text);
  assert.deepEqual(errs, [
    `flows/f1.yaml:${at(text, 'nmae')} metadata.nmae: unknown field`,
    `flows/f1.yaml:${at(text, 'deny')} spec.action: "deny" is not allowed; expected "allow"`,
    `flows/f1.yaml:${at(text, 'colour')} spec.colour: unknown field`,
  ]);
  const missing = flowYaml('acme', 'f2', `  from: { service: web }
  protocol: icmp
  action: allow
`);
  assert.deepEqual(withFile('flows/f2.yaml', missing), [`flows/f2.yaml:${at(missing, 'spec:')} spec.to: missing required field`]);
});

test('ports: out of range, reversed and malformed entries each get their own error', () => {
  const text = flowYaml('acme', 'f1', flowBody(`  protocol: tcp
  ports: [80, 70000, "900-100", "0-10", "http", 0]
  action: allow
`));
  assert.deepEqual(withFile('flows/f1.yaml', text), [
    `flows/f1.yaml:${at(text, '70000')} spec.ports[1]: port 70000 out of range 1-65535`,
    `flows/f1.yaml:${at(text, '"900-100"')} spec.ports[2]: range "900-100" is reversed (low end above high end)`,
    `flows/f1.yaml:${at(text, '"0-10"')} spec.ports[3]: port 0 out of range 1-65535`,
    `flows/f1.yaml:${at(text, '"http"')} spec.ports[4]: "http" is not a port number or a "lo-hi" range`,
    `flows/f1.yaml:${at(text, ' 0]') .replace(/:(\d+)$/, (_m, c) => `:${Number(c) + 1}`)} spec.ports[5]: port 0 out of range 1-65535`,
  ]);
});

test('flow from/protocol/rate/qos/expires formats', () => {
  const text = flowYaml('acme', 'f1', `  from: { service: web, role: frontend }
  to: { service: db }
  protocol: sctp
  action: allow
  rateLimit: { rate: 100MBps, burst: 1MB }
  qos: platinum
  steer: nat
  expires: tomorrow
`);
  assert.deepEqual(withFile('flows/f1.yaml', text), [
    `flows/f1.yaml:${at(text, '{ service: web')} spec.from: must be { service: NAME } or { role: NAME }`,
    `flows/f1.yaml:${at(text, 'sctp')} spec.protocol: must be tcp, udp, icmp, icmpv6, esp or an IP protocol number 0-255`,
    `flows/f1.yaml:${at(text, '100MBps')} spec.rateLimit.rate: must be a rate like "100Mbps" (bps, Kbps, Mbps, Gbps, Tbps)`,
    `flows/f1.yaml:${at(text, 'platinum')} spec.qos: "platinum" is not allowed; expected "gold", "silver", "bronze", "best-effort"`,
    `flows/f1.yaml:${at(text, 'nat')} spec.steer: "nat" is not allowed; expected "router", "firewall", "ipsec"`,
    `flows/f1.yaml:${at(text, 'tomorrow')} spec.expires: "tomorrow" is not an ISO-8601 date-time with offset (e.g. 2026-01-31T18:00:00Z)`,
  ]);
});

test('ports are required for tcp/udp and forbidden for other protocols', () => {
  const noPorts = flowYaml('acme', 'f1', flowBody(`  protocol: udp
  action: allow
`));
  assert.deepEqual(withFile('flows/f1.yaml', noPorts), [`flows/f1.yaml:${at(noPorts, 'spec:')} spec.ports: ports are required for protocol udp`]);
  const icmpPorts = flowYaml('acme', 'f2', flowBody(`  protocol: icmp
  ports: [7]
  action: allow
`));
  assert.deepEqual(withFile('flows/f2.yaml', icmpPorts), [`flows/f2.yaml:${at(icmpPorts, '[7]')} spec.ports: ports are not allowed for protocol icmp (it has no ports)`]);
  const proto6 = flowYaml('acme', 'f3', flowBody(`  protocol: 6
  action: allow
`));
  assert.deepEqual(withFile('flows/f3.yaml', proto6), [`flows/f3.yaml:${at(proto6, 'spec:')} spec.ports: ports are required for protocol 6`]);
});

test('tenant fields: id, vlan, vni, key, prefixes, routes, functions', () => {
  const text = tenantYaml('gamma', 0, 4095, ['10.9.0.1/16', '2001:db8::/129', '300.1.1.0/24'], `  vni: 16777216
  routes:
    - { prefix: 10.9.0.0/16, port: 512, mac: "02:00:00:00:00:01" }
  functions:
    firewall: { instances: [] }
    ipsec: { instances: [{ name: v1, port: 3, mac: "zz", weight: 101 }] }
`).replace(/publicKey: .*/, 'publicKey: c2hvcnQ=');
  assert.deepEqual(withFile('tenants/gamma.yaml', text), [
    `tenants/gamma.yaml:${at(text, ' 0\n').replace(/:(\d+)$/, (_m, c) => `:${Number(c) + 1}`)} spec.id: 0 is below the minimum 1`,
    `tenants/gamma.yaml:${at(text, 'c2hvcnQ=')} spec.publicKey: must be a base64 ed25519 public key (32 bytes)`,
    `tenants/gamma.yaml:${at(text, '4095')} spec.vlan: 4095 is above the maximum 4094`,
    `tenants/gamma.yaml:${at(text, '"10.9.0.1/16"')} spec.prefixes[0]: "10.9.0.1/16" has host bits set (did you mean 10.9.0.0/16?)`,
    `tenants/gamma.yaml:${at(text, '"2001:db8::/129"')} spec.prefixes[1]: "2001:db8::/129": prefix length must be 0-128`,
    `tenants/gamma.yaml:${at(text, '"300.1.1.0/24"')} spec.prefixes[2]: "300.1.1.0/24" is not a CIDR prefix: "300.1.1.0" is not an IPv4 or IPv6 address`,
    `tenants/gamma.yaml:${at(text, '16777216')} spec.vni: 16777216 is above the maximum 16777215`,
    `tenants/gamma.yaml:${at(text, '512')} spec.routes[0].port: switch port 512 out of range 0-511`,
    `tenants/gamma.yaml:${at(text, '[] }')} spec.functions.firewall.instances: needs at least 1 item`,
    `tenants/gamma.yaml:${at(text, '"zz"')} spec.functions.ipsec.instances[0].mac: must be a MAC address like 02:00:00:00:00:01`,
    `tenants/gamma.yaml:${at(text, '101')} spec.functions.ipsec.instances[0].weight: 101 is above the maximum 100`,
  ]);
});

test('service and target fields', () => {
  const svc = serviceYaml('acme', 'Bad_Name', ['10.1.9.999', 'fe80::1::2'], ['ok']);
  assert.deepEqual(withFile('services/x.yaml', svc), [
    `services/x.yaml:${at(svc, 'Bad_Name')} metadata.name: must be lowercase letters, digits and "-", not starting or ending with "-"`,
    `services/x.yaml:${at(svc, '"10.1.9.999"')} spec.addresses[0]: "10.1.9.999" is not an IPv4 or IPv6 address`,
    `services/x.yaml:${at(svc, '"fe80::1::2"')} spec.addresses[1]: "fe80::1::2" is not an IPv4 or IPv6 address`,
  ]);
  const tgt = TARGET.replace('leaf1', 'leaf9').replace('127.0.0.1:9559', 'localhost').replace('deviceId: 1', 'deviceId: "one"').replace('[1, 3]', '[1, 600]');
  assert.deepEqual(withFile('targets/leaf9.yaml', tgt), [
    `targets/leaf9.yaml:${at(tgt, 'localhost')} spec.address: must be host:port (IPv6 as [addr]:port)`,
    `targets/leaf9.yaml:${at(tgt, '"one"')} spec.deviceId: expected a number, got a string "one"`,
    `targets/leaf9.yaml:${at(tgt, '600')} spec.tenants[1].ports[1]: switch port 600 out of range 0-511`,
  ]);
});

test('YAML syntax errors, unknown kinds and non-mapping documents are reported with the rest', () => {
  const files = baseRepo();
  const broken = 'apiVersion: flowops.dev/v1\nkind: Service\nmetadata: { name: x, tenant: acme\nspec: {}\n';
  files.set('services/broken.yaml', broken);
  const dupKey = 'apiVersion: flowops.dev/v1\nkind: Tenant\nkind: Tenant\n';
  files.set('tenants/dup.yaml', dupKey);
  const weird = '---\n- just\n- a list\n---\napiVersion: flowops.dev/v1\nkind: Flw\nmetadata: {}\n---\n# only a comment\n';
  files.set('flows/weird.yaml', weird);
  files.set('README.md', 'not: [yaml'); // not a spec file: ignored
  const errs = errorLines(files);
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.match(errs[0]!, new RegExp(`^flows/weird.yaml:${at(weird, '- just')} a spec document must be a mapping`));
  assert.equal(errs[1], `flows/weird.yaml:${at(weird, 'Flw')} kind: unknown kind "Flw"; expected one of Tenant, Service, Flow, Contract, Target`);
  assert.match(errs[2]!, /^services\/broken.yaml:\d+:\d+ .+/);
  assert.match(errs[3]!, new RegExp(`^tenants/dup.yaml:${at(dupKey, 'kind', 1)} Map keys must be unique`));
});

test('errors are sorted by file, line and col, and every one is found in one pass', () => {
  const files = baseRepo();
  files.set('z.yaml', flowYaml('acme', 'z', flowBody('  protocol: tcp\n  ports: [0]\n  action: allow\n')));
  files.set('a.yaml', serviceYaml('acme', 'a', ['10.1.200.0/33']) + '  extra: 1\n');
  const errs = errorLines(files);
  assert.deepEqual(
    errs.map((e) => e.split(' ')[0]),
    ['a.yaml:7:15', 'a.yaml:8:3', 'z.yaml:10:11'],
  );
});
