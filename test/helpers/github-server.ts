// An in-memory GitHub REST API on 127.0.0.1:0 for tests. It implements the
// routes flowops uses and judges every request and every response it serves
// against GitHub's official OpenAPI description, so the client cannot drift
// from the real API: an invalid request → failure recorded + 422, an unknown
// route → failure + 404, a reply off its documented schema → failure.
// Tests assert `failures` is empty. Faults (5xx, rate limits, outage) on demand.
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  findRoute, validateParams, validateRequestBody, validateResponse, sampleComponent, type RouteMatch,
} from './github-openapi.ts';

type Json = any;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  operationId?: string;
  status: number;
  auth: 'token' | 'app-jwt' | 'installation' | 'none';
}

export interface StatusRec { id: number; sha: string; state: string; context: string; description: string | null; target_url: string | null; created_at: string }
export interface CommentRec { id: number; issue_number: number; body: string; user: string; created_at: string; updated_at: string }
export interface IssueRec { id: number; number: number; title: string; body: string | null; state: 'open' | 'closed'; labels: string[]; user: string; created_at: string; updated_at: string; closed_at: string | null }
export interface CheckRunRec { id: number; name: string; head_sha: string; status: string; conclusion: string | null; title: string | null; summary: string | null; text: string | null; annotations: Json[]; external_id: string | null; details_url: string | null }
export interface PullRec {
  number: number; id: number; title: string; body: string | null; state: 'open' | 'closed'; user: string;
  head: { ref: string; sha: string }; base: { ref: string; sha: string };
  merged: boolean; merge_commit_sha: string | null; merged_at: string | null; created_at: string; updated_at: string;
}

export interface RepoState {
  owner: string;
  name: string;
  statuses: StatusRec[];
  comments: CommentRec[];
  issues: IssueRec[];
  checkRuns: CheckRunRec[];
  pulls: PullRec[];
  /** Issues and pull requests share one number sequence, as on GitHub. */
  nextNumber: number;
}

export interface GitHubServerOptions {
  /** Personal/OAuth tokens accepted as `token X` / `bearer X`. */
  tokens?: string[];
  /** GitHub App: JWTs signed with the matching private key get installation tokens. */
  app?: { appId: number; publicKeyPem: string; installationId: number };
  /** Login that tokens act as. */
  login?: string;
}

type Fault = { status: 500 | 403 | 429; retryAfter: number };
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type Handler = (ctx: { m: RouteMatch; body: Json; query: Record<string, string>; repo: () => RepoState; login: string; auth: RecordedRequest['auth'] }) => Reply;

