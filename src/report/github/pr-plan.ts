// One pull request's plan, from the two spec trees already fetched: the
// tracked branch's tip (what the switches are meant to run now) and the PR
// head. Both go through desired/ — the same stage the reconciler applies a
// merge with — so a PR is judged exactly as its merge will be: every flow
// file's signature, pipeline files, compile errors. The plan is head's desired
// state against the branch's (what the PR changes), plus, when a reader is
// given, against each switch's live state (what merging would actually write).
import { DesiredCache, desiredState } from '../../desired/desired.ts';
import { plan } from '../../diff/plan.ts';
import { planVersions } from '../../diff/versions.ts';
import type { DesiredState } from '../../compile/types.ts';
import type { Plan } from '../../diff/types.ts';
import type { FetchedPr } from '../../source/pr-fetch.ts';
import { touchedObjects } from './pr-changes.ts';
import { changeNotes } from './flow-words.ts';
import { trustChanges } from '../../specs/trust-diff.ts';
import type { TrustRoots } from '../../specs/trust.ts';
import { contractChanges } from '../../specs/contracts.ts';
import { findingProblem, newFindings, verifyDesired } from '../../verify/specs.ts';
import type { PrPlanReport, RepoRef, PrTargetPlan } from './types.ts';
import type { TrafficReader } from '../traffic.ts';

/** Reads a switch's live entities (managed tables only) for the "against live" plan. */
export type LiveReader = (target: string, desired: DesiredState) => Promise<readonly Buffer[]>;

export interface PrPlanInput {
  repo: RepoRef;
  pr: number;
  baseRef: string;
  fetched: FetchedPr;
  now: Date;
  live?: LiveReader;
  /** Sampled traffic per flow and switch: said for every flow the PR deletes or changes. */
  traffic?: TrafficReader;
  /** Pinned operator keys (docs/trust.md): every file signed through its signer's manifest, serials rising over the base. */
  trust?: TrustRoots;
  /**
   * Kept across checks by a long-running checker: only files that changed
   * since the last check are parsed, only changed flows compiled. Default: a
   * fresh one (shared by base and head of this check only).
   */
  cache?: DesiredCache;
}

/** Traffic of the flows a plan deletes or changes on one switch (those ever sampled there). */
function trafficOf(target: string, p: Plan, read?: TrafficReader): PrTargetPlan['traffic'] {
  if (!read) return undefined;
  const out: NonNullable<PrTargetPlan['traffic']> = {};
  for (const c of [...p.deletes, ...p.modifies]) {
    if (c.origin?.kind !== 'flow' || c.origin.name in out) continue;
    const f = read(target, c.origin.name);
    if (f) out[c.origin.name] = f;
  }
  return Object.keys(out).length ? out : undefined;
}

export async function planPullRequest(input: PrPlanInput): Promise<{ report: PrPlanReport; touched: string[] }> {
  const { fetched: f, now } = input;
  // One parse per file content across both trees (unchanged files are shared).
  const cache = input.cache ?? new DesiredCache();
  const roots = input.trust;
  const base = desiredState(f.base, { now, cache, keepSpecs: true, trust: roots });
  // A signer whose files changed must raise its serial over the base's: the merge would otherwise be a rollback.
  const head = desiredState(f.head, { now, cache, keepSpecs: true, trust: roots && { ...roots, previous: base.manifests } });
  const touched = touchedObjects(base.specs, head.specs);

  const report: PrPlanReport = {
    repo: input.repo, pr: input.pr, headSha: f.head.commit, baseRef: input.baseRef, baseSha: f.base.commit, root: f.head.root, problems: head.problems, switches: [], conflicts: [],
    notes: Object.fromEntries(changeNotes(base.specs!, head.specs!)),
    trust: trustChanges(base.specs, head.specs!, { base: base.manifests, head: head.manifests }),
    contracts: contractChanges(base.specs, head.specs!),
  };
  if (head.problems.length) return { report, touched };

  for (const v of planVersions(base, head)) {
    const s: PrTargetPlan = { target: v.target, plan: v.plan, traffic: trafficOf(v.target, v.plan, input.traffic) };
    const desired = head.states.get(v.target);
    if (input.live && desired) {
      try {
        s.live = plan(desired, await input.live(v.target, desired), { index: v.index });
      } catch (e: any) {
        s.live = { error: String(e?.message ?? e) };
      }
    }
    report.switches.push(s);
  }
  // Proof before merge over head's compiled entries: what the PR adds to the findings (errors) fails the check.
  for (const finding of newFindings(verifyDesired(base), verifyDesired(head)).flatMap((r) => r.findings)) {
    const p = finding.severity === 'error' ? findingProblem(finding) : undefined;
    if (p) (report.verify ??= []).push(p);
  }
  return { report, touched };
}
