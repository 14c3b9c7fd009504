// Reads a commit's files straight from the object store: no work tree, no
// checkout. The reconciler and `flowops plan --against <ref>` see exactly what
// a commit holds, never whatever happens to be lying in a directory.
import nodeFs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { FlowopsError } from '../shared/errors.ts';
import { ObjectReader, PackCorruptError } from './pack.ts';

/** A ref that does not resolve, or a commit whose tree cannot be read. */
export class GitSourceError extends FlowopsError {}

/** The `fs` shape isomorphic-git accepts (node:fs works). */
export type GitFs = Parameters<typeof git.readTree>[0]['fs'];

export interface ReadAtRefOptions {
  fs: GitFs;
  /** Work tree (gitdir defaults to `<dir>/.git`). */
  dir?: string;
  gitdir?: string;
  /** Branch, tag, remote ref (`origin/main`), full or abbreviated commit id. */
  ref: string;
  /** Only files under this folder of the repo (paths stay repo-relative). */
  under?: string;
  /** Extra filter on repo-relative paths (e.g. only `.yaml`). */
  include?: (filepath: string) => boolean;
  /** isomorphic-git object cache shared across calls. */
  cache?: object;
  /** Blobs of earlier reads by object id (a repository's reader keeps one). */
  blobs?: BlobCache;
}

/**
 * Blob bytes by object id, kept between reads of one repository: a commit that
 * changed a few files inflates only those, and every unchanged file comes
 * back as the very Buffer of the read before (so desired/ sees at once that it
 * did not change). Holds the blobs of the last two reads.
 */
export class BlobCache {
  private last = new Map<string, Buffer>();
  private before = new Map<string, Buffer>();
  hits = 0;

  /** @internal */
  get(oid: string): Buffer | undefined {
    const b = this.last.get(oid) ?? this.before.get(oid);
    if (b) this.hits++;
    return b;
  }

  /** @internal A read is over: `read` (its blobs) becomes the last, the last the one before. */
  turn(read: Map<string, Buffer>): void {
    this.before = this.last;
    this.last = read;
  }
}

export interface TreeFiles {
  commit: string;
  files: Map<string, Buffer>;
  /** Repo-relative paths of symlinks (mode 120000): listed, never read as files. */
  links: string[];
}

/** Resolves `ref` to a commit id: refs first, then (abbreviated) object ids. Tags are peeled. */
export async function resolveCommit(opts: { fs: GitFs; dir?: string; gitdir?: string; ref: string; cache?: object }): Promise<string> {
  const gitdir = opts.gitdir ?? path.join(opts.dir ?? '.', '.git');
  const { fs, ref } = opts;
  let oid: string | undefined;
  try {
    oid = await git.resolveRef({ fs, gitdir, ref });
  } catch {
    if (/^[0-9a-f]{4,40}$/i.test(ref)) {
      try {
        oid = await git.expandOid({ fs, gitdir, oid: ref.toLowerCase(), cache: opts.cache });
      } catch {
        /* fall through to the error below */
      }
    }
  }
  if (!oid) throw new GitSourceError('GIT_REF_NOT_FOUND', `git ref '${ref}' not found`, { ref });
  try {
    // readCommit peels annotated tags and proves the object is (or points to) a commit.
    const { oid: commit } = await git.readCommit({ fs, gitdir, oid, cache: opts.cache });
    return commit;
  } catch (err) {
    throw new GitSourceError('GIT_NOT_A_COMMIT', `git ref '${ref}' (${oid}) is not a readable commit: ${(err as Error).message}`, { ref, oid });
  }
}

function isNodeFs(fs: GitFs): boolean {
  return fs === nodeFs || (fs as { promises?: unknown }).promises === nodeFs.promises;
}

/** Every blob in the commit's tree (recursively), keyed by repo-relative POSIX path. */
export async function readFilesAtRef(opts: ReadAtRefOptions): Promise<TreeFiles> {
  const gitdir = opts.gitdir ?? path.join(opts.dir ?? '.', '.git');
  const { fs } = opts;
  const cache = opts.cache ?? {};
  const commit = await resolveCommit({ fs, gitdir, ref: opts.ref, cache });
  const under = (opts.under ?? '').replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const files = new Map<string, Buffer>();
  const links: string[] = [];

  let rootOid: string;
  try {
    const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
    rootOid = c.tree;
    if (under) {
      const { oid } = await git.readTree({ fs, gitdir, oid: commit, filepath: under, cache });
      rootOid = oid;
    }
  } catch (err) {
    if (under) return { commit, files, links }; // folder absent at this commit: no specs there
    throw new GitSourceError('GIT_TREE_UNREADABLE', `cannot read the tree of ${commit}: ${(err as Error).message}`, { commit });
  }

  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache });
    for (const e of tree) {
      const p = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === 'tree') await walk(e.oid, p);
      else if (e.type === 'blob') {
        if (opts.include && !opts.include(p)) continue;
        if (e.mode === '120000') {
          links.push(p);
          continue;
        }
        let bytes = opts.blobs?.get(e.oid);
        if (!bytes && objects) {
          try {
            bytes = objects.blob(e.oid);
          } catch (err) {
            if (err instanceof PackCorruptError) throw new GitSourceError('GIT_PACK_CORRUPT', `${p} at ${commit}: ${err.message}`, { commit, path: p });
            throw err;
          }
        }
        if (!bytes) {
          const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache });
          bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
        }
        read.set(e.oid, bytes);
        files.set(p, bytes);
      }
      // 'commit' entries are submodules: not ours to follow.
    }
  };
  const read = new Map<string, Buffer>();
  // Blobs are read directly when `fs` is node's own (isomorphic-git's delta
  // code and JS inflate are the slow part of a large tree; see pack.ts).
  const objects = isNodeFs(fs) ? ObjectReader.open(gitdir) : undefined;
  try {
    await walk(rootOid, under);
  } finally {
    objects?.close();
  }
  opts.blobs?.turn(read);
  return { commit, files, links };
}
