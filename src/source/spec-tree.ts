// A spec tree: the files of one version of the specs, from a Git commit or a
// plain directory, under ONE rule for which files count (docs/specs.md,
// "Which files count"). Everything downstream (desired/) reads only this.
//
//   - Paths are '/'-separated and relative to the spec root: the directory
//     given to `validate`/`plan`/`sign`, or `repo.dir` inside the repository.
//     Signatures and `pipeline.*` paths are relative to the same root, so a
//     file signed in a checkout verifies in the reconciler.
//   - A path with any segment starting with '.' (.git, .github, .example-keys)
//     or named node_modules does not count: never specs, possibly large or private.
//   - Symlinks are not followed (a link could point outside the tree, and a
//     Git tree holds only the link text): they are listed in `links`, and
//     desired/ rejects one that would count as a spec.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { ConfigError } from '../shared/errors.ts';
import { readFilesAtRef, type BlobCache, type GitFs } from './tree.ts';
import { resolveRevision } from './rev-parse.ts';

export interface SpecTree {
  /** Commit id; '' for a directory read from disk. */
  commit: string;
  /** What a person calls this version (`HEAD~1@abc1234`, a directory path). */
  label: string;
  /** Where the spec root sits inside the repository ('' = repository root). */
  root: string;
  /** Root-relative path → bytes: every counted regular file. */
  files: Map<string, Buffer>;
  /** Root-relative paths of symlinks (not followed, not in `files`). */
  links: string[];
}

/** Whether a root-relative path counts: no dot-segment, no node_modules. */
export function counts(relPath: string): boolean {
  return relPath.split('/').every((seg) => seg !== '' && !seg.startsWith('.') && seg !== 'node_modules');
}

/** A directory on disk as a spec tree. */
export function readDirTree(dir: string, label = dir): SpecTree {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError('DIR_NOT_FOUND', `'${label}' is not a directory`, { dir: label });
  }
  const files = new Map<string, Buffer>();
  const links: string[] = [];
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (!counts(child)) continue;
      if (e.isSymbolicLink()) links.push(child);
      else if (e.isDirectory()) walk(child);
      else if (e.isFile()) files.set(child, fs.readFileSync(path.join(dir, child)));
    }
  };
  walk('');
  return { commit: '', label, root: '', files, links };
}

export interface CommitTreeOptions {
  fs: GitFs;
  dir?: string;
  gitdir?: string;
  /** Ref or commit id (see tree.ts resolveCommit). */
  ref: string;
  /** The spec root inside the repository (`repo.dir`); '' or undefined = repository root. */
  root?: string;
  cache?: object;
  /** Blobs of earlier reads (tree.ts BlobCache). */
  blobs?: BlobCache;
}

/** One commit's spec tree, read from the object store. */
export async function readCommitTree(o: CommitTreeOptions): Promise<SpecTree> {
  const root = (o.root ?? '').replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const rel = (p: string) => (root ? p.slice(root.length + 1) : p);
  const read = await readFilesAtRef({ fs: o.fs, dir: o.dir, gitdir: o.gitdir, ref: o.ref, under: root || undefined, include: (p) => counts(rel(p)), cache: o.cache, blobs: o.blobs });
  const files = new Map<string, Buffer>();
  for (const [p, b] of read.files) files.set(rel(p), b);
  return { commit: read.commit, label: read.commit.slice(0, 7), root, files, links: read.links.map(rel) };
}

/**
 * A Git revision (`HEAD~1`, a branch, an id) of the repository holding `dir`,
 * with `dir` as the spec root: what `flowops plan --against REV` compares with.
 */
export async function readRevisionTree(dir: string, rev: string): Promise<SpecTree> {
  let top: string;
  try {
    top = await git.findRoot({ fs, filepath: dir });
  } catch {
    throw new ConfigError('NOT_A_REPO', `'${rev}' is neither a directory nor usable as a Git ref: '${dir}' is not inside a Git repository`, { dir, rev });
  }
  const root = path.relative(top, dir).split(path.sep).join('/');
  const cache = {};
  const oid = await resolveRevision({ fs, dir: top, rev, cache });
  const tree = await readCommitTree({ fs, dir: top, ref: oid, root, cache });
  return { ...tree, label: `${rev}@${oid.slice(0, 7)}` };
}
