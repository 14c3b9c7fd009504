// Which pipeline a Target is compiled against and runs: its own P4Info (a file
// of the spec tree), the config's, or the bundled one for its arch; and its
// device config. Indexes are cached by content, so a commit that does not
// change a pipeline file does not parse it again.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowopsError } from '../shared/errors.ts';
import type { Target } from '../specs/schema.ts';
import { P4InfoIndex } from '../p4info/index.ts';
import { parseP4Info } from '../p4info/txtpb.ts';
import { readPipelineFile } from '../pipeline/inspect.ts';
import { compareP4Info } from '../pipeline/compare.ts';
import { pipelineCookie } from '../pipeline/cookie.ts';
import type { PipelineFiles } from './types.ts';

export const P4_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../p4');

export interface PipelineSources {
  /** The spec tree's files (pipeline.p4info / deviceConfig are paths in it). */
  files: ReadonlyMap<string, Buffer>;
  /** Symlinks of the tree: named in the error when a pipeline path is one. */
  links?: readonly string[];
  /** Config-level P4Info (absolute path) used when a Target names none. */
  p4info?: string;
  /** Config-level device config (absolute path) used when a Target names none. */
  deviceConfig?: string;
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

function notInTree(target: Target, field: 'p4info' | 'deviceConfig', file: string, links: readonly string[] | undefined): FlowopsError {
  const why = links?.includes(file) ? 'is a symlink (symlinks are not followed)' : 'is not in the repository (paths are relative to the spec root, repo.dir)';
  return new FlowopsError('PIPELINE_FILE_NOT_IN_REPO', `Target ${target.metadata.name}: pipeline.${field} ${file} ${why}`, { field: `spec.pipeline.${field}`, file });
}

/**
 * The pipeline a target must run. `pipeline.deviceConfig` may be a raw device
 * config (BMv2 JSON, BfPipelineConfig bytes) or a file written by `flowops
 * pipeline pack` (a whole ForwardingPipelineConfig): then its P4Info is the one
 * compiled against, and a P4Info the Target also names must mean the same.
 */
export function pipelineFor(target: Target, src: PipelineSources): PipelineFiles {
  const p = target.spec.pipeline;
  let p4infoFile: string;
  let index: P4InfoIndex;
  if (p?.p4info && src.files.has(p.p4info)) {
    // A P4Info committed in the repo: parsed from its bytes (cached by content); errors name the repo path.
    const bytes = src.files.get(p.p4info)!;
    const key = `repo:${p.p4info}:${contentKey(bytes)}`;
    p4infoFile = p.p4info;
    index = indexCache.get(key) ?? indexCache.set(key, P4InfoIndex.fromP4Info(parseP4Info(bytes, p.p4info))).get(key)!;
  } else if (p?.p4info) {
    throw notInTree(target, 'p4info', p.p4info, src.links);
  } else {
    p4infoFile = src.p4info ?? bundledP4Info(p?.arch);
    index = p4infoIndexOf(p4infoFile);
  }
  let raw: Buffer = Buffer.alloc(0);
  let rawName = '';
  if (p?.deviceConfig) {
    if (!src.files.has(p.deviceConfig)) throw notInTree(target, 'deviceConfig', p.deviceConfig, src.links);
    raw = src.files.get(p.deviceConfig)!;
    rawName = p.deviceConfig;
  } else if (src.deviceConfig) {
    raw = fs.readFileSync(src.deviceConfig);
    rawName = src.deviceConfig;
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
