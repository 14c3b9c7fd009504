// Two versions of the shop repo for plan rendering and CLI tests: version B
// raises web-to-db's rate, removes ping-db and adds api-to-db.
import { createHash } from 'node:crypto';
import { FLOWS, NOW, SHOP_KEY, shopRepo } from '../compile/fixture.ts';
import { desiredState } from '../../src/desired/desired.ts';
import type { DesiredSet } from '../../src/desired/types.ts';
import { publicKeyOf, signFile, SIG_SUFFIX } from '../../src/specs/signature.ts';

export const API_TO_DB = `---
apiVersion: flowops.dev/v1
kind: Flow
metadata: { name: api-to-db, tenant: shop }
spec:
  from: { service: api }
  to: { service: db }
  protocol: tcp
  ports: [5432]
  action: allow
`;

const PING = FLOWS.slice(FLOWS.indexOf('---\napiVersion: flowops.dev/v1\nkind: Flow\nmetadata: { name: ping-db'), FLOWS.indexOf('---\napiVersion: flowops.dev/v1\nkind: Flow\nmetadata: { name: old-access'));

export const FLOWS_B = FLOWS.replace('rate: 100Mbps', 'rate: 200Mbps').replace(PING, '') + API_TO_DB;

// `flowops plan` checks signatures like the reconciler: the shop tenant gets a
// key whose seed is known here, and its flow file is signed.
const SEED = new Uint8Array(createHash('sha256').update('flowops-test/shop').digest());
export const SHOP_SIGNED_KEY = Buffer.from(publicKeyOf(SEED)).toString('base64');

function signed(files: Map<string, string>): Map<string, string> {
  files.set('tenants/shop/tenant.yaml', files.get('tenants/shop/tenant.yaml')!.replace(SHOP_KEY, SHOP_SIGNED_KEY));
  const flows = 'tenants/shop/flows.yaml';
  files.set(flows + SIG_SUFFIX, signFile(SEED, flows, Buffer.from(files.get(flows)!)));
  return files;
}

export function repoA(): Map<string, string> {
  return signed(shopRepo());
}

export function repoB(): Map<string, string> {
  const files = shopRepo();
  files.set('tenants/shop/flows.yaml', FLOWS_B);
  return signed(files);
}

/** A fixture version through the desired stage (as `flowops plan` reads it), failing the test on any problem. */
export function desiredOf(files: Map<string, string>): DesiredSet {
  const tree = { commit: '', label: 'fixture', root: '', links: [], files: new Map([...files].map(([k, v]) => [k, Buffer.from(v)])) };
  const d = desiredState(tree, { now: NOW, keepSpecs: true });
  if (d.problems.length) throw new Error(`fixture invalid:\n${d.problems.map((p) => `${p.pos.file}:${p.pos.line} ${p.message}`).join('\n')}`);
  return d;
}
