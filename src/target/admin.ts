// Admin HTTP endpoint (JSON, loopback only) exposing the test hooks of a
// target, so tests of other components can drive a target that runs as a
// separate process: POST /failUpdate, /crashAtUpdate, /tamper, /simulateTraffic, /reset;
// GET /snapshot, /health. Bytes travel as hex.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { asTargetError } from './errors.ts';
import { codeName } from '../proto/load.ts';
import type { TargetState } from './state.ts';

export interface AdminServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export async function startAdmin(state: TargetState, port = 0, grpcAddress = ''): Promise<AdminServer> {
  const routes: Record<string, (body: any) => unknown> = {
    'GET /health': () => ({ ok: true, address: grpcAddress, deviceId: String(state.deviceId), pipeline: !!state.pipeline }),
    'GET /snapshot': () => state.snapshot(),
    'POST /failUpdate': (b) => (state.failUpdate(b), { ok: true }),
    'POST /crashAtUpdate': (b) => (state.crashAtUpdate(b), { ok: true }),
    'POST /tamper': (b) => ({ results: state.tamper(b.updates ?? []).map((r) => ({ ...r, codeName: codeName(r.code) })) }),
    'POST /simulateTraffic': (b) => ({ entries: state.simulateTraffic(b) }),
  'POST /hideFromRead': (b) => ({ hidden: state.hideFromRead(b.entities ?? []) }),
    'POST /reset': (b) => (state.reset(b ?? {}), { ok: true }),
  };
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return reply(403, { error: 'admin endpoint is loopback only' });
    const route = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    if (!route) return reply(404, { error: `no route ${req.method} ${req.url}`, routes: Object.keys(routes) });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return reply(400, { error: 'body is not JSON' });
      }
      try {
        reply(200, route(body));
      } catch (err) {
        const e = asTargetError(err);
        reply(400, { error: e.message, code: e.grpcCode, codeName: codeName(e.grpcCode) });
      }
    });
  });
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
