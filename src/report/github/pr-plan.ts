// One pull request's plan, from the two spec trees already fetched: the
// tracked branch's tip (what the switches are meant to run now) and the PR
// head. Both go through desired/ — the same stage the reconciler applies a
// merge with — so a PR is judged exactly as its merge will be: every flow
// file's signature, pipeline files, compile errors. The plan is head's desired
// state against the branch's (what the PR changes), plus, when a reader is
// given, against each switch's live state (what merging would actually write).
import { DesiredCache, desiredState } from '../../desired/desired.ts';
import { plan } from '../../diff/plan.ts';
import { planVersions, type VersionPlan } from '../../diff/versions.ts';
import { planDelta } from '../../diff/delta.ts';
import type { DesiredState } from '../../compile/types.ts';
import type { Plan } from '../../diff/types.ts';
import type { FetchedPr } from '../../source/pr-fetch.ts';
import { touchedObjects } from './pr-changes.ts';
import { changeNotes } from './flow-words.ts';
import { trustChanges } from '../../specs/trust-diff.ts';
import type { SerialRecord, TrustRoots } from '../../specs/trust.ts';
import type { DesiredSet } from '../../desired/types.ts';
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
  /** Filled with milliseconds per stage, wall and (`<stage> cpu`) CPU (benches). */
  stages?: Record<string, number>;
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

/** `kind:name` of every flow and tenant a plan changes entries of (what the comment says words about). */
function changedOrigins(p: Plan, out: Set<string>): void {
  for (const list of [p.inserts, p.modifies, p.deletes]) for (const c of list) if (c.origin && (c.origin.kind === 'flow' || c.origin.kind === 'tenant')) out.add(`${c.origin.kind}:${c.origin.name}`);
}

// The head's trust roots are the pinned roots with the base's serials as
// `previous`. DesiredCache finds a kept set by the identity of its roots, so
// the same roots and serials equal by content must be the same object, or a
// head checked again is compiled again; other serials are another object, so
// a head is never judged against a stale base. A few per roots object.
const headRootsOf = new WeakMap<TrustRoots, Map<string, TrustRoots>>();

/** `roots` with `previous` set, one object per (roots, serials by content). */
export function headTrust(roots: TrustRoots, previous: SerialRecord | undefined): TrustRoots {
  const key = JSON.stringify(Object.entries(previous ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.serial, v.digest]));
  let byKey = headRootsOf.get(roots);
  if (!byKey) headRootsOf.set(roots, (byKey = new Map()));
  let t = byKey.get(key);
  if (!t) {
    byKey.set(key, (t = { ...roots, previous }));
    if (byKey.size > 8) byKey.delete(byKey.keys().next().value!);
  }
  return t;
}

/**
 * The plan per target from base to head. Two versions of one repository on
 * the same pipeline differ in a few entries: planDelta finds them by walking
 * both arenas (common runs compared in place), where plan() would index all
 * 10^6 entries of the base; a target in one version only, or on another
 * pipeline, goes through planVersions.
 */
export function versionPlans(base: DesiredSet, head: DesiredSet): VersionPlan[] {
  const names = [...new Set([...base.states.keys(), ...head.states.keys()])].sort();
  return names.map((name) => {
    const b = base.states.get(name);
    const h = head.states.get(name);
    const index = head.pipelines.get(name)?.index;
    if (b && h && index && index === base.pipelines.get(name)?.index) return { target: name, plan: planDelta(b, h), index };
    return planVersions(base, head, { target: name })[0]!;
  });
}

export async function planPullRequest(input: PrPlanInput): Promise<{ report: PrPlanReport; touched: string[] }> {
  const { fetched: f, now } = input;
  // One parse per file content across both trees (unchanged files are shared).
  const cache = input.cache ?? new DesiredCache();
  const roots = input.trust;
  let t = performance.now();
  let cpu = process.cpuUsage();
  const lap = (name: string) => {
    const n = performance.now();
    const c = process.cpuUsage();
    if (input.stages) {
      input.stages[name] = (input.stages[name] ?? 0) + (n - t);
      input.stages[`${name} cpu`] = (input.stages[`${name} cpu`] ?? 0) + (c.user + c.system - cpu.user - cpu.system) / 1000;
    }
    t = n;
    cpu = c;
  };
  const base = desiredState(f.base, { now, cache, keepSpecs: true, trust: roots });
  lap('desired base');
  // A signer whose files changed must raise its serial over the base's: the merge would otherwise be a rollback.
  const head = desiredState(f.head, { now, cache, keepSpecs: true, trust: roots && headTrust(roots, base.manifests) });
  lap('desired head');
  const touched = touchedObjects(base.specs, head.specs);
  lap('touched');

  const report: PrPlanReport = {
    repo: input.repo, pr: input.pr, headSha: f.head.commit, baseRef: input.baseRef, baseSha: f.base.commit, root: f.head.root, problems: head.problems, switches: [], conflicts: [],
    trust: trustChanges(base.specs, head.specs!, { base: base.manifests, head: head.manifests }),
    contracts: contractChanges(base.specs, head.specs!),
  };
  const words = () => {
    const origins = new Set<string>();
    for (const s of report.switches) changedOrigins(s.plan, origins);
    report.notes = Object.fromEntries(changeNotes(base.specs!, head.specs!, origins));
    lap('words');
  };
  lap('words');
  if (head.problems.length) {
    words();
    return { report, touched };
  }

  for (const v of versionPlans(base, head)) {
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
  lap('planVersions');
  words();
  // Proof before merge over head's compiled entries: what the PR adds to the findings (errors) fails the check.
  const vb = verifyDesired(base);
  lap('verify base');
  const vh = verifyDesired(head);
  lap('verify head');
  for (const finding of newFindings(vb, vh).flatMap((r) => r.findings)) {
    const p = finding.severity === 'error' ? findingProblem(finding) : undefined;
    if (p) (report.verify ??= []).push(p);
  }
  return { report, touched };
}
