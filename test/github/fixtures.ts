// Plans and events for the GitHub tests, built the way diff/plan builds them
// (changes with an origin pointing at a spec line; deletes without one).
import type { Change, Plan } from '../../src/diff/types.ts';
import type { Origin } from '../../src/compile/types.ts';
import type { SyncResult } from '../../src/report/events.ts';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.ts';
import { createGitHubClient, type GitHubClient } from '../../src/report/github/client.ts';

export const flowOrigin = (tenant: string, name: string, line = 3): Origin => ({ kind: 'flow', name: `${tenant}/${name}`, file: `tenants/${tenant}/flows/${name}.yaml`, line });

export function change(kind: Change['kind'], table: string, origin?: Origin, n = 0): Change {
  return { kind, entity: 'table_entry', table, key: `${table}#${n}`, bytes: Buffer.from([n & 0xff]), ...(origin ? { origin } : {}) };
}

/** `ins` inserts spread over flow_classify/flow_policy for `origin`, plus `mod` modifies and `del` deletes. */
export function makePlan(ins: number, mod = 0, del = 0, origin: Origin = flowOrigin('acme', 'web')): Plan {
  return {
    inserts: Array.from({ length: ins }, (_, i) => change('insert', i % 2 ? 'ingress.flow_policy' : 'ingress.flow_classify', origin, i)),
    modifies: Array.from({ length: mod }, (_, i) => change('modify', 'ingress.flow_policy', origin, 100 + i)),
    deletes: Array.from({ length: del }, (_, i) => change('delete', 'ingress.flow_classify', undefined, 200 + i)),
    unchanged: 5,
  };
}

export function switchResult(target: string, outcome: SyncResult['outcome'], plan: Plan, extra: Partial<SyncResult> = {}): SyncResult {
  const written = outcome === 'Converged'
    ? { inserted: plan.inserts.length, modified: plan.modifies.length, deleted: plan.deletes.length }
    : { inserted: 0, modified: 0, deleted: 0 };
  return { target, outcome, plan, written, durationMs: 12, ...extra };
}

export async function ghPair(opts: Parameters<typeof startGitHubServer>[0] = {}): Promise<{ gh: GitHubServer; client: GitHubClient }> {
  const gh = await startGitHubServer({ tokens: ['t0k'], ...opts });
  const client = createGitHubClient({ auth: { kind: 'token', token: 't0k' }, baseUrl: gh.url, backoffBaseMs: 1, retries: 2, spaceWrites: false });
  return { gh, client };
}
