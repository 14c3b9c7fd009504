// A spec tree → the desired state of every switch, or the reasons it cannot be
// had. This is the one way from a commit (or a directory) to what switches
// should hold: `validate`, `plan`, the PR check and the reconciler all call
// `desiredState`, so they agree on every verdict and every entry.
//
// A tree with any problem yields no desired state at all: the switches keep
// what they run (the last good commit) and the problems point at file:line.
// Problems are: spec defects (specs/load.ts), flow files not signed by their
// tenant, symlinks where specs would be, pipeline files that are not in the
// tree, and compile errors. Also says when the next flow expires, so the expiry
// schedule knows whether a recompile would change anything.
import { FlowopsError, SpecError, SpecErrors } from '../shared/errors.ts';
import type { SourcePos } from '../shared/errors.ts';
import type { SpecTree } from '../source/spec-tree.ts';
import { isSpecFile, loadSpecs, SpecCache } from '../specs/load.ts';
import { checkSignatures } from '../specs/signature.ts';
import { Codes } from '../specs/codes.ts';
import { checkTrust, isTrustFile, type TrustRoots } from '../specs/trust.ts';
import { compile, CompileCache } from '../compile/compile.ts';
import { capacityErrors, countEntries, type EntryCounts } from '../compile/count.ts';
import type { KeyIndex } from '../compile/key-index.ts';
import { assignFlowIds } from '../specs/flow-id.ts';
import type { SpecSet } from '../specs/spec-set.ts';
import { baseKey, patchDesired, type Base } from './patch.ts';
import { pipelineFor } from './pipeline.ts';
import type { DesiredSet, PipelineFiles, SpecProblem } from './types.ts';
import { flowSummary } from './summary.ts';

/** Kept across trees (the reconciler's commits, a PR's base and head): only changed files are parsed, only changed flows recompiled. */
export class DesiredCache {
  readonly specs = new SpecCache();
  readonly compiled = new CompileCache();
  private readonly sets: { key: string; trust?: TrustRoots; set: DesiredSet }[] = [];
  /** @internal The last result computed, valid and without warnings, with what the next tree is patched from (patch.ts). */
  base?: Base;
  /** How the last tree not served from kept sets was made: 'patched', or 'full' and why it could not be patched. */
  lastPath = '';
  /** Trees made by patching the last result, and in full. */
  patched = 0;
  full = 0;

  /**
   * `keepSets`: also keep the last N whole results by commit, so a commit seen
   * again (a PR check's base is usually the head of the check before, once
   * merged) costs nothing. Each kept set holds its switches' entries, so the
   * reconciler keeps none (it holds what it applied itself).
   */
  constructor(private readonly opts: { keepSets?: number } = {}) {}

  /** @internal desiredState's lookup. */
  setOf(key: string, trust: TrustRoots | undefined, now: Date): DesiredSet | undefined {
    const hit = this.sets.find((s) => s.key === key && s.trust === trust);
    // A flow that expired since would be dropped now: compile again.
    if (!hit || (hit.set.nextExpiry !== undefined && hit.set.nextExpiry <= now.getTime())) return undefined;
    return hit.set;
  }

  /** @internal */
  keep(key: string, trust: TrustRoots | undefined, set: DesiredSet): void {
    const max = this.opts.keepSets ?? 0;
    if (max <= 0) return;
    const at = this.sets.findIndex((s) => s.key === key && s.trust === trust);
    if (at >= 0) this.sets.splice(at, 1);
    this.sets.push({ key, trust, set });
    while (this.sets.length > max) this.sets.shift();
  }
}

/** What a whole result depends on besides the tree and `now` (trust roots are compared by identity). */
function setKey(tree: SpecTree, opts: DesiredOptions): string | undefined {
  if (!tree.commit) return undefined; // a directory may change under the same name
  return JSON.stringify([tree.commit, tree.root, opts.p4info, opts.deviceConfig, opts.expired, opts.signatures, !!opts.keepSpecs]);
}

