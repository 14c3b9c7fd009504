// One comment per purpose per issue/PR: found by a hidden marker in its body
// and edited in place, so a PR with twenty pushes still has one plan comment.
import type { GitHubClient } from './client.ts';
import type { RepoRef } from './types.ts';

export async function findMarkedComment(gh: GitHubClient, repo: RepoRef, issueNumber: number, marker: string): Promise<{ id: number; body: string } | undefined> {
  const all = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
  const c = all.find((x) => (x.body ?? '').includes(marker));
  return c ? { id: c.id, body: c.body ?? '' } : undefined;
}

/** Creates the comment, or edits the one carrying `marker`; an identical body is left alone. */
export async function upsertMarkedComment(gh: GitHubClient, repo: RepoRef, issueNumber: number, marker: string, body: string): Promise<{ id: number; action: 'created' | 'updated' | 'unchanged' }> {
  const found = await findMarkedComment(gh, repo, issueNumber, marker);
  if (!found) {
    const res = await gh.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
    return { id: res.data.id, action: 'created' };
  }
  if (found.body === body) return { id: found.id, action: 'unchanged' };
  await gh.rest.issues.updateComment({ ...repo, comment_id: found.id, body });
  return { id: found.id, action: 'updated' };
}
