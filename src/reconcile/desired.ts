// One commit's files → the desired state of every switch, or the reasons it
// cannot be had. A commit with any spec error yields no desired state at all:
// the switches keep what they run (the last good commit) and the errors point
// at file:line. Also says when the next flow expires, so the expiry schedule
// knows whether a recompile would change anything.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowopsError, SpecError, SpecErrors } from '../shared/errors.ts';
import { loadSpecs, type SpecCache } from '../specs/load.ts';
import { checkSignatures } from '../specs/signature.ts';
import type { FlowSpec, Target } from '../specs/schema.ts';
import { compile, type CompileCache } from '../compile/compile.ts';
import type { DesiredState } from '../compile/types.ts';
import { P4InfoIndex } from '../p4info/index.ts';
import { parseP4Info } from '../p4info/txtpb.ts';
import type { SpecProblem } from '../report/events.ts';
import { readPipelineFile } from '../pipeline/inspect.ts';
import { compareP4Info } from '../pipeline/compare.ts';
import { pipelineCookie } from '../pipeline/cookie.ts';

export const P4_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../p4');

export interface PipelineFiles {
  /** Where the P4Info came from (repo path, config path, or the packed device-config file). */
  p4infoFile: string;
  index: P4InfoIndex;
  /** Device config bytes (empty when none is configured); a packed file is unpacked to its device config. */
  deviceConfig: Buffer;
  /** pipeline/cookie.ts over the P4Info and the device config: what the switch is compared by. */
  cookie: bigint;
}

export interface DesiredSet {
  commit: string;
  problems: SpecProblem[];
  /** Desired state per Target name (empty when there are problems). */
  states: Map<string, DesiredState>;
  /** The Target documents (plain, without source positions). */
  targets: Target[];
  pipelines: Map<string, PipelineFiles>;
  /** Earliest `expires` of a flow still in force (ms since epoch), if any. */
  nextExpiry?: number;
  compiledAt: Date;
  /** The flows and services in force, plain (for people: the web view, traffic words). */
  flows: FlowSummary[];
  services: { tenant: string; name: string }[];
}

/** A flow as people see it: `tenant/name`, its spec and where it is written. */
export interface FlowSummary {
  tenant: string;
  /** `tenant/name` (the compiled entries' origin name). */
  name: string;
  spec: FlowSpec;
  file: string;
  line: number;
}

export interface DesiredOptions {
  now: Date;
  /** Config-level P4Info (absolute path) used when a Target names none. */
  p4info?: string;
  deviceConfig?: string;
  /** Where the repo's own files are (for pipeline.p4info paths inside the repo). */
  files: ReadonlyMap<string, Buffer>;
  /** Kept by the reconciler across commits: only changed files are parsed, only changed flows recompiled. */
  specCache?: SpecCache;
  compileCache?: CompileCache;
}

const indexCache = new Map<string, P4InfoIndex>();

/** The P4Info shipped in p4/ for an architecture (v1model unless `tna`). */
export function bundledP4Info(arch?: string): string {
  return path.join(P4_DIR, arch === 'tna' ? 'flowops_tna.p4info.txtpb' : 'flowops_v1model.p4info.txtpb');
}

/** The index of a P4Info file on disk, loaded once per process. */
export function p4infoIndexOf(file: string): P4InfoIndex {
  return indexCache.get(file) ?? indexCache.set(file, P4InfoIndex.fromFile(file)).get(file)!;
}

/**
 * The pipeline a target must run: its own P4Info (repo file), the config's, or
 * the bundled one for its arch; and its device config. `pipeline.deviceConfig`
 * may be a raw device config (BMv2 JSON, BfPipelineConfig bytes) or a file
 * written by `flowops pipeline pack` (a whole ForwardingPipelineConfig): then
 * its P4Info is the one compiled against, and a P4Info the Target also names
 * must mean the same.
 */
