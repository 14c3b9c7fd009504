// Fetches what a plan check reads: the tip of the tracked branch and a pull
// request's head (`refs/pull/N/head`, which GitHub keeps for every PR, forks
// included) over smart HTTP into one local bare repository, then reads both
// spec trees straight from the object store (spec-tree.ts rules).
import fs from 'node:fs';
import git from 'isomorphic-git';
import { FlowopsError } from '../shared/errors.ts';
import { readCommitTree, type SpecTree } from './spec-tree.ts';
import { BlobCache } from './tree.ts';
import { fetchAgainstHave } from './capped-http.ts';

export class PrFetchError extends FlowopsError {}

export interface PrFetchOptions {
  /** Smart-HTTP URL of the repository (`https://github.com/OWNER/REPO.git`). */
  url: string;
  /** Local bare repository used as a cache across checks. */
  gitdir: string;
  /** Token for private repositories (sent as basic auth, user `x-access-token`). */
  token?: string;
  /** The spec root inside the repository (`repo.dir`). */
  under?: string;
}

export interface FetchedPr {
  base: SpecTree;
  head: SpecTree;
}

const cache = {};

/** A local ref naming the commit offered as a "have" on the next fetch (see fetchRef). */
const HAVE_REF = 'refs/flowops/have';

async function localCommit(gitdir: string, ref: string): Promise<string | undefined> {
  try {
    const oid = await git.resolveRef({ fs, gitdir, ref });
    await git.readCommit({ fs, gitdir, oid, cache });
    return oid;
  } catch {
    return undefined;
  }
}

/**
 * Fetches one remote ref. With `have` (a commit held here) the server is told
 * we hold it and sends only what the ref adds to it — a PR's own commits, the
 * base branch's new ones — instead of the whole tree again (`deepen 1` resends
 * every blob: at 100k flows a pack isomorphic-git indexes in 5–7 s). Without
 * one (the first fetch of a repository) it is a depth-1 fetch.
 */
async function fetchRef(o: PrFetchOptions, remoteRef: string, have?: string): Promise<string> {
  try {
    if (have) await git.writeRef({ fs, gitdir: o.gitdir, ref: HAVE_REF, value: have, force: true });
    else await git.deleteRef({ fs, gitdir: o.gitdir, ref: HAVE_REF }).catch(() => {});
    // Against `have` the transfer is capped: a PR branched from below the
    // cache's shallow boundary would otherwise bring the whole history
    // (capped-http.ts); past the cap it is fetched again at depth 1.
    const res = await fetchAgainstHave(o.gitdir, !!have, (f) =>
      git.fetch({
        fs, http: f.http, gitdir: o.gitdir, remote: 'origin', remoteRef, ref: HAVE_REF, singleBranch: true, ...(f.depth ? { depth: f.depth } : {}), tags: false, cache,
        onAuth: () => (o.token ? { username: 'x-access-token', password: o.token } : { cancel: true }),
        onAuthFailure: () => ({ cancel: true }),
      }),
    );
    if (!res.fetchHead) throw new Error(`remote has no ${remoteRef}`);
    return res.fetchHead;
  } catch (e: any) {
    throw new PrFetchError('PR_FETCH_FAILED', `fetching ${remoteRef} failed: ${e?.message ?? e}`, { ref: remoteRef, cause: e?.code });
  }
}

export async function fetchPr(o: PrFetchOptions, pr: { number: number; baseRef: string }): Promise<FetchedPr> {
  if (!fs.existsSync(`${o.gitdir}/HEAD`)) {
    fs.mkdirSync(o.gitdir, { recursive: true });
    await git.init({ fs, gitdir: o.gitdir, bare: true });
    await git.setConfig({ fs, gitdir: o.gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    // PR heads are not branches; they need their own refspec to be fetchable.
    await git.setConfig({ fs, gitdir: o.gitdir, path: 'remote.origin.fetch', value: '+refs/pull/*:refs/remotes/origin/pull/*', append: true });
  }
  await git.setConfig({ fs, gitdir: o.gitdir, path: 'remote.origin.url', value: o.url });
  // The base against what this cache last held of it; the head against the base.
  const baseCommit = await fetchRef(o, `refs/heads/${pr.baseRef}`, await localCommit(o.gitdir, `refs/remotes/origin/${pr.baseRef}`));
  const headCommit = await fetchRef(o, `refs/pull/${pr.number}/head`, baseCommit);
  return readPrTrees({ gitdir: o.gitdir, base: baseCommit, head: headCommit, root: o.under, cache });
}

/**
 * The spec trees of a PR's base and head from a local repository. The head's
 * unchanged files come back as the base's very Buffers (inflated once).
 */
export async function readPrTrees(o: { gitdir?: string; dir?: string; base: string; head: string; root?: string; cache?: object }): Promise<FetchedPr> {
  const blobs = new BlobCache();
  const read = (ref: string) => readCommitTree({ fs, gitdir: o.gitdir, dir: o.dir, ref, root: o.root, cache: o.cache, blobs });
  return { base: await read(o.base), head: await read(o.head) };
}
