// The plan check for one pull request: fetch (pr-fetch), validate and plan
// (pr-plan), then say so on GitHub — `flowops/plan` status (pending, then
// success/failure), the one plan comment (edited in place), and with App auth
// a Check Run with an annotation per spec error. It also remembers what every
// open PR touches so two PRs changing the same flow or tenant are flagged on
// both: when one PR's plan changes, the others' conflicts are recomputed and
// re-posted if they differ. (That memory covers PRs this process has checked;
// the poller checks every open PR at start.)
import { silentLogger, type Logger } from '../../shared/log.ts';
import type { GitHubClient } from './client.ts';
import type { Outbox } from './outbox.ts';
import { PLAN_MARKER, renderPlanComment } from './plan-comment.ts';
import { findConflicts } from './pr-changes.ts';
import { fetchPr, type PrFetchOptions } from '../../source/pr-fetch.ts';
import { planPullRequest, type LiveReader } from './pr-plan.ts';
import { DesiredCache } from '../../desired/desired.ts';
import { PLAN_CONTEXT } from './statuses.ts';
import { planStatus } from './summary.ts';
import type { TrustRoots } from '../../specs/trust.ts';
import type { PrPlanReport, RepoRef } from './types.ts';
import type { TrafficReader } from '../traffic.ts';

export interface PrCheckerOptions {
  client: GitHubClient;
  outbox: Outbox;
  repo: RepoRef;
  /** The tracked branch: only PRs into it are checked. */
  branch: string;
  git: PrFetchOptions;
  /** Post Check Runs with annotations (GitHub App auth only). */
  checkRuns?: boolean;
  live?: LiveReader;
  /** Sampled per-flow traffic (the reconciler's counters): the plan says how busy a deleted or changed flow was. */
  traffic?: TrafficReader;
  /** Pinned operator keys: the PR is judged under the same trust roots as its merge. */
  trust?: TrustRoots;
  now?: () => Date;
  logger?: Logger;
  htmlBase?: string;
  /** Link on the status (e.g. the reconciler's page). */
  targetUrl?: string;
}

export class PrChecker {
  private touched = new Map<number, string[]>();
  private reports = new Map<number, PrPlanReport>();
  private log: Logger;
  /**
   * Parsed files, compiled flows and the last desired sets of earlier checks:
   * the next PR re-reads only what differs, and a base that was the head of
   * the check before (merged since) is not compiled again.
   */
  private readonly cache = new DesiredCache({ keepSets: 2 });

  constructor(private opts: PrCheckerOptions) {
    this.log = opts.logger ?? silentLogger;
  }

  /** Checks PR `number` as it is now on GitHub. Resolves when GitHub has been told (or the posts are queued). */
  async check(number: number): Promise<PrPlanReport | undefined> {
    const { client, repo, branch } = this.opts;
    const pr = (await client.rest.pulls.get({ ...repo, pull_number: number })).data;
    if (pr.state !== 'open') {
      await this.closed(number);
      return undefined;
    }
    if (pr.base.ref !== branch) return undefined;
    const headSha = pr.head.sha;
    void this.opts.outbox.submit({ kind: 'status', repo, sha: headSha, context: PLAN_CONTEXT, state: 'pending', description: 'planning…', ...this.link() });

    let report: PrPlanReport;
    try {
      const fetched = await fetchPr(this.opts.git, { number, baseRef: branch });
      const out = await planPullRequest({ repo, pr: number, baseRef: branch, fetched, now: (this.opts.now ?? (() => new Date()))(), live: this.opts.live, traffic: this.opts.traffic, trust: this.opts.trust, cache: this.cache });
      report = out.report;
      this.touched.set(number, out.touched);
    } catch (e: any) {
      this.log.warn('plan check failed', { pr: number, error: String(e?.message ?? e) });
      report = { repo, pr: number, headSha, baseRef: branch, problems: [], switches: [], conflicts: [], fatal: String(e?.message ?? e) };
    }
    report.conflicts = findConflicts(number, this.touched.get(number) ?? [], this.touched);
    this.reports.set(number, report);
    this.publish(report);
    this.refreshOthers(number);
    await this.opts.outbox.flush();
    this.log.info('plan check done', { pr: number, sha: headSha, status: planStatus(report).state, conflicts: report.conflicts.length });
    return report;
  }

  /** A PR was closed or merged: it no longer conflicts with anything. */
  async closed(number: number): Promise<void> {
    const had = this.touched.delete(number);
    this.reports.delete(number);
    if (had) {
      this.refreshOthers(number);
      await this.opts.outbox.flush();
    }
  }

  /** PR numbers with a remembered plan (open PRs this process has checked). */
  known(): number[] {
    return [...this.reports.keys()];
  }

  private refreshOthers(changed: number): void {
    for (const [n, r] of this.reports) {
      if (n === changed) continue;
      const next = findConflicts(n, this.touched.get(n) ?? [], this.touched);
      if (JSON.stringify(next) === JSON.stringify(r.conflicts)) continue;
      r.conflicts = next;
      this.publish(r);
    }
  }

  private link() {
    return this.opts.targetUrl ? { targetUrl: this.opts.targetUrl } : {};
  }

  private publish(r: PrPlanReport): void {
    const { outbox, repo } = this.opts;
    const st = planStatus(r);
    const body = renderPlanComment(r, { htmlBase: this.opts.htmlBase });
    void outbox.submit({ kind: 'status', repo, sha: r.headSha, context: PLAN_CONTEXT, state: st.state, description: st.description, ...this.link() });
    void outbox.submit({ kind: 'comment', repo, issueNumber: r.pr, marker: PLAN_MARKER, body });
    if (this.opts.checkRuns) {
      void outbox.submit({
        kind: 'check-run', repo,
        input: {
          name: PLAN_CONTEXT, headSha: r.headSha, conclusion: st.state === 'success' ? 'success' : st.state === 'failure' ? 'failure' : 'neutral',
          title: st.description, summary: body.replace(PLAN_MARKER, '').trim(), problems: [...r.problems, ...(r.verify ?? [])], root: r.root,
        },
      });
    }
  }
}
