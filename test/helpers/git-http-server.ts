// Serves repositories under a folder over Git's smart HTTP protocol by running
// git's own `git http-backend` as a CGI program behind node:http — the same
// protocol GitHub speaks, so GitSource's https path is tested for real.
// Options: require a token (basic auth password), or go "offline" (connections
// are dropped) to play an unreachable remote.
import http from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  url: string;
  port: number;
  /** Number of requests served (for tests that want to see traffic). */
  requests: number;
  setOffline(offline: boolean): void;
  close(): Promise<void>;
}

export async function startGitHttpServer(opts: { root: string; token?: string }): Promise<GitHttpServer> {
  let offline = false;
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    if (offline) {
      req.socket.destroy();
      return;
    }
    state.requests++;
    if (opts.token) {
      const auth = req.headers.authorization ?? '';
      const pass = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':').slice(1).join(':') : '';
      if (pass !== opts.token) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end('unauthorized');
        return;
      }
    }
    const u = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: opts.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        REMOTE_USER: 'test',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    const stderr: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let sep = head.indexOf('\r\n\r\n');
      let sepLen = 4;
      if (sep < 0) {
        sep = head.indexOf('\n\n');
        sepLen = 2;
      }
      if (sep < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(sep + sepLen));
    });
    child.on('close', (code) => {
      if (!headersDone) {
        res.writeHead(500);
        res.end(`git http-backend exited ${code}: ${Buffer.concat(stderr).toString()}`);
        return;
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return state.requests;
    },
    setOffline(v: boolean) {
      offline = v;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
