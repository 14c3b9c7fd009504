// Drift alerts: one open issue per switch, labelled `flowops-drift` and found
// again by label + a hidden per-switch marker. While drift lasts the issue's
// body is rewritten with the current drifted entries (never a second issue);
// when it ends the issue gets a closing comment and is closed.
import type { DriftClearedEvent, DriftEvent } from '../events.ts';
import type { GitHubClient } from './client.ts';
import { COMMENT_BODY_MAX, fitBlocks } from './plan-comment.ts';
import type { RepoRef } from './types.ts';
import { mdCode, mdCodeCell, mdText } from '../markdown.ts';

export const DRIFT_LABEL = 'flowops-drift';
export const driftMarker = (target: string) => `<!-- flowops:drift target=${encodeURIComponent(target)} -->`;

export async function findDriftIssue(gh: GitHubClient, repo: RepoRef, target: string): Promise<{ number: number; body: string } | undefined> {
  const marker = driftMarker(target);
  const issues = await gh.paginate(gh.rest.issues.listForRepo, { ...repo, state: 'open', labels: DRIFT_LABEL, per_page: 100 });
  // The issue list includes pull requests; a drift alert is never one.
  const hit = issues.find((i) => !i.pull_request && (i.body ?? '').includes(marker));
  return hit ? { number: hit.number, body: hit.body ?? '' } : undefined;
}


export function renderDriftBody(ev: DriftEvent): string {
  const head = `${driftMarker(ev.target)}\nSwitch ${mdCode(ev.target)} no longer matches Git at \`${ev.commit.slice(0, 7)}\`: ${ev.entries.length} entr${ev.entries.length === 1 ? 'y differs' : 'ies differ'}.` +
    (ev.healed ? ' flowops has written the switch back to the state in Git.' : ' flowops is not healing it (drift is only reported); fix the switch or change Git to match.') +
    `\n\nThis issue is updated while the drift lasts and closed when it ends.\n\n| drift | table | entry |\n|---|---|---|\n`;
  const rows = ev.entries.map((e) => ({ text: `| ${e.kind} | ${mdCodeCell(e.table)} | ${mdText(e.description)} |\n`, omit: 'item' as const }));
  return fitBlocks([{ text: head }, ...rows], '', COMMENT_BODY_MAX, 'Run `flowops status` on the reconciler for the full list.');
}

export async function openOrUpdateDriftIssue(gh: GitHubClient, repo: RepoRef, ev: DriftEvent): Promise<{ number: number; action: 'created' | 'updated' | 'unchanged' }> {
  const body = renderDriftBody(ev);
  const found = await findDriftIssue(gh, repo, ev.target);
  if (!found) {
    const res = await gh.rest.issues.create({ ...repo, title: `Drift on switch ${ev.target}`, body, labels: [DRIFT_LABEL] });
    return { number: res.data.number, action: 'created' };
  }
  if (found.body === body) return { number: found.number, action: 'unchanged' };
  await gh.rest.issues.update({ ...repo, issue_number: found.number, body });
  return { number: found.number, action: 'updated' };
}

const clearedWhy: Record<DriftClearedEvent['reason'], string> = {
  healed: 'flowops wrote the switch back to the state in Git',
  'git-changed': 'Git was changed to match the switch',
  'switch-changed': 'the switch was changed back to match Git',
};

export async function closeDriftIssue(gh: GitHubClient, repo: RepoRef, ev: DriftClearedEvent): Promise<number | undefined> {
  const found = await findDriftIssue(gh, repo, ev.target);
  if (!found) return undefined;
  await gh.rest.issues.createComment({ ...repo, issue_number: found.number, body: `Drift on ${mdCode(ev.target)} ended at \`${ev.commit.slice(0, 7)}\`: ${clearedWhy[ev.reason]}. Closing.` });
  await gh.rest.issues.update({ ...repo, issue_number: found.number, state: 'closed', state_reason: 'completed' });
  return found.number;
}
