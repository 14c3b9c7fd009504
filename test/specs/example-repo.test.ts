// flows-example-repo/ is valid and signed; a copy of it with several defects
// in several files yields exactly one error per defect, at its line.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSpecDir } from '../../src/source/dir.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { checkSignatures } from '../../src/specs/signature.ts';
import { hasPorts } from '../../src/specs/units.ts';
import { toPrefix } from '../../src/specs/ip.ts';
import { Codes } from '../../src/specs/codes.ts';
import { EXAMPLE_REPO, signExampleRepo } from '../../scripts/sign-example.ts';
import { at, atIn } from './fixtures.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-example-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the example repo is valid, signed, and as rich as promised', () => {
  const files = readSpecDir(EXAMPLE_REPO);
  assert.ok(![...files.keys()].some((f) => f.startsWith('.example-keys/')), 'dot-directories are not read');
  const { specs, errors } = loadSpecs(files, { now: NOW });
  assert.deepEqual(errors.map(String), []);
  assert.deepEqual(checkSignatures(specs, files).map(String), []);
  assert.ok(specs.tenants.length >= 3);
  assert.ok(specs.services.length >= 20);
  assert.ok(specs.flows.length >= 50);
  assert.deepEqual(
    specs.targets.map((t) => [t.metadata.name, t.spec.address, t.spec.deviceId]),
    [['leaf1', '127.0.0.1:9559', 1], ['leaf2', '127.0.0.1:9560', 1]],
  );
  const svc = new Map(specs.services.map((s) => [`${s.metadata.tenant}/${s.metadata.name}`, s]));
  const v6 = specs.flows.filter((f) => 'service' in f.spec.from && [f.spec.from.service, f.spec.to.service].every((n) => svc.get(`${f.metadata.tenant}/${n}`)!.spec.addresses.some((a) => toPrefix(a).family === 6)));
  assert.ok(v6.length >= 3, 'some flows connect IPv6-addressed services');
  assert.ok(specs.flows.some((f) => 'role' in f.spec.from));
  assert.ok(specs.flows.some((f) => f.spec.rateLimit));
  assert.ok(specs.flows.some((f) => f.spec.qos));
  assert.ok(specs.flows.some((f) => f.spec.steer === 'firewall'));
  assert.ok(specs.flows.some((f) => f.spec.steer === 'ipsec'));
  assert.ok(specs.flows.some((f) => !hasPorts(f.spec.protocol)));
});

test('every example YAML file names a schema that exists, by a relative path', () => {
  for (const file of [...readSpecDir(EXAMPLE_REPO).keys()].filter((f) => f.endsWith('.yaml'))) {
    const first = fs.readFileSync(path.join(EXAMPLE_REPO, file), 'utf8').split('\n')[0]!;
    const m = /^# yaml-language-server: \$schema=(\.\.\/[^ ]+\.schema\.json)$/.exec(first);
    assert.ok(m, `${file}: first line is ${first}`);
    assert.ok(fs.existsSync(path.resolve(path.dirname(path.join(EXAMPLE_REPO, file)), m[1]!)), `${file}: ${m[1]} does not exist`);
  }
});

test('a broken copy gives one error per defect, each at its place', () => {
  const repo = path.join(tmp, 'broken');
  fs.cpSync(EXAMPLE_REPO, repo, { recursive: true });
  const edit = (file: string, from: string, to: string): string => {
    const p = path.join(repo, file);
    const text = fs.readFileSync(p, 'utf8');
    assert.ok(text.includes(from), `${file} has no "${from}"`);
    const out = text.replace(from, to);
    fs.writeFileSync(p, out);
    return out;
  };
  // Defects authored and then signed by their tenants (so only the defect shows):
  const initech = edit('tenants/initech/tenant.yaml', 'vlan: 103', 'vlan: 101'); // 1. VLAN of acme
  const globexSvc = edit('tenants/globex/services.yaml', '10.2.12.5', '10.9.12.5'); // 2. outside globex prefixes
  const web = edit('tenants/acme/flows/web.yaml', 'ports: [443, 8080]', 'ports: [443, 80800]'); // 3. port out of range
  const app = edit('tenants/initech/flows/app.yaml', 'to: { service: postgres }', 'to: { service: hsm }'); // 4. globex's service
  const ops = edit('tenants/acme/flows/ops.yaml', '  steer: firewall\n', '  steer: router\n'); // 5. acme has no router
  const leaf2 = edit('targets/leaf2.yaml', 'tenant: globex', 'tenant: globx'); // 6. unknown tenant
  signExampleRepo(repo);
  // 7. edited after signing
  edit('tenants/globex/flows/core.yaml', 'ports: [1792]', 'ports: [1793]');

  const files = readSpecDir(repo);
  const { specs, errors } = loadSpecs(files, { now: NOW });
  const all = [...errors, ...checkSignatures(specs, files)].map((e) => `${e.code} ${e.toString()}`).sort();
  const acmeTenant = fs.readFileSync(path.join(repo, 'tenants/acme/tenant.yaml'), 'utf8');
  assert.deepEqual(all, [
    `${Codes.sigBad} tenants/globex/flows/core.yaml:1:1 signature does not verify with the key of tenant globex (file changed after signing, or signed with an unknown key)`,
    `${Codes.addressOutsideTenant} tenants/globex/services.yaml:${at(globexSvc, '10.9.12.5')} spec.addresses[0]: 10.9.12.5 is outside the prefixes of tenant globex (10.2.0.0/16, 2001:db8:102::/48)`,
    `${Codes.crossTenant} tenants/initech/flows/app.yaml:${atIn(app, 'service: hsm', 'hsm')} spec.to.service: service "hsm" belongs to tenant globex; a flow of tenant initech may only use its own services`,
    `${Codes.duplicateVlan} tenants/initech/tenant.yaml:${atIn(initech, 'vlan: 101', '101')} spec.vlan: vlan 101 is already used by tenant acme (tenants/acme/tenant.yaml:${atIn(acmeTenant, 'vlan: 101', '101')})`,
    `${Codes.noSuchFunction} tenants/acme/flows/ops.yaml:${atIn(ops, 'steer: router', 'router')} spec.steer: tenant acme (tenants/acme/tenant.yaml:${atIn(acmeTenant, 'name: acme', 'acme')}) has no router function in spec.functions`,
    `${Codes.schema} tenants/acme/flows/web.yaml:${at(web, '80800')} spec.ports[1]: port 80800 out of range 1-65535`,
    `${Codes.unknownTenant} targets/leaf2.yaml:${at(leaf2, 'globx')} spec.tenants[1].tenant: unknown tenant "globx"`,
  ]);
});
