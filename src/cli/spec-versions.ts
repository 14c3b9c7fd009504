// Which version of the specs a command reads, for every command that reads one
// (plan, verify, trace): a directory on disk or a Git revision of the
// repository holding it, always through source/ (one rule for which files
// count) and desired/ (one verdict: specs, signatures, pipeline files, compile).
import fs from 'node:fs';
import path from 'node:path';
import { formatPos, withField } from '../shared/errors.ts';
import { readDirTree, readRevisionTree, type SpecTree } from '../source/spec-tree.ts';
import type { DesiredSet } from '../desired/types.ts';

/** A directory when one exists at `version` (relative to `cwd`), otherwise a revision of DIR's Git repository. */
export async function readVersion(dir: string, version: string, cwd: string): Promise<SpecTree> {
  const asDir = path.resolve(cwd, version);
  if (fs.existsSync(asDir) && fs.statSync(asDir).isDirectory()) return readDirTree(asDir, version);
  return readRevisionTree(dir, version);
}

/** A desired set's problems as `file:line:col message (CODE)` lines; `prefix` says which version when it is not on disk. */
export function problemLines(d: DesiredSet, prefix = ''): string[] {
  return d.problems.map((p) => `${prefix}${p.pos.file ? `${formatPos(p.pos)} ` : ''}${withField(p.field, p.message)} (${p.code})`);
}
