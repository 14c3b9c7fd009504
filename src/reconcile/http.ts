// The daemon's HTTP face: health for orchestrators, metrics for Prometheus,
// a button to sync now, and the mount point for GitHub webhooks (the handler
// comes from src/report/github; without one the route answers 404).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/log.ts';
import { checkSyncAuth, hardenServer, SYNC_TOKEN_ENV, type SERVER_LIMITS } from './http-guard.ts';

export type HttpHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface HttpDeps {
  healthy(): boolean;
  /** Ready = every enabled switch converged (or plan-only done) at least once. */
  ready(): { ready: boolean; detail: Record<string, unknown> };
  metrics(): string | Promise<string>;
  /** Starts a sync now; resolves when it is queued (not when it finishes). */
  triggerSync(reason: string): void;
  githubWebhook?: HttpHandler;
  /** More read-only routes (the web view, src/view/handler.ts); true = handled. Behind the same checks as every route. */
  routes?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean;
  logger: Logger;
  /** Bearer token POST /sync requires (from FLOWOPS_SYNC_TOKEN); unset = the endpoint is disabled (403). */
  syncToken?: string;
  /** Overrides of http-guard.ts SERVER_LIMITS (tests lower them). */
  limits?: Partial<typeof SERVER_LIMITS>;
}

export interface RunningHttp {
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttp(listen: string, deps: HttpDeps): Promise<RunningHttp> {
  // Connections are checked for header/request timeouts every second (Node's default is 30 s).
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    handle(req, res, deps).catch((err) => {
      deps.logger.error('http handler failed', { url: req.url, err: (err as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  hardenServer(server, deps.limits);
  const i = listen.lastIndexOf(':');
  // No host: loopback. Listening on every interface is said explicitly (0.0.0.0:8080 in a container).
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(listen.slice(i + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    address: `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, deps: HttpDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /healthz': {
      const ok = deps.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'unhealthy\n');
      return;
    }
    case 'GET /readyz': {
      const r = deps.ready();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r) + '\n');
      return;
    }
    case 'GET /metrics':
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(await deps.metrics());
      return;
    case 'POST /sync': {
      req.resume();
      const auth = checkSyncAuth(req, deps.syncToken);
      if (auth === 'disabled') {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end(`POST /sync is disabled: set ${SYNC_TOKEN_ENV} to enable it\n`);
        return;
      }
      if (auth === 'unauthorized') {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="flowops"' });
        res.end('a valid bearer token is required\n');
        return;
      }
      deps.triggerSync('http');
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"queued":true}\n');
      return;
    }
    case 'POST /hooks/github':
      if (deps.githubWebhook) return deps.githubWebhook(req, res);
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no GitHub webhook handler configured\n');
      return;
  }
  if (deps.routes?.(req, res, url)) return;
  req.resume();
  const known = ['/healthz', '/readyz', '/metrics', '/sync', '/hooks/github'].includes(url.pathname);
  res.writeHead(known ? 405 : 404, { 'content-type': 'text/plain' });
  res.end(known ? 'method not allowed\n' : 'not found\n');
}
