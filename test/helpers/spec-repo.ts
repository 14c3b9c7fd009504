// Small, valid, signed spec repos for reconciler tests: one tenant "acme"
// with a few services and the flows a test asks for, one or more Targets.
// Flow files are signed with a fixed test key, as the reconciler demands.
import type { SpecTree } from '../../src/source/spec-tree.ts';
import { createHash } from 'node:crypto';
import { publicKeyOf, signFile, SIG_SUFFIX } from '../../src/specs/signature.ts';

const seed = new Uint8Array(createHash('sha256').update('flowops-test/acme').digest());
export const ACME_PUBLIC_KEY = Buffer.from(publicKeyOf(seed)).toString('base64');

export interface FlowDef {
  name: string;
  from: string;
  to: string;
  ports?: (number | string)[];
  protocol?: 'tcp' | 'udp' | 'icmp';
  steer?: boolean;
  expires?: string;
  qos?: 'gold' | 'silver' | 'bronze' | 'best-effort';
  /** Direct meter on the flow's flow_policy entry. */
  rateLimit?: { rate: string; burst: string };
}

export const SERVICES = ['web', 'api', 'db', 'cache'];

export function flowYaml(f: FlowDef): string {
  const proto = f.protocol ?? 'tcp';
  return [
    'apiVersion: flowops.dev/v1',
    'kind: Flow',
    'metadata:',
    `  name: ${f.name}`,
    '  tenant: acme',
    'spec:',
    `  from: { service: ${f.from} }`,
    `  to: { service: ${f.to} }`,
    `  protocol: ${proto}`,
    ...(proto === 'icmp' ? [] : [`  ports: [${(f.ports ?? [443]).join(', ')}]`]),
    '  action: allow',
    ...(f.qos ? [`  qos: ${f.qos}`] : []),
    ...(f.rateLimit ? [`  rateLimit: { rate: ${f.rateLimit.rate}, burst: ${f.rateLimit.burst} }`] : []),
    ...(f.steer ? ['  steer: firewall'] : []),
    ...(f.expires ? [`  expires: "${f.expires}"`] : []),
    '',
  ].join('\n');
}

/** Files of a repo: tenant, services, flows (one signed file), targets. Pass `rawFlows` to write the flow file text yourself. */
export function specRepo(opts: { targets: { name: string; address: string }[]; flows: FlowDef[]; rawFlows?: string; unsigned?: boolean }): Record<string, string> {
  const files: Record<string, string> = {};
  files['tenants/acme/tenant.yaml'] = `apiVersion: flowops.dev/v1
kind: Tenant
metadata:
  name: acme
spec:
  id: 7
  publicKey: ${ACME_PUBLIC_KEY}
  vlan: 70
  prefixes: [10.7.0.0/16]
  routes:
    - { prefix: 0.0.0.0/0, port: 1, mac: "02:00:00:00:00:01" }
  functions:
    firewall:
      instances:
        - { name: fw-a, port: 20, mac: "02:00:00:00:0f:01" }
        - { name: fw-b, port: 21, mac: "02:00:00:00:0f:02" }
`;
  files['tenants/acme/services.yaml'] = SERVICES.map(
    (s, i) => `apiVersion: flowops.dev/v1
kind: Service
metadata:
  name: ${s}
  tenant: acme
spec:
  addresses: [10.7.${i + 1}.0/24]
`,
  ).join('---\n');
  const flowText = opts.rawFlows ?? opts.flows.map(flowYaml).join('---\n');
  const flowPath = 'tenants/acme/flows/flows.yaml';
  files[flowPath] = flowText;
  if (!opts.unsigned) files[flowPath + SIG_SUFFIX] = signFile(seed, flowPath, Buffer.from(flowText));
  for (const t of opts.targets) {
    files[`targets/${t.name}.yaml`] = `apiVersion: flowops.dev/v1
kind: Target
metadata:
  name: ${t.name}
spec:
  address: ${t.address}
  deviceId: 1
  insecure: true
  tenants:
    - tenant: acme
      ports: [3, 4]
`;
  }
  return files;
}

/** The `.sig` text for `path` (spec-root-relative) with `text`, by tenant acme's test key. */
export function signAcme(path: string, text: string): string {
  return signFile(seed, path, Buffer.from(text));
}

/** Files as a spec tree (what source/ hands to the desired stage), without Git or a directory. */
export function treeOf(files: ReadonlyMap<string, Buffer> | Record<string, string>, label = 'test'): SpecTree {
  const map = files instanceof Map ? new Map(files) : new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v as string)]));
  return { commit: label, label, root: '', files: map, links: [] };
}
