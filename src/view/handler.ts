// The view's routes, for the daemon's HTTP server: GET / (overview) and
// GET /flows/TENANT/NAME. Read-only; anything else is left to the server.
import type http from 'node:http';
import type { ViewSource } from './model.ts';
import { flowPage, notFoundPage, overviewPage } from './pages.ts';

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean;

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // Inline styles only; no scripts, frames or outside resources.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

export function viewRoutes(source: ViewSource): RouteHandler {
  return (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let status = 200;
    let body: string;
    if (url.pathname === '/') body = overviewPage(source.overview());
    else if (url.pathname.startsWith('/flows/')) {
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice('/flows/'.length));
      } catch {
        name = '';
      }
      const d = name ? source.flow(name) : undefined;
      if (d) body = flowPage(d);
      else {
        status = 404;
        body = notFoundPage(`no flow ${name} in the applied commit`);
      }
    } else return false;
    req.resume();
    res.writeHead(status, HEADERS);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
