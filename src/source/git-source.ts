// The Git side of the loop: one tracked branch of one repository, fetched on
// every tick and resolved to a commit. A remote (https) repo is kept as a
// shallow, single-branch clone without a work tree; a local repo path is read
// in place (isomorphic-git has no file:// transport, and copying a local repo
// buys nothing). When the remote is unreachable the last good commit stays
// current and the error is reported; a force-push is just a new tip.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { silentLogger, type Logger } from '../shared/log.ts';
import { BlobCache, GitSourceError, resolveCommit } from './tree.ts';
import { fetchAgainstHave } from './capped-http.ts';
import { readCommitTree, type SpecTree } from './spec-tree.ts';

export interface GitSourceOptions {
  /** `https://…` (or `http://` for tests) remote, or a path to a local repository. */
  repo: string;
  branch: string;
  /** Where a remote repo's shallow clone lives (created if missing). Unused for local paths. */
  cacheDir: string;
  /** Folder inside the repo that holds the specs (default: the whole repo). */
  under?: string;
  /** Token for https auth (e.g. from FLOWOPS_GIT_TOKEN); sent as basic auth password. */
  token?: string;
  /** Basic-auth user that goes with the token (GitHub accepts `x-access-token`). */
  username?: string;
  logger?: Logger;
}

export interface PollResult {
  /** Current commit (last good one when the fetch failed); undefined only before any success. */
  commit?: string;
  /** True when `commit` differs from the previous poll's commit. */
  changed: boolean;
  /** Set when this fetch failed; `commit` is then the last good commit. */
  error?: GitSourceError;
}

export function isRemote(repo: string): boolean {
  return /^https?:\/\//i.test(repo);
}

