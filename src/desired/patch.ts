// A tree that differs from the last one compiled through the same DesiredCache
// only in some flow files (and their signatures) is made from that result, at
// a cost that follows the changed files rather than the 10^5 flows of the
// repository: only the changed files are read; the flows list, summaries, flow
// ids and per-target counts are the old ones minus the removed flows plus the
// added; the cross-file checks run for the added flows against what is kept
// (names by binary search, overlaps within the touched tenants, flow ids
// against the set of ids, identity keys against the kept key index); and each
// target's entries are the old arena's stretches around the removed flows with
// the added flows compiled in between (compile/compile.ts patchFlows).
//
// The result is the one a full run gives, byte for byte (entries in the same
// emission order, same origins). It only ever says "valid, and here it is":
// anything it cannot show exactly — a defect or a warning of any kind, a
// changed tenant, service, target, pipeline or contract file, trust roots,
// many files changed — returns the reason, and desiredState runs in full,
// which names every problem as it always has.
import { Codes } from '../specs/codes.ts';
import { isSpecFile, type FileOutcome, type SpecCache } from '../specs/load.ts';
import { checkSignatures, SIG_SUFFIX } from '../specs/signature.ts';
import { checkFlowsOf } from '../specs/checks.ts';
import { patchFlowIds } from '../specs/flow-id.ts';
import { isExpired } from '../specs/expiry.ts';
import { specKey, type Located, type SpecSet } from '../specs/spec-set.ts';
import type { Flow } from '../specs/schema.ts';
import type { SpecTree } from '../source/spec-tree.ts';
import { patchFlows, type CompileCache } from '../compile/compile.ts';
import { capacityErrors, FlowCounter, type EntryCounts } from '../compile/count.ts';
import { KeyIndex } from '../compile/key-index.ts';
import type { DesiredState } from '../compile/types.ts';
import { pipelineFor } from './pipeline.ts';
import { flowSummary } from './summary.ts';
import type { DesiredSet, FlowSummary, PipelineFiles } from './types.ts';
import type { DesiredOptions } from './desired.ts';

/** A valid result with no warnings, and what it was made of: what the next tree is patched from. */
export interface Base {
  /** The options it was made under (see baseKey). */
  key: string;
  files: ReadonlyMap<string, Buffer>;
  links: readonly string[];
  /** The loaded documents (flows sorted by specKey; no contracts). */
  specs: SpecSet;
  /** Per target: entries per tenant and table (compile/count.ts). */
  counts: Map<string, EntryCounts>;
  /** Per target: the identity keys of its entries. */
  keys: Map<string, KeyIndex>;
  set: DesiredSet;
}

/** Beyond this many changed paths a full run is as quick. */
const MAX_CHANGED = 64;

export function baseKey(tree: SpecTree, opts: { p4info?: string; deviceConfig?: string; expired?: string; signatures?: string }): string {
  return JSON.stringify([tree.root, opts.p4info, opts.deviceConfig, opts.expired ?? 'drop', opts.signatures ?? 'require']);
}

const flowsOnly = (o: FileOutcome) => o.errors.length === 0 && o.warnings.length === 0 && o.docs.every((d) => d.kind === 'Flow');

/** desiredState's options; trust roots are never patched (their manifests speak for every file). */
export type PatchOptions = Omit<DesiredOptions, 'cache' | 'trust'>;

