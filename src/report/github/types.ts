// What the GitHub side talks about: a repository, and the result of planning
// one pull request (per-switch plans, spec problems, conflicts with other PRs).
import type { Plan } from '../../diff/types.ts';
import type { TrafficFigure } from '../traffic.ts';
import type { SpecProblem } from '../events.ts';

export interface RepoRef {
  owner: string;
  repo: string;
}

export const repoName = (r: RepoRef) => `${r.owner}/${r.repo}`;

export interface PrTargetPlan {
  target: string;
  /** Against the tracked branch's desired state: what the PR changes. */
  plan: Plan;
  /** Against the switch's live state, when it was read: what merging would actually write. */
  live?: Plan | { error: string };
  /** Traffic of each flow the PR deletes or changes on this switch, when the reconciler sampled it. */
  traffic?: Record<string, TrafficFigure>;
}

/** Another open PR that changes the same flow, service or tenant. */
export interface Conflict {
  pr: number;
  /** `flow acme/web`, `tenant acme`, … */
  objects: string[];
}

export interface PrPlanReport {
  repo: RepoRef;
  pr: number;
  headSha: string;
  baseRef: string;
  /** Tip of the base branch the plan was made against (links for removed lines point there). */
  baseSha?: string;
  /** The spec root inside the repository (`repo.dir`): problem paths are relative to it. */
  root?: string;
  /** What changed per spec object in words, keyed `kind:name` like an entry's Origin. */
  notes?: Record<string, string>;
  /** Contract bindings the PR adds or removes, one sentence each (specs/contracts.ts contractChanges). */
  contracts?: string[];
  problems: SpecProblem[];
  /** Trust-relevant changes in words (specs/trust-diff.ts): shown first, even when no entry changes. */
  trust?: string[];
  /** `flowops verify` errors the PR introduces over the compiled entries, at their spec lines; they fail the check. */
  verify?: SpecProblem[];
  switches: PrTargetPlan[];
  conflicts: Conflict[];
  /** The check could not run (fetch failed, no base): the status is `error`. */
  fatal?: string;
}
