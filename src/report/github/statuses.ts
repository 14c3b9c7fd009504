// Commit statuses: `flowops/plan` on PR heads, `flowops/apply/<switch>` on merged commits.
import type { GitHubClient } from './client.ts';
import { fitDescription } from './summary.ts';
import type { RepoRef } from './types.ts';

export type StatusState = 'pending' | 'success' | 'failure' | 'error';

export const PLAN_CONTEXT = 'flowops/plan';
/** One status per switch, so a failed leaf shows which one and the others stay green. */
export const applyContext = (target: string) => `flowops/apply/${target}`;

export async function postStatus(gh: GitHubClient, repo: RepoRef, s: { sha: string; context: string; state: StatusState; description: string; targetUrl?: string }): Promise<void> {
  await gh.rest.repos.createCommitStatus({
    ...repo, sha: s.sha, context: s.context, state: s.state, description: fitDescription(s.description),
    ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
  });
}
