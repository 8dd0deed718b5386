// The local stand-in for nginx (`npm start`, the browser tests): serves the built dashboard and /config.json, proxies
// /api, /ws and /sse, and answers with the same headers, compression and status codes as deploy/nginx does in compose.
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { gzipFor, isCompressible } from './compression.js';
import { pageHeaders, type PageEndpoints } from './page-headers.js';
import { proxyHttp, proxyUpgrade, type Upstream } from './proxy.js';
import { BadPath, findStaticFile, requestPath } from './static-files.js';

export type { Upstream } from './proxy.js';

export interface LocalWebOptions {
  port: number;
  host?: string;
  /** Folder of the built dashboard (web/dist). */
  webRoot: string;
  api: Upstream;
  ws: Upstream;
  sse: Upstream;
  /** What GET /config.json answers; its endpoints also shape the Content-Security-Policy. */
  config: PageEndpoints & Record<string, unknown>;
}

type Route = { to: 'api' | 'ws' | 'sse' } | { to: 'local' };

/** By the raw target, before any decoding: what is proxied is the service's to decode. */
function route(target: string): Route {
  for (const to of ['api', 'ws', 'sse'] as const) {
    const prefix = `/${to}`;
    if (target === prefix || target.startsWith(`${prefix}/`) || target.startsWith(`${prefix}?`)) return { to };
  }
  return { to: 'local' };
}

function problem(res: ServerResponse, headers: Record<string, string>, status: number, title: string, detail: string): void {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  res.writeHead(status, { ...headers, 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function serveLocal(req: IncomingMessage, res: ServerResponse, o: LocalWebOptions, headers: Record<string, string>): Promise<void> {
  let path: string;
  try {
    path = requestPath(req.url ?? '/');
  } catch (err) {
    if (err instanceof BadPath) return problem(res, headers, 400, 'Bad Request', err.message);
    throw err;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return problem(res, headers, 405, 'Method Not Allowed', `${req.method} is not served here`);
  }
  // Liveness of this server itself, like nginx's own /healthz; the services' health stays on their own ports.
  if (path === '/healthz') {
    res.writeHead(200, { ...headers, 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : 'ok\n');
    return;
  }
  if (path === '/config.json') {
    const body = JSON.stringify(o.config);
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const file = await findStaticFile(o.webRoot, path);
  if (!file) {
    const detail = path === '/' ? 'dashboard not built: run `npm run build`' : `no such page or file: ${path}`;
    return problem(res, headers, 404, 'Not Found', detail);
  }
  const gzip = gzipFor(req, file.contentType, file.size, false);
  res.writeHead(200, {
    ...headers,
    'content-type': file.contentType,
    'cache-control': file.cacheControl,
    ...(isCompressible(file.contentType) ? { vary: 'Accept-Encoding' } : {}),
    ...(gzip ? { 'content-encoding': 'gzip' } : { 'content-length': String(file.size) }),
  });
  if (req.method === 'HEAD') return void res.end();
  const read = createReadStream(file.path);
  // A read that fails after the head went out can only cut the answer short.
  if (gzip) pipeline(read, gzip, res, () => {});
  else pipeline(read, res, () => {});
}

/** An exception in a handler answers 500 (or cuts an answer already under way); the server goes on serving. */
function onFailure(res: ServerResponse, headers: Record<string, string>, err: unknown): void {
  console.error(`[local-web] ${(err as Error).stack ?? String(err)}`);
  if (res.headersSent) res.destroy();
  else problem(res, headers, 500, 'Internal Server Error', 'the local web server failed on this request');
}

export function startLocalWeb(o: LocalWebOptions): Promise<Server> {
  const headers = pageHeaders(o.config);
  const upstreams = { api: o.api, ws: o.ws, sse: o.sse };
  const server = createServer((req, res) => {
    try {
      const r = route(req.url ?? '/');
      if (r.to === 'local') serveLocal(req, res, o, headers).catch((err: unknown) => onFailure(res, headers, err));
      else proxyHttp(req, res, upstreams[r.to], r.to === 'sse');
    } catch (err) {
      onFailure(res, headers, err);
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (route(req.url ?? '/').to !== 'ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    try {
      proxyUpgrade(req, socket, head, o.ws);
    } catch (err) {
      console.error(`[local-web] upgrade: ${(err as Error).stack ?? String(err)}`);
      socket.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