export interface DesiredOptions {
  now: Date;
  /** Config-level P4Info (absolute path) used when a Target names none. */
  p4info?: string;
  /** Config-level device config (absolute path) used when a Target names none. */
  deviceConfig?: string;
  /** Expired flows: left out with a warning (default: what the reconciler does), or an error (`validate`). */
  expired?: 'drop' | 'error';
  /** Signature problems: problems (default), or warnings (`validate` without --require-signatures). */
  signatures?: 'require' | 'warn';
  /** Keep the loaded documents in `specs` (plans put flows and notes in words). */
  keepSpecs?: boolean;
  cache?: DesiredCache;
  /**
   * The trust roots (docs/trust.md): pinned operator keys and the serials seen
   * before. Given, every file must be listed in its signer's signed manifest
   * and per-file `.sig`s are not consulted; absent, only flow files are checked
   * against their `.sig` (the model before manifests).
   */
  trust?: TrustRoots;
}

function problem(e: SpecError | FlowopsError): SpecProblem {
  return {
    pos: e.pos ?? { file: '', line: 0, col: 0 },
    field: String((e.data as { field?: unknown }).field ?? ''),
    message: e.message,
    code: e.code,
  };
}

export function byPos(a: { pos: SourcePos }, b: { pos: SourcePos }): number {
  return a.pos.file < b.pos.file ? -1 : a.pos.file > b.pos.file ? 1 : a.pos.line - b.pos.line || a.pos.col - b.pos.col;
}

/** A symlink where a spec or a signature would be: it would count, but is not followed. */
function symlinkProblems(tree: SpecTree): SpecProblem[] {
  return tree.links
    .filter((p) => isSpecFile(p) || isTrustFile(p))
    .map((file) => problem(new SpecError(Codes.symlink, { file, line: 1, col: 1 }, '', `${file} is a symlink; symlinks are not followed (commit the file itself)`)));
}

/** Loads, checks and compiles one tree. Never throws for user mistakes: they come back as problems. */
export function desiredState(tree: SpecTree, opts: DesiredOptions): DesiredSet {
  const key = opts.cache && setKey(tree, opts);
  const had = key ? opts.cache!.setOf(key, opts.trust, opts.now) : undefined;
  if (had) return had;
  const cache = opts.cache;
  let set: DesiredSet | undefined;
  if (cache) {
    const p = cache.base && !opts.trust ? patchDesired(cache.base, tree, opts, cache.specs, cache.compiled) : 'nothing kept to patch';
    cache.base = undefined;
    if (typeof p === 'string') cache.lastPath = `full: ${p}`;
    else {
      ({ set, base: cache.base } = p);
      cache.lastPath = 'patched';
      cache.patched++;
    }
  }
  if (!set) {
    set = compute(tree, opts);
    if (cache) cache.full++;
  }
  if (key) cache!.keep(key, opts.trust, set);
  return set;
}