let ids = 1000;
const nextId = () => ++ids;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class GitHubServer {
  readonly failures: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly repos = new Map<string, RepoState>();
  url = '';
  private server: http.Server;
  private faults: Fault[] = [];
  private tampers: ((body: any) => unknown)[] = [];
  private isDown = false;
  /** Installation tokens handed out → expiry (ms). */
  readonly installationTokens = new Map<string, number>();
  private sockets = new Set<import('node:net').Socket>();

  constructor(readonly opts: GitHubServerOptions = {}) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        this.failures.push(`server error: ${e?.stack ?? e}`);
        if (!res.headersSent) { res.writeHead(500); res.end(); }
      });
    });
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` requests fail: 500, 403 primary rate limit (x-ratelimit-remaining: 0), or 429 secondary rate limit. */
  failNext(n: number, status: 500 | 403 | 429, retryAfter = 0): void {
    for (let i = 0; i < n; i++) this.faults.push({ status, retryAfter });
  }

  /** The next handled reply's body goes through `fn` (to prove off-spec responses are caught). */
  tamperNext(fn: (body: any) => unknown): void {
    this.tampers.push(fn);
  }

  /** Connections are dropped until `up()`: GitHub unreachable. */
  down(): void { this.isDown = true; for (const s of this.sockets) s.destroy(); }
  up(): void { this.isDown = false; }

  repo(fullName: string): RepoState {
    let r = this.repos.get(fullName);
    if (!r) {
      const [owner, name] = fullName.split('/');
      r = { owner, name, statuses: [], comments: [], issues: [], checkRuns: [], pulls: [], nextNumber: 1 };
      this.repos.set(fullName, r);
    }
    return r;
  }

  /** Opens a pull request in state (what a user would do on github.com). */
  addPull(fullName: string, p: { number?: number; title?: string; head: { ref: string; sha: string }; base: { ref: string; sha?: string }; user?: string }): PullRec {
    const r = this.repo(fullName);
    const number = p.number ?? r.nextNumber;
    r.nextNumber = Math.max(r.nextNumber, number + 1);
    const pr: PullRec = {
      number, id: nextId(), title: p.title ?? `PR ${number}`, body: null, state: 'open', user: p.user ?? 'alice',
      head: { ...p.head }, base: { ref: p.base.ref, sha: p.base.sha ?? '0'.repeat(40) },
      merged: false, merge_commit_sha: null, merged_at: null, created_at: now(), updated_at: now(),
    };
    r.pulls.push(pr);
    return pr;
  }

  /** Merges a pull request on "github.com": closed, merged, with its merge commit. */
  mergePull(fullName: string, number: number, mergeSha: string): PullRec {
    const p = this.repo(fullName).pulls.find((x) => x.number === number);
    if (!p) throw new Error(`no pull request #${number} in ${fullName}`);
    Object.assign(p, { state: 'closed', merged: true, merge_commit_sha: mergeSha, merged_at: now(), updated_at: now() });
    return p;
  }

  /** Pushes a new head commit to an open pull request. */
  pushPull(fullName: string, number: number, headSha: string): PullRec {
    const p = this.repo(fullName).pulls.find((x) => x.number === number);
    if (!p) throw new Error(`no pull request #${number} in ${fullName}`);
    Object.assign(p, { head: { ...p.head, sha: headSha }, updated_at: now() });
    return p;
  }

  statuses(fullName: string, sha: string, context?: string): StatusRec[] {
    return this.repo(fullName).statuses.filter((s) => s.sha === sha && (context === undefined || s.context === context));
  }
  /** The latest status per context for a sha (what GitHub's combined status shows). */
  latestStatus(fullName: string, sha: string, context: string): StatusRec | undefined {
    return this.statuses(fullName, sha, context).at(-1);
  }
  comments(fullName: string, issueNumber: number): CommentRec[] {
    return this.repo(fullName).comments.filter((c) => c.issue_number === issueNumber);
  }

  private user(login: string): Json {
    const id = [...login].reduce((a, c) => a * 31 + c.charCodeAt(0), 7) % 1e6;
    return {
      ...sampleComponent('simple-user'), login, id, node_id: `U_${id}`, type: login.endsWith('[bot]') ? 'Bot' : 'User',
      avatar_url: `https://avatars.github.test/u/${id}`, url: `${this.url}/users/${encodeURIComponent(login)}`,
      html_url: `https://github.test/${encodeURIComponent(login)}`,
    };
  }

  private authenticate(header: string | undefined): { auth: RecordedRequest['auth']; login: string } | undefined {
    if (!header) return undefined;
    const m = /^(token|bearer)\s+(.+)$/i.exec(header.trim());
    if (!m) return undefined;
    const cred = m[2];
    if ((this.opts.tokens ?? ['test-token']).includes(cred)) return { auth: 'token', login: this.opts.login ?? 'flowops-bot' };
    const exp = this.installationTokens.get(cred);
    if (exp !== undefined && exp > Date.now()) return { auth: 'installation', login: 'flowops[bot]' };
    if (this.opts.app && cred.split('.').length === 3 && this.verifyJwt(cred)) return { auth: 'app-jwt', login: 'flowops' };
    return undefined;
  }

  private verifyJwt(jwt: string): boolean {
    const [h, p, s] = jwt.split('.');
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString());
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      if (header.alg !== 'RS256') return false;
      const ok = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.opts.app!.publicKeyPem, Buffer.from(s, 'base64url'));
      const t = Date.now() / 1000;
      return ok && String(payload.iss) === String(this.opts.app!.appId) && payload.exp > t && payload.iat <= t + 60;
    } catch {
      return false;
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.isDown) { req.socket.destroy(); return; }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(u.searchParams);
    const method = req.method ?? 'GET';
    const rec: RecordedRequest = { method, path: u.pathname, query, body: undefined, status: 0, auth: 'none' };
    this.requests.push(rec);
    let m: RouteMatch | undefined;
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      // Every reply on a known route is judged against the documented response for its status.
      const resProblems = m ? validateResponse(m, status, body) : [];
      if (resProblems.length) this.failures.push(`${m!.operation.operationId} response: ${resProblems.join('; ')}`);
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3', ...headers });
      res.end(text);
    };
    const fail = (status: number, message: string, extra: Record<string, unknown> = {}) =>
      send(status, { message, documentation_url: 'https://docs.github.com/rest', ...extra });

    if (raw) {
      try { rec.body = JSON.parse(raw); } catch {
        this.failures.push(`${method} ${u.pathname}: body is not JSON`);
        return fail(400, 'Problems parsing JSON');
      }
    }

    m = findRoute(method, u.pathname);
    if (!m) {
      this.failures.push(`${method} ${u.pathname}: no such route in GitHub's OpenAPI description`);
      return fail(404, 'Not Found');
    }
    rec.operationId = m.operation.operationId;
    const problems = [...validateParams(m, query), ...validateRequestBody(m, rec.body)];
    if (problems.length) {
      this.failures.push(`${m.operation.operationId} ${method} ${u.pathname}: ${problems.join('; ')}`);
      return fail(422, 'Validation Failed', { errors: problems.map((p) => ({ resource: m.operation.operationId, code: 'invalid', message: p })) });
    }

    // Injected faults come after the request was judged: a retried request is checked every time.
    const fault = this.faults.shift();
    if (fault) {
      if (fault.status === 500) return fail(500, 'Server Error');
      const doc = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';
      if (fault.status === 403) {
        const reset = Math.floor(Date.now() / 1000) + fault.retryAfter;
        return send(403, { message: 'API rate limit exceeded for installation.', documentation_url: doc }, {
          'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset),
        });
      }
      return send(429, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: doc }, {
        'retry-after': String(fault.retryAfter),
      });
    }

    const who = this.authenticate(req.headers.authorization);
    if (!who) return fail(401, 'Bad credentials');
    rec.auth = who.auth;
    const handler = handlers[m.operation.operationId];
    if (!handler) {
      this.failures.push(`${m.operation.operationId}: valid GitHub route, but not implemented by the test server`);
      return fail(404, 'Not Found');
    }
    const { owner, repo: name } = m.params;
    const reply = handler.call(this, {
      m, body: rec.body ?? {}, query, login: who.login, auth: who.auth,
      repo: () => this.repo(`${owner}/${name}`),
    });
    const tamper = this.tampers.shift();
    if (tamper) reply.body = tamper(reply.body);
    if (reply.status === 422) this.failures.push(`${m.operation.operationId}: GitHub would reject this request: ${JSON.stringify(reply.body)}`);
    return send(reply.status, reply.body, reply.headers);
  }

  // --- JSON renderings, shaped by samples from the OpenAPI description ---

  private repoBase(r: RepoState): string { return `${this.url}/repos/${r.owner}/${r.name}`; }

  renderStatus(r: RepoState, s: StatusRec): Json {
    return {
      ...sampleComponent('status'), id: s.id, node_id: `SC_${s.id}`, url: `${this.repoBase(r)}/statuses/${s.sha}`,
      avatar_url: null, state: s.state, description: s.description, target_url: s.target_url, context: s.context,
      created_at: s.created_at, updated_at: s.created_at, creator: this.user('flowops-bot'),
    };
  }

  renderComment(r: RepoState, c: CommentRec): Json {
    return {
      ...sampleComponent('issue-comment'), id: c.id, node_id: `IC_${c.id}`, body: c.body, user: this.user(c.user),
      url: `${this.repoBase(r)}/issues/comments/${c.id}`, issue_url: `${this.repoBase(r)}/issues/${c.issue_number}`,
      html_url: `https://github.test/${r.owner}/${r.name}/issues/${c.issue_number}#issuecomment-${c.id}`,
      created_at: c.created_at, updated_at: c.updated_at, author_association: 'NONE',
    };
  }

  renderLabel(r: RepoState, name: string): Json {
    const id = [...name].reduce((a, ch) => a * 31 + ch.charCodeAt(0), 3) % 1e6;
    return { id, node_id: `LA_${id}`, url: `${this.repoBase(r)}/labels/${encodeURIComponent(name)}`, name, description: null, color: 'd73a4a', default: false };
  }

  renderIssue(r: RepoState, i: IssueRec, pr?: PullRec): Json {
    const base = `${this.repoBase(r)}/issues/${i.number}`;
    return {
      ...sampleComponent('issue'), id: i.id, node_id: `I_${i.id}`, number: i.number, title: i.title, body: i.body,
      state: i.state, labels: i.labels.map((l) => this.renderLabel(r, l)), user: this.user(i.user),
      url: base, html_url: `https://github.test/${r.owner}/${r.name}/issues/${i.number}`, repository_url: this.repoBase(r),
      labels_url: `${base}/labels{/name}`, comments_url: `${base}/comments`, events_url: `${base}/events`,
      comments: r.comments.filter((c) => c.issue_number === i.number).length, assignee: null, milestone: null,
      locked: false, created_at: i.created_at, updated_at: i.updated_at, closed_at: i.closed_at, author_association: 'NONE',
      ...(pr ? { pull_request: { url: `${this.repoBase(r)}/pulls/${pr.number}`, html_url: null, diff_url: null, patch_url: null } } : {}),
    };
  }

  renderCheckRun(r: RepoState, c: CheckRunRec): Json {
    const url = `${this.repoBase(r)}/check-runs/${c.id}`;
    return {
      ...sampleComponent('check-run'), id: c.id, node_id: `CR_${c.id}`, name: c.name, head_sha: c.head_sha, url,
      html_url: `https://github.test/${r.owner}/${r.name}/runs/${c.id}`, details_url: c.details_url, external_id: c.external_id,
      status: c.status, conclusion: c.conclusion, started_at: now(), completed_at: c.status === 'completed' ? now() : null,
      output: { title: c.title, summary: c.summary, text: c.text, annotations_count: c.annotations.length, annotations_url: `${url}/annotations` },
      check_suite: { id: 1 }, app: null, pull_requests: [],
    };
  }

  renderPull(r: RepoState, p: PullRec, full: boolean): Json {
    const base = `${this.repoBase(r)}/pulls/${p.number}`;
    const issue = `${this.repoBase(r)}/issues/${p.number}`;
    const repoJson = {
      ...sampleComponent('repository'), id: 1, node_id: 'R_1', name: r.name, full_name: `${r.owner}/${r.name}`,
      owner: this.user(r.owner), private: false, url: this.repoBase(r), html_url: `https://github.test/${r.owner}/${r.name}`,
    };
    const side = (s: { ref: string; sha: string }) => ({ label: `${r.owner}:${s.ref}`, ref: s.ref, sha: s.sha, user: this.user(r.owner), repo: repoJson });
    const link = (href: string) => ({ href });
    const common = {
      ...sampleComponent(full ? 'pull-request' : 'pull-request-simple'),
      id: p.id, node_id: `PR_${p.id}`, number: p.number, title: p.title, body: p.body, state: p.state, user: this.user(p.user),
      url: base, html_url: `https://github.test/${r.owner}/${r.name}/pull/${p.number}`, issue_url: issue,
      diff_url: `https://github.test/${r.owner}/${r.name}/pull/${p.number}.diff`, patch_url: `https://github.test/${r.owner}/${r.name}/pull/${p.number}.patch`,
      commits_url: `${base}/commits`, review_comments_url: `${base}/comments`, review_comment_url: `${this.repoBase(r)}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`, statuses_url: `${this.repoBase(r)}/statuses/${p.head.sha}`,
      head: side(p.head), base: side(p.base), labels: [], assignee: null, milestone: null, locked: false,
      created_at: p.created_at, updated_at: p.updated_at, closed_at: p.state === 'closed' ? p.updated_at : null,
      merged_at: p.merged_at, merge_commit_sha: p.merge_commit_sha, author_association: 'CONTRIBUTOR', auto_merge: null,
      _links: {
        self: link(base), html: link(`https://github.test/${r.owner}/${r.name}/pull/${p.number}`), issue: link(issue),
        comments: link(`${issue}/comments`), review_comments: link(`${base}/comments`), review_comment: link(`${this.repoBase(r)}/pulls/comments{/number}`),
        commits: link(`${base}/commits`), statuses: link(`${this.repoBase(r)}/statuses/${p.head.sha}`),
      },
    };
    if (!full) return common;
    return {
      ...common, merged: p.merged, mergeable: true, mergeable_state: 'clean', merged_by: null, comments: 0, review_comments: 0,
      maintainer_can_modify: false, commits: 1, additions: 1, deletions: 0, changed_files: 1, rebaseable: true,
    };
  }

  /** Pages a list like GitHub does (per_page/page + Link header) so octokit.paginate works. */
  page<T>(items: T[], query: Record<string, string>, path: string): { body: T[]; headers: Record<string, string> } {
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const pageNo = Number(query.page ?? 1);
    const body = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const headers: Record<string, string> = {};
    if (pageNo * perPage < items.length) {
      const next = new URLSearchParams({ ...query, page: String(pageNo + 1), per_page: String(perPage) });
      headers.link = `<${this.url}${path}?${next}>; rel="next"`;
    }
    return { body, headers };
  }
}

