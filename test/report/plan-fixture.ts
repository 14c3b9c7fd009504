// Two versions of the shop repo for plan rendering and CLI tests: version B
// raises web-to-db's rate, removes ping-db and adds api-to-db.
import { FLOWS, shopRepo } from '../compile/fixture.ts';

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

export function repoA(): Map<string, string> {
  return shopRepo();
}

export function repoB(): Map<string, string> {
  const files = shopRepo();
  files.set('tenants/shop/flows.yaml', FLOWS_B);
  return files;
}