/** The desired set of `tree` made from `base`, and the base for the next tree; or why it cannot be (then run in full; `base` may be spoiled). */
export function patchDesired(base: Base, tree: SpecTree, opts: PatchOptions, specCache: SpecCache, compiled?: CompileCache): { set: DesiredSet; base: Base } | string {
  const now = opts.now;
  if (base.key !== baseKey(tree, opts)) return 'other options';
  if (base.set.nextExpiry !== undefined && base.set.nextExpiry <= now.getTime()) return 'a flow expired since';
  if (tree.links.length !== base.links.length || tree.links.some((l, i) => l !== base.links[i])) return 'symlinks changed';

  const changed: string[] = [];
  for (const [p, b] of tree.files) {
    const a = base.files.get(p);
    if (a !== b && !(a && a.equals(b))) changed.push(p);
  }
  for (const p of base.files.keys()) if (!tree.files.has(p)) changed.push(p);
  if (changed.length > MAX_CHANGED) return `${changed.length} files changed`;
  const pipelineFiles = new Set<string>();
  for (const t of base.specs.targets) for (const f of [t.spec.pipeline?.p4info, t.spec.pipeline?.deviceConfig]) if (f) pipelineFiles.add(f);
  // Spec files changed, and spec files whose signature changed. Nothing else of the tree is read.
  const yaml: string[] = [];
  const signed = new Set<string>();
  for (const p of changed) {
    if (pipelineFiles.has(p)) return `pipeline file ${p} changed`;
    if (isSpecFile(p)) {
      yaml.push(p);
      signed.add(p);
    } else if (p.endsWith(SIG_SUFFIX) && isSpecFile(p.slice(0, -SIG_SUFFIX.length))) signed.add(p.slice(0, -SIG_SUFFIX.length));
  }

  // ---- the flows: old ones of the changed files out, new ones in
  const removed = new Set<Located<Flow>>();
  const added: Located<Flow>[] = [];
  let gone = false;
  for (const p of yaml) {
    const was = base.files.get(p);
    if (was) {
      const o = specCache.peek(p, was);
      if (!o || !flowsOnly(o)) return `${p} held more than valid flows`;
      for (const d of o.docs) removed.add(d.doc as Located<Flow>);
    }
    const raw = tree.files.get(p);
    if (!raw) {
      gone = true;
      continue;
    }
    const o = specCache.get(p, raw);
    if (!flowsOnly(o)) return `${p} holds more than valid flows`;
    for (const d of o.docs) added.push(d.doc as Located<Flow>);
  }
  if (gone) specCache.retain([...tree.files.keys()].filter(isSpecFile));
  for (const f of added) if (isExpired(f, now)) return 'an added flow is expired';

  // One pass over the kept list: the removed flows skipped, the added ones merged in by specKey.
  const old = base.specs.flows;
  const oldSums = base.set.flows;
  const put = added.map((f) => ({ f, k: specKey(f), at: 0 })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  for (let i = 0; i < put.length; i++) {
    const x = put[i]!;
    if (i > 0 && put[i - 1]!.k === x.k) return `duplicate flow ${x.k}`;
    x.at = lowerBound(old, x.k);
    // An old flow of that name that stays (one removed and added back under its name is no duplicate).
    for (let j = x.at; j < old.length && specKey(old[j]!) === x.k; j++) if (!removed.has(old[j]!)) return `duplicate flow ${x.k}`;
  }
  const flows: Located<Flow>[] = [];
  const sums: FlowSummary[] = [];
  let dropped = 0;
  let from = 0;
  const keep = (to: number) => {
    for (; from < to; from++) {
      const f = old[from]!;
      if (removed.size && removed.has(f)) {
        dropped++;
        continue;
      }
      flows.push(f);
      sums.push(oldSums[from]!);
    }
  };
  for (const x of put) {
    keep(x.at);
    flows.push(x.f);
    sums.push(flowSummary(x.f));
  }
  keep(old.length);
  if (dropped !== removed.size) return 'removed flows not in the last result';
  const sortedAdded = put.map((x) => x.f);
  const specs: SpecSet = { ...base.specs, flows };

  // ---- checks that relate the added flows to the rest
  const touched = [...new Set(added.map((f) => f.metadata.tenant))];
  const ofTouched: Located<Flow>[] = [];
  for (const t of touched) {
    for (let i = lowerBound(flows, `${t}/`); i < flows.length && specKey(flows[i]!).startsWith(`${t}/`); i++) if (flows[i]!.metadata.tenant === t) ofTouched.push(flows[i]!);
  }
  if (checkFlowsOf(specs, ofTouched).length) return 'a flow check failed';
  // Every flow of each file to verify: a changed file's are the added ones; a file whose .sig alone changed is looked for.
  for (const p of yaml) signed.delete(p);
  const toVerify = signed.size ? [...added, ...flows.filter((f) => signed.has(f.source.file))] : added;
  const sigs = checkSignatures({ tenants: specs.tenants, flows: toVerify, contracts: [] }, tree.files);
  if (sigs.some((e) => opts.signatures !== 'warn' || e.code !== Codes.sigMissing)) return 'a signature problem';
  const flowIds = patchFlowIds(specs, base.specs, [...removed], sortedAdded);
  if (!flowIds) return 'flow ids contend';

  // ---- per target: same pipeline, counts by difference, entries patched
  const pipes = new Map<string, PipelineFiles>();
  const pipelines = new Map<string, PipelineFiles>();
  const counts = new Map<string, EntryCounts>();
  const sources = { files: tree.files, links: tree.links, p4info: opts.p4info, deviceConfig: opts.deviceConfig };
  for (const t of specs.targets) {
    const name = t.metadata.name;
    const had = base.set.pipelines.get(name);
    if (!had) return 'no kept pipeline';
    // No pipeline file changed; only a config-level device config (a file on disk) is read again.
    let pipe = had;
    if (opts.deviceConfig) {
      const pipeKey = JSON.stringify(t.spec.pipeline ?? null);
      try {
        pipe = pipes.get(pipeKey) ?? pipelineFor(t, sources);
      } catch {
        return 'a pipeline problem';
      }
      pipes.set(pipeKey, pipe);
      if (had.index !== pipe.index || had.cookie !== pipe.cookie) return 'another pipeline';
    }
    pipelines.set(name, pipe);
    const c: EntryCounts = new Map([...(base.counts.get(name) ?? [])].map(([tn, m]) => [tn, new Map(m)]));
    const counter = new FlowCounter(specs, name, now);
    for (const f of removed) counter.count(c, f, -1);
    for (const f of added) counter.count(c, f, 1);
    if (capacityErrors(c, t, pipe.index).length) return 'capacity or quota exceeded';
    counts.set(name, c);
  }
  const states = new Map<string, DesiredState>();
  const keys = new Map<string, KeyIndex>();
  for (const t of specs.targets) {
    const name = t.metadata.name;
    const prev = base.set.states.get(name);
    let k = base.keys.get(name);
    if (!prev || !k) return 'no kept state';
    const state = patchFlows(prev, specs, pipelines.get(name)!.index, name, { removed: [...removed], added: sortedAdded }, flowIds, k, now, compiled);
    if (!state) return 'an added flow does not compile alone, or the kept key index is not of the kept entries';
    if (k.worn) k = KeyIndex.of(state.entries);
    if (!k) return 'duplicate keys';
    states.set(name, state);
    keys.set(name, k);
  }

  let nextExpiry: number | undefined;
  for (const f of flows) {
    if (!f.spec.expires) continue;
    const t = Date.parse(f.spec.expires);
    if (t > now.getTime() && (nextExpiry === undefined || t < nextExpiry)) nextExpiry = t;
  }
  const set: DesiredSet = {
    commit: tree.commit, label: tree.label, root: tree.root, problems: [], warnings: [],
    states, targets: base.set.targets, pipelines, specFiles: [...tree.files.keys()].filter(isSpecFile).length, compiledAt: now,
    flows: sums, services: base.set.services,
  };
  if (nextExpiry !== undefined) set.nextExpiry = nextExpiry;
  if (opts.keepSpecs) set.specs = specs;
  return { set, base: { key: base.key, files: tree.files, links: tree.links, specs, counts, keys, set } };
}

/** First position in `flows` (sorted by specKey) whose key is not below `key`. */
function lowerBound(flows: readonly Located<Flow>[], key: string): number {
  let lo = 0;
  let hi = flows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (specKey(flows[mid]!) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
