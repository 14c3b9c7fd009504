// One pull request's plan, from the two trees already fetched: the tracked
// branch's tip (what the switches are meant to run now) and the PR head.
// Validation includes signatures — a changed flow file must be signed by its
// own tenant's key — and the plan is head's desired state against the branch's
// (what the PR changes), plus, when a reader is given, against each switch's
// live state (what merging would actually write). Reuses the reconciler's
// "commit files → desired state" step so a PR is judged exactly as its merge
// will be.
import { loadSpecs, SpecCache } from '../../specs/load.ts';
import { desiredFromFiles } from '../../reconcile/desired.ts';
import { plan } from '../../diff/plan.ts';
import type { DesiredState } from '../../compile/types.ts';
import type { Plan } from '../../diff/types.ts';
import type { SpecProblem } from '../events.ts';
import { touchedObjects } from './pr-changes.ts';
import { changeNotes } from './flow-words.ts';
import type { FetchedPr } from './pr-fetch.ts';
import type { PrPlanReport, RepoRef, SwitchPlan } from './types.ts';
import type { TrafficReader } from '../traffic.ts';

/** Reads a switch's live entities (managed tables only) for the "against live" plan. */
export type LiveReader = (target: string, desired: DesiredState) => Promise<Buffer[]>;

export interface PrPlanInput {
  repo: RepoRef;
  pr: number;
  baseRef: string;
  fetched: FetchedPr;
  now: Date;
  live?: LiveReader;
  /** Sampled traffic per flow and switch: said for every flow the PR deletes or changes. */
  traffic?: TrafficReader;
}

/** Traffic of the flows a plan deletes or changes on one switch (those ever sampled there). */
function trafficOf(target: string, p: Plan, read?: TrafficReader): SwitchPlan['traffic'] {
  if (!read) return undefined;
  const out: NonNullable<SwitchPlan['traffic']> = {};
  for (const c of [...p.deletes, ...p.modifies]) {
    if (c.origin?.kind !== 'flow' || c.origin.name in out) continue;
    const f = read(target, c.origin.name);
    if (f) out[c.origin.name] = f;
  }
  return Object.keys(out).length ? out : undefined;
}

function byPos(a: SpecProblem, b: SpecProblem): number {
  return a.pos.file < b.pos.file ? -1 : a.pos.file > b.pos.file ? 1 : a.pos.line - b.pos.line || a.pos.col - b.pos.col;
}

function deletesOnly(entries: DesiredState['entries']): Plan {
  return { inserts: [], modifies: [], deletes: entries.map((e) => ({ kind: 'delete', entity: e.kind, table: e.table, key: e.key, bytes: e.bytes, origin: e.origin })), unchanged: 0 };
}

export async function planPullRequest(input: PrPlanInput): Promise<{ report: PrPlanReport; touched: string[] }> {
  const { fetched: f, now } = input;
  // One parse per file content across both trees and both passes (unchanged files are shared).
  const specCache = new SpecCache();
  // desiredFromFiles checks every flow file's signature, changed or not: a merge would not apply
  // an unsigned file either, so the PR is judged exactly as its merge will be.
  const base = desiredFromFiles(f.baseCommit, { now, files: f.baseFiles, specCache });
  const head = desiredFromFiles(f.headCommit, { now, files: f.headFiles, specCache });
  // The documents themselves (desiredFromFiles keeps only compiled state): for what the PR touches and its words.
  const baseLoad = loadSpecs(f.baseFiles, { now, expired: 'drop', cache: specCache });
  const headLoad = loadSpecs(f.headFiles, { now, expired: 'drop', cache: specCache });
  const touched = touchedObjects(baseLoad.specs, headLoad.specs);

  // Compile errors can repeat across targets.
  const problems = [...head.problems];
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.code} ${p.pos.file}:${p.pos.line}:${p.pos.col} ${p.message}`;
    return !seen.has(k) && !!seen.add(k);
  });
  unique.sort(byPos);

  const report: PrPlanReport = {
    repo: input.repo, pr: input.pr, headSha: f.headCommit, baseRef: input.baseRef, baseSha: f.baseCommit, problems: unique, switches: [], conflicts: [],
    notes: Object.fromEntries(changeNotes(baseLoad.specs, headLoad.specs)),
  };
  if (unique.length) return { report, touched };

  for (const [target, desired] of head.states) {
    const index = head.pipelines.get(target)!.index;
    const baseEntries = base.states.get(target)?.entries ?? [];
    const s: SwitchPlan = { target, plan: plan(desired, baseEntries.map((e) => e.bytes), { index }) };
    // A delete has no origin in head (Git no longer asks for it); the base commit says which spec it came from.
    const baseOrigin = new Map(baseEntries.map((e) => [e.key, e.origin]));
    for (const c of s.plan.deletes) c.origin ??= baseOrigin.get(c.key);
    s.traffic = trafficOf(target, s.plan, input.traffic);
    if (input.live) {
      try {
        s.live = plan(desired, await input.live(target, desired), { index });
      } catch (e: any) {
        s.live = { error: String(e?.message ?? e) };
      }
    }
    report.switches.push(s);
  }
  // A Target the PR removes: everything flowops wrote there goes.
  for (const [target, st] of base.states) {
    if (head.states.has(target)) continue;
    const p = deletesOnly(st.entries);
    report.switches.push({ target, plan: p, traffic: trafficOf(target, p, input.traffic) });
  }
  report.switches.sort((a, b) => (a.target < b.target ? -1 : 1));
  return { report, touched };
}