function issueExists(r: RepoState, n: number): boolean {
  return r.issues.some((i) => i.number === n) || r.pulls.some((p) => p.number === n);
}

const notFound: Reply = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
const invalid = (message: string): Reply => ({ status: 422, body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', errors: [{ resource: 'Request', code: 'custom', message }] } });

// GitHub's limits that the OpenAPI description does not encode.
const MAX_STATUS_DESCRIPTION = 140;
const MAX_COMMENT_BODY = 65536;
const MAX_ANNOTATIONS = 50;

const handlers: Record<string, (this: GitHubServer, ctx: Parameters<Handler>[0]) => Reply> = {
  'repos/create-commit-status'({ m, body, repo }) {
    if ((body.description ?? '').length > MAX_STATUS_DESCRIPTION) return invalid(`description is too long (maximum is ${MAX_STATUS_DESCRIPTION} characters)`);
    const r = repo();
    const s: StatusRec = { id: nextId(), sha: m.params.sha, state: body.state, context: body.context ?? 'default', description: body.description ?? null, target_url: body.target_url ?? null, created_at: now() };
    r.statuses.push(s);
    return { status: 201, body: this.renderStatus(r, s) };
  },

  'issues/list-comments'({ m, query, repo }) {
    const r = repo();
    const n = Number(m.params.issue_number);
    if (!issueExists(r, n)) return notFound;
    const { body, headers } = this.page(r.comments.filter((c) => c.issue_number === n), query, `/repos/${r.owner}/${r.name}/issues/${n}/comments`);
    return { status: 200, body: body.map((c) => this.renderComment(r, c)), headers };
  },

  'issues/create-comment'({ m, body, repo, login }) {
    const r = repo();
    const n = Number(m.params.issue_number);
    if (!issueExists(r, n)) return notFound;
    if (body.body.length > MAX_COMMENT_BODY) return invalid(`Body is too long (maximum is ${MAX_COMMENT_BODY} characters)`);
    const c: CommentRec = { id: nextId(), issue_number: n, body: body.body, user: login, created_at: now(), updated_at: now() };
    r.comments.push(c);
    return { status: 201, body: this.renderComment(r, c), headers: { location: `${this.url}/repos/${r.owner}/${r.name}/issues/comments/${c.id}` } };
  },

  'issues/update-comment'({ m, body, repo }) {
    const r = repo();
    const c = r.comments.find((x) => x.id === Number(m.params.comment_id));
    if (!c) return notFound;
    if (body.body.length > MAX_COMMENT_BODY) return invalid(`Body is too long (maximum is ${MAX_COMMENT_BODY} characters)`);
    c.body = body.body;
    c.updated_at = now();
    return { status: 200, body: this.renderComment(r, c) };
  },

  'issues/list-for-repo'({ query, repo }) {
    const r = repo();
    const state = query.state ?? 'open';
    const labels = query.labels ? query.labels.split(',').map((l) => l.trim()) : [];
    // GitHub's issue list includes pull requests (with a `pull_request` key); clients must skip them.
    const all = [
      ...r.issues.map((i) => ({ i, pr: undefined as PullRec | undefined })),
      ...r.pulls.map((p) => ({ pr: p, i: { id: p.id, number: p.number, title: p.title, body: p.body, state: p.state, labels: [], user: p.user, created_at: p.created_at, updated_at: p.updated_at, closed_at: null } as IssueRec })),
    ].filter(({ i }) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)))
      .sort((a, b) => b.i.number - a.i.number);
    const { body, headers } = this.page(all, query, `/repos/${r.owner}/${r.name}/issues`);
    return { status: 200, body: body.map(({ i, pr }) => this.renderIssue(r, i, pr)), headers };
  },

  'issues/create'({ body, repo, login }) {
    const r = repo();
    const i: IssueRec = {
      id: nextId(), number: r.nextNumber++, title: String(body.title), body: body.body ?? null, state: 'open',
      labels: (body.labels ?? []).map((l: Json) => (typeof l === 'string' ? l : l.name)), user: login,
      created_at: now(), updated_at: now(), closed_at: null,
    };
    r.issues.push(i);
    return { status: 201, body: this.renderIssue(r, i), headers: { location: `${this.url}/repos/${r.owner}/${r.name}/issues/${i.number}` } };
  },

  'issues/update'({ m, body, repo }) {
    const r = repo();
    const i = r.issues.find((x) => x.number === Number(m.params.issue_number));
    if (!i) return notFound;
    if (body.title !== undefined && body.title !== null) i.title = String(body.title);
    if (body.body !== undefined) i.body = body.body;
    if (body.labels) i.labels = body.labels.map((l: Json) => (typeof l === 'string' ? l : l.name));
    if (body.state && body.state !== i.state) {
      i.state = body.state;
      i.closed_at = body.state === 'closed' ? now() : null;
    }
    i.updated_at = now();
    return { status: 200, body: this.renderIssue(r, i) };
  },

  'checks/create'({ body, repo, auth }) {
    if (auth !== 'installation') return { status: 403, body: { message: 'You must authenticate via a GitHub App.', documentation_url: 'https://docs.github.com/rest/checks/runs' } };
    const annotations = body.output?.annotations ?? [];
    if (annotations.length > MAX_ANNOTATIONS) return invalid(`Only ${MAX_ANNOTATIONS} annotations are allowed per request`);
    const r = repo();
    const c: CheckRunRec = {
      id: nextId(), name: body.name, head_sha: body.head_sha, status: body.conclusion ? 'completed' : body.status ?? 'queued',
      conclusion: body.conclusion ?? null, title: body.output?.title ?? null, summary: body.output?.summary ?? null,
      text: body.output?.text ?? null, annotations: [...annotations], external_id: body.external_id ?? null, details_url: body.details_url ?? null,
    };
    r.checkRuns.push(c);
    return { status: 201, body: this.renderCheckRun(r, c) };
  },

  'checks/update'({ m, body, repo, auth }) {
    if (auth !== 'installation') return { status: 403, body: { message: 'You must authenticate via a GitHub App.', documentation_url: 'https://docs.github.com/rest/checks/runs' } };
    const r = repo();
    const c = r.checkRuns.find((x) => x.id === Number(m.params.check_run_id));
    if (!c) return notFound;
    const annotations = body.output?.annotations ?? [];
    if (annotations.length > MAX_ANNOTATIONS) return invalid(`Only ${MAX_ANNOTATIONS} annotations are allowed per request`);
    // Annotations accumulate across updates, which is how more than 50 reach one run.
    c.annotations.push(...annotations);
    if (body.output) {
      c.title = body.output.title ?? c.title;
      c.summary = body.output.summary ?? c.summary;
      c.text = body.output.text ?? c.text;
    }
    if (body.status) c.status = body.status;
    if (body.conclusion) { c.conclusion = body.conclusion; c.status = 'completed'; }
    return { status: 200, body: this.renderCheckRun(r, c) };
  },

  'pulls/list'({ query, repo }) {
    const r = repo();
    const state = query.state ?? 'open';
    const list = r.pulls.filter((p) => (state === 'all' || p.state === state) && (!query.base || p.base.ref === query.base))
      .sort((a, b) => b.number - a.number);
    const { body, headers } = this.page(list, query, `/repos/${r.owner}/${r.name}/pulls`);
    return { status: 200, body: body.map((p) => this.renderPull(r, p, false)), headers };
  },

  'repos/list-pull-requests-associated-with-commit'({ m, query, repo }) {
    const r = repo();
    const sha = m.params.commit_sha;
    const list = r.pulls.filter((p) => p.merge_commit_sha === sha || p.head.sha === sha);
    const { body, headers } = this.page(list, query, `/repos/${r.owner}/${r.name}/commits/${sha}/pulls`);
    return { status: 200, body: body.map((p) => this.renderPull(r, p, false)), headers };
  },

  'pulls/get'({ m, repo }) {
    const r = repo();
    const p = r.pulls.find((x) => x.number === Number(m.params.pull_number));
    if (!p) return notFound;
    return { status: 200, body: this.renderPull(r, p, true) };
  },

  'apps/create-installation-access-token'({ m, auth }) {
    const app = this.opts.app;
    if (auth !== 'app-jwt' || !app) return { status: 401, body: { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest' } };
    if (Number(m.params.installation_id) !== app.installationId) return notFound;
    const token = `ghs_${crypto.randomBytes(18).toString('hex')}`;
    const expires = Date.now() + 3600_000;
    this.installationTokens.set(token, expires);
    return {
      status: 201,
      body: {
        ...sampleComponent('installation-token'), token, expires_at: new Date(expires).toISOString().replace(/\.\d+Z$/, 'Z'),
        permissions: { checks: 'write', statuses: 'write', issues: 'write', pull_requests: 'read', contents: 'read' }, repository_selection: 'all',
      },
    };
  },
};

export async function startGitHubServer(opts: GitHubServerOptions = {}): Promise<GitHubServer> {
  return new GitHubServer(opts).listen();
}