function compute(tree: SpecTree, opts: DesiredOptions): DesiredSet {
  const out: DesiredSet = {
    commit: tree.commit, label: tree.label, root: tree.root, problems: symlinkProblems(tree), warnings: [],
    states: new Map(), targets: [], pipelines: new Map(), specFiles: [...tree.files.keys()].filter(isSpecFile).length, compiledAt: opts.now,
    flows: [], services: [],
  };
  const files = tree.files;
  const loaded = loadSpecs(files, { now: opts.now, expired: opts.expired ?? 'drop', cache: opts.cache?.specs });
  if (opts.keepSpecs) out.specs = loaded.specs;
  for (const e of loaded.errors) out.problems.push(problem(e));
  for (const w of loaded.warnings) out.warnings.push(problem(w));
  if (opts.trust) {
    // Every file signed by its owner, no serial below what was seen: else nothing applies.
    const t = checkTrust(loaded.specs, files, opts.trust);
    out.problems.push(...t.errors.map(problem));
    out.manifests = t.manifests;
  } else {
    // A flow file the tenant did not sign is not the tenant's policy: never applied.
    const sigs = checkSignatures(loaded.specs, files).map(problem);
    if (opts.signatures === 'warn') out.warnings.push(...sigs.filter((p) => p.code !== Codes.sigMissing));
    else out.problems.push(...sigs);
  }
  if (out.problems.length) return finish(out);

  // Keep nothing of the SpecSet unless asked: its documents hold YAML positions
  // (ASTs) that cost more memory than the compiled entries. Targets are copied out plain.
  out.targets = loaded.specs.targets.map((t) => ({ apiVersion: t.apiVersion, kind: t.kind, metadata: t.metadata, spec: t.spec }));
  out.services = loaded.specs.services.map((v) => ({ tenant: v.metadata.tenant, name: v.metadata.name }));
  out.flows = loaded.specs.flows.map(flowSummary);
  for (const f of loaded.specs.flows) {
    if (!f.spec.expires) continue;
    const t = Date.parse(f.spec.expires);
    if (t > opts.now.getTime() && (out.nextExpiry === undefined || t < out.nextExpiry)) out.nextExpiry = t;
  }
  // Targets with the same pipeline spec share one reading, unpacking and cookie.
  const pipes = new Map<string, PipelineFiles>();
  const sources = { files, links: tree.links, p4info: opts.p4info, deviceConfig: opts.deviceConfig };
  const counts = new Map<string, EntryCounts>();
  for (const t of loaded.specs.targets) {
    try {
      const pipeKey = JSON.stringify(t.spec.pipeline ?? null);
      const pipe = pipes.get(pipeKey) ?? pipelineFor(t, sources);
      pipes.set(pipeKey, pipe);
      out.pipelines.set(t.metadata.name, pipe);
      // Counted before compiling: an overflowing commit is refused before it costs seconds and gigabytes.
      const c = countEntries(loaded.specs, t.metadata.name, opts.now);
      counts.set(t.metadata.name, c);
      const full = capacityErrors(c, t, pipe.index);
      if (full.length) {
        out.problems.push(...full.map(problem));
        continue;
      }
      out.states.set(t.metadata.name, compile(loaded.specs, pipe.index, t.metadata.name, { now: opts.now, cache: opts.cache?.compiled }));
    } catch (err) {
      if (err instanceof SpecErrors) for (const e of err.errors) out.problems.push(problem(e));
      else if (err instanceof FlowopsError) {
        // Pipeline file mistakes name a Target field: point at it in the Target's file.
        const field = (err.data as { field?: unknown }).field;
        const pr = problem(err);
        if (!err.pos && typeof field === 'string' && t.source) pr.pos = t.source.at(field);
        out.problems.push(pr);
      } else throw err;
    }
  }
  finish(out);
  if (opts.cache && !opts.trust) opts.cache.base = baseOf(tree, opts, out, loaded.specs, counts, opts.cache);
  return out;
}

/** What the next tree can be patched from, if `out` qualifies: valid, no warnings, no contracts, every flow on counter 0 of its id. */
function baseOf(tree: SpecTree, opts: DesiredOptions, out: DesiredSet, specs: SpecSet, counts: Map<string, EntryCounts>, cache: DesiredCache): Base | undefined {
  if (out.problems.length || out.warnings.length || specs.contracts?.length) return undefined;
  const flowIds = assignFlowIds(specs);
  if (flowIds.warnings.length) return undefined;
  const keys = new Map<string, KeyIndex>();
  for (const [name, state] of out.states) {
    const index = cache.compiled.takeKeys(name, state.entries);
    if (!index) return undefined;
    keys.set(name, index);
  }
  return { key: baseKey(tree, opts), files: tree.files, links: tree.links, specs, counts, keys, set: out };
}

function finish(out: DesiredSet): DesiredSet {
  // Compile errors can repeat across targets: one defect, one problem.
  const seen = new Set<string>();
  out.problems = out.problems.filter((p) => {
    const k = `${p.code} ${p.pos.file}:${p.pos.line}:${p.pos.col} ${p.message}`;
    return !seen.has(k) && !!seen.add(k);
  });
  out.problems.sort(byPos);
  out.warnings.sort(byPos);
  if (out.problems.length) {
    out.states.clear();
    out.pipelines.clear();
    out.targets = [];
    out.flows = [];
    out.services = [];
  }
  return out;
}
