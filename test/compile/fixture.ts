// A small spec repo for compiler, diff and plan tests, as text so a test can
// edit one file and see the entries that change. Values are chosen so each
// table gets entries whose contents the tests can state by hand.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpecs } from '../../src/specs/load.ts';
import type { SpecSet } from '../../src/specs/spec-set.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../..');
export const V1MODEL_P4INFO = path.join(REPO_ROOT, 'p4/flowops_v1model.p4info.txtpb');
export const TNA_P4INFO = path.join(REPO_ROOT, 'p4/flowops_tna.p4info.txtpb');
export const EXAMPLE_REPO = path.join(REPO_ROOT, 'flows-example-repo');

let cached: P4InfoIndex | undefined;
export function v1model(): P4InfoIndex {
  return (cached ??= P4InfoIndex.fromFile(V1MODEL_P4INFO));
}

export const NOW = new Date('2026-06-01T00:00:00Z');
/** Any 32 bytes make a valid public key for the schema; flow ids derive from it. */
export const SHOP_KEY = Buffer.alloc(32, 7).toString('base64');

export const TENANT = `apiVersion: flowops.dev/v1
kind: Tenant
metadata:
  name: shop
spec:
  id: 7
  publicKey: ${SHOP_KEY}
  vlan: 70
  vni: 7000
  prefixes: [10.7.0.0/16, "2001:db8:7::/48"]
  rateLimit: { rate: 1Gbps, burst: 2MB }
  routes:
    - { prefix: 10.99.0.0/16, port: 2, mac: "02:00:00:00:00:02" }
    - { prefix: "2001:db8:99::/48", port: 2, mac: "02:00:00:00:00:02" }
  functions:
    firewall:
      instances:
        - { name: fw-a, port: 20, mac: "02:00:00:00:0f:0a" }
        - { name: fw-b, port: 21, mac: "02:00:00:00:0f:0b", weight: 3 }
`;

export const SERVICES = `apiVersion: flowops.dev/v1
kind: Service
metadata: { name: web, tenant: shop }
spec:
  addresses: [10.7.1.0/24, "2001:db8:7:1::/64"]
  roles: [frontend]
---
apiVersion: flowops.dev/v1
kind: Service
metadata: { name: api, tenant: shop }
spec:
  addresses: [10.7.2.0/24]
  roles: [frontend]
---
apiVersion: flowops.dev/v1
kind: Service
metadata: { name: db, tenant: shop }
spec:
  addresses: [10.7.3.10]
`;

export const FLOWS = `apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: web-to-db, tenant: shop }
spec:
  from: { service: web }
  to: { service: db }
  protocol: tcp
  ports: [5432]
  action: allow
  qos: gold
  rateLimit: { rate: 100Mbps, burst: 1MB }
---
apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: frontends-to-api, tenant: shop }
spec:
  from: { role: frontend }
  to: { service: api }
  protocol: tcp
  ports: [8000-8002]
  action: allow
  steer: firewall
---
apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: ping-db, tenant: shop }
spec:
  from: { service: web }
  to: { service: db }
  protocol: icmp
  action: allow
---
apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: old-access, tenant: shop }
spec:
  from: { service: api }
  to: { service: db }
  protocol: udp
  ports: [53]
  action: allow
  expires: "2026-01-01T00:00:00Z"
`;

export const TARGET = `apiVersion: flowops.dev/v1
kind: Target
metadata:
  name: leaf1
spec:
  address: 127.0.0.1:9559
  deviceId: 1
  underlay: { ports: [9, 10] }
  tenants:
    - tenant: shop
      ports: [3, 4]
`;

/** A second tenant ("other", id 8, 10.8.0.0/16), with a route for its prefix when `routed`. */
export function otherTenant(routed = false): string {
  return `apiVersion: flowops.dev/v1
kind: Tenant
metadata: { name: other }
spec:
  id: 8
  publicKey: ${Buffer.alloc(32, 8).toString('base64')}
  vlan: 80
  prefixes: [10.8.0.0/16]
${routed ? `  routes:
    - { prefix: 10.8.0.0/16, port: 6, mac: "02:00:00:00:00:06" }
` : ''}`;
}

export function shopRepo(): Map<string, string> {
  return new Map([
    ['tenants/shop/tenant.yaml', TENANT],
    ['tenants/shop/services.yaml', SERVICES],
    ['tenants/shop/flows.yaml', FLOWS],
    ['targets/leaf1.yaml', TARGET],
  ]);
}

/** Loads a repo, failing the test with every error when it is not valid. */
export function loadValid(files: Map<string, string>, now = NOW): SpecSet {
  const { specs, errors } = loadSpecs(files, { now, expired: 'drop' });
  if (errors.length) throw new Error(`fixture specs invalid:\n${errors.map((e) => e.toString()).join('\n')}`);
  return specs;
}