export class GitSource {
  readonly opts: GitSourceOptions;
  private readonly log: Logger;
  private readonly cache = {};
  /** Blobs of the last reads: a new commit inflates only the files it changed. */
  readonly blobs = new BlobCache();
  private gitdir: string;
  private cloned = false;
  private last?: string;
  private lastError?: GitSourceError;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: GitSourceOptions) {
    this.opts = opts;
    this.log = (opts.logger ?? silentLogger).child({ component: 'git', repo: redact(opts.repo), branch: opts.branch });
    if (isRemote(opts.repo)) {
      this.gitdir = path.join(opts.cacheDir, '.git');
    } else {
      const dotgit = path.join(opts.repo, '.git');
      this.gitdir = fs.existsSync(dotgit) ? dotgit : opts.repo; // work tree or bare repo
    }
  }

  get commit(): string | undefined {
    return this.last;
  }
  get error(): GitSourceError | undefined {
    return this.lastError;
  }

  /** Fetches (remote) and resolves the branch tip. Never throws for network trouble: see PollResult.error. */
  poll(): Promise<PollResult> {
    const run = this.chain.then(() => this.pollNow());
    this.chain = run.catch(() => {});
    return run;
  }

  /** The branch tip after the last fetch (no network). */
  async resolve(): Promise<string> {
    return resolveCommit({ fs, gitdir: this.gitdir, ref: this.trackingRef(), cache: this.cache });
  }

  /** The spec tree of a commit (default: the current one), read from the object store; `under` is its root. */
  async read(commit = this.last): Promise<SpecTree> {
    if (!commit) throw new GitSourceError('GIT_NO_COMMIT', 'no commit fetched yet', { repo: redact(this.opts.repo) });
    return readCommitTree({ fs, gitdir: this.gitdir, ref: commit, root: this.opts.under, cache: this.cache, blobs: this.blobs });
  }

  private trackingRef(): string {
    return isRemote(this.opts.repo) ? `refs/remotes/origin/${this.opts.branch}` : `refs/heads/${this.opts.branch}`;
  }

  private async pollNow(): Promise<PollResult> {
    const before = this.last;
    try {
      if (isRemote(this.opts.repo)) await this.fetchRemote();
      const commit = await this.resolve();
      if (this.lastError) this.log.info('git source recovered', { commit });
      this.lastError = undefined;
      this.last = commit;
      return { commit, changed: commit !== before };
    } catch (err) {
      const e =
        err instanceof GitSourceError
          ? err
          : new GitSourceError('GIT_FETCH_FAILED', `fetching ${redact(this.opts.repo)} (${this.opts.branch}) failed: ${(err as Error).message}`, {
              repo: redact(this.opts.repo),
              branch: this.opts.branch,
              cause: (err as { code?: string }).code,
            });
      this.lastError = e;
      this.log.warn('git fetch failed; keeping last good commit', { err: e.message, code: e.code, commit: this.last });
      return { commit: this.last, changed: false, error: e };
    }
  }

  private auth() {
    const { token } = this.opts;
    return {
      onAuth: () => (token ? { username: this.opts.username ?? 'x-access-token', password: token } : { cancel: true }),
      // A rejected token is not retried in a loop: cancel and report.
      onAuthFailure: () => ({ cancel: true }),
    };
  }

  private async fetchRemote(): Promise<void> {
    const { repo: url, branch, cacheDir } = this.opts;
    const haveClone = this.cloned || fs.existsSync(path.join(this.gitdir, 'HEAD'));
    if (!haveClone) {
      await this.freshClone();
      return;
    }
    try {
      // Without `depth` when we hold the branch's tip: it is sent as a "have",
      // so a push costs what it changed (the new commits, trees and blobs).
      // Git answers `deepen 1` with the whole tree of the new tip, which at
      // 100k flows is a ~0.9 MB pack that isomorphic-git indexes in 5–7 s;
      // without it, tens of ms. When the new history does not meet our tip (a
      // force-push below it, our tip gone from the server) git would send the
      // branch's whole history: the transfer is capped (capped-http.ts) and
      // the fetch made again at depth 1, bounded by one tree.
      const tip = await this.trackingTip();
      await fetchAgainstHave(
        this.gitdir,
        !!tip,
        (o) =>
          git.fetch({
            // `ref` only names the local ref whose commit is offered as the
            // "have": the tracking ref, which every fetch moves (the clone's
            // refs/heads/ branch stays at the cloned commit).
            fs, http: o.http, gitdir: this.gitdir, url, remote: 'origin', ref: this.trackingRef(), remoteRef: branch,
            singleBranch: true, tags: false, cache: this.cache, ...(o.depth ? { depth: o.depth } : {}), ...this.auth(),
          }),
        (cap) => this.log.info('fetch without depth passed its cap; fetching at depth 1', { cap, tip }),
      );
      this.cloned = true;
    } catch (err) {
      if (isNetworkError(err)) throw err;
      // A clone left inconsistent (history rewritten under a shallow boundary,
      // interrupted write): start again from a fresh shallow clone.
      this.log.warn('shallow fetch failed; re-cloning', { err: (err as Error).message, cacheDir });
      await this.freshClone();
    }
  }

  /** The tracking ref's commit when it resolves to a commit held here. */
  private async trackingTip(): Promise<string | undefined> {
    try {
      return await this.resolve();
    } catch {
      return undefined;
    }
  }

  private async freshClone(): Promise<void> {
    const { repo: url, branch, cacheDir } = this.opts;
    // Clone next to the old one and swap, so a failed clone leaves the previous objects usable.
    const tmp = `${cacheDir}.tmp-${process.pid}-${Date.now()}`;
    fs.mkdirSync(tmp, { recursive: true });
    try {
      await git.clone({
        fs, http, dir: tmp, url, ref: branch, singleBranch: true, depth: 1, noCheckout: true, noTags: true,
        cache: {}, ...this.auth(),
      });
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(cacheDir), { recursive: true });
    fs.renameSync(tmp, cacheDir);
    for (const k of Object.keys(this.cache)) delete (this.cache as Record<string, unknown>)[k];
    this.cloned = true;
    this.log.info('cloned', { cacheDir });
  }
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(code) ||
    code === 'HttpError' ||
    code === 'UserCanceledError' ||
    code === 'SmartHttpError'
  );
}

/** A URL without credentials, for logs and reports. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