export function pipelineFor(target: Target, opts: Pick<DesiredOptions, 'p4info' | 'deviceConfig' | 'files'>): PipelineFiles {
  const p = target.spec.pipeline;
  let p4infoFile: string;
  let index: P4InfoIndex;
  if (p?.p4info && opts.files.has(p.p4info)) {
    // A P4Info committed in the repo: parsed from its bytes (cached by content); errors name the repo path.
    const bytes = opts.files.get(p.p4info)!;
    const key = `repo:${p.p4info}:${contentKey(bytes)}`;
    p4infoFile = p.p4info;
    index = indexCache.get(key) ?? indexCache.set(key, P4InfoIndex.fromP4Info(parseP4Info(bytes, p.p4info))).get(key)!;
  } else if (p?.p4info) {
    throw new FlowopsError('PIPELINE_FILE_NOT_IN_REPO', `Target ${target.metadata.name}: pipeline.p4info ${p.p4info} is not in the repository (paths are relative to the repository root)`, { field: 'spec.pipeline.p4info', file: p.p4info });
  } else {
    p4infoFile = opts.p4info ?? bundledP4Info(p?.arch);
    index = p4infoIndexOf(p4infoFile);
  }
  let raw: Buffer = Buffer.alloc(0);
  let rawName = '';
  if (p?.deviceConfig) {
    if (!opts.files.has(p.deviceConfig)) {
      throw new FlowopsError('PIPELINE_FILE_NOT_IN_REPO', `Target ${target.metadata.name}: pipeline.deviceConfig ${p.deviceConfig} is not in the repository (paths are relative to the repository root)`, { field: 'spec.pipeline.deviceConfig', file: p.deviceConfig });
    }
    raw = opts.files.get(p.deviceConfig)!;
    rawName = p.deviceConfig;
  } else if (opts.deviceConfig) {
    raw = fs.readFileSync(opts.deviceConfig);
    rawName = opts.deviceConfig;
  }
  let deviceConfig = raw;
  if (raw.length) {
    const un = readPipelineFile(raw);
    deviceConfig = un.deviceConfig;
    if (un.p4info) {
      const packedKey = `packed:${rawName}:${contentKey(raw)}`;
      const packed = indexCache.get(packedKey) ?? indexCache.set(packedKey, P4InfoIndex.fromP4Info(un.p4info)).get(packedKey)!;
      if (p?.p4info) {
        const diffs = compareP4Info(index.p4info, packed.p4info);
        if (diffs.length) {
          throw new FlowopsError('PIPELINE_PACKED_MISMATCH', `Target ${target.metadata.name}: the P4Info packed in ${rawName} differs from ${p.p4info}: ${diffs.join('; ')}`, { field: 'spec.pipeline.deviceConfig', differences: diffs });
        }
      }
      index = packed;
      p4infoFile = rawName;
    }
  }
  return { p4infoFile, index, deviceConfig, cookie: pipelineCookie(index.p4info, deviceConfig) };
}

function contentKey(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function problem(e: SpecError | FlowopsError): SpecProblem {
  return {
    pos: e.pos ?? { file: '', line: 0, col: 0 },
    field: String((e.data as { field?: unknown }).field ?? ''),
    message: e.message,
    code: e.code,
  };
}

/** Loads, checks and compiles one commit. Never throws for user mistakes: they come back as problems. */
export function desiredFromFiles(commit: string, opts: DesiredOptions): DesiredSet {
  const out: DesiredSet = { commit, problems: [], states: new Map(), targets: [], pipelines: new Map(), compiledAt: opts.now, flows: [], services: [] };
  const texts = opts.files;
  const loaded = loadSpecs(texts, { now: opts.now, expired: 'drop', cache: opts.specCache });
  // A flow file the tenant did not sign is not the tenant's policy: never applied.
  if (!loaded.errors.length) for (const e of checkSignatures(loaded.specs, texts)) loaded.errors.push(e);
  if (loaded.errors.length) {
    out.problems = loaded.errors.map(problem);
    return out;
  }
  // Keep nothing of the SpecSet: its documents hold YAML positions (ASTs) that
  // cost more memory than the compiled entries. Targets are copied out plain.
  out.targets = loaded.specs.targets.map((t) => ({ apiVersion: t.apiVersion, kind: t.kind, metadata: t.metadata, spec: t.spec }));
  out.services = loaded.specs.services.map((v) => ({ tenant: v.metadata.tenant, name: v.metadata.name }));
  out.flows = loaded.specs.flows.map((f) => {
    const at = f.source.at('metadata.name');
    return { tenant: f.metadata.tenant, name: `${f.metadata.tenant}/${f.metadata.name}`, spec: structuredClone(f.spec), file: at.file, line: at.line };
  });
  for (const f of loaded.specs.flows) {
    if (!f.spec.expires) continue;
    const t = Date.parse(f.spec.expires);
    if (t > opts.now.getTime() && (out.nextExpiry === undefined || t < out.nextExpiry)) out.nextExpiry = t;
  }
  // Targets with the same pipeline spec share one reading, unpacking and cookie.
  const pipes = new Map<string, PipelineFiles>();
  for (const t of loaded.specs.targets) {
    try {
      const pipeKey = JSON.stringify(t.spec.pipeline ?? null);
      const pipe = pipes.get(pipeKey) ?? pipelineFor(t, opts);
      pipes.set(pipeKey, pipe);
      out.pipelines.set(t.metadata.name, pipe);
      out.states.set(t.metadata.name, compile(loaded.specs, pipe.index, t.metadata.name, { now: opts.now, cache: opts.compileCache }));
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
  if (out.problems.length) out.states.clear();
  return out;
}
