// The local stand-in for nginx: serves the built dashboard and /config.json, and proxies /api, /ws and /sse.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { extname, join, normalize } from 'node:path';

export interface Upstream {
  host: string;
  port: number;
}

export interface LocalWebOptions {
  port: number;
  host?: string;
  /** Folder of the built dashboard (web/dist). */
  webRoot: string;
  api: Upstream;
  ws: Upstream;
  sse: Upstream;
  /** What GET /config.json answers. */
  config: Record<string, unknown>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function upstreamFor(url: string, o: LocalWebOptions): Upstream | undefined {
  if (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')) return o.api;
  if (url === '/ws' || url.startsWith('/ws?') || url.startsWith('/ws/')) return o.ws;
  if (url === '/sse' || url.startsWith('/sse?') || url.startsWith('/sse/')) return o.sse;
  return undefined;
}

function proxy(req: IncomingMessage, res: ServerResponse, to: Upstream): void {
  const upstream = request(
    { host: to.host, port: to.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      // SSE must not wait for a buffer to fill: flush every chunk as it comes.
      up.on('data', (chunk: Buffer) => res.write(chunk));
      up.on('end', () => res.end());
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ title: 'Bad Gateway', status: 502, detail: `upstream ${to.host}:${to.port} is not answering` }));
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

function serveStatic(req: IncomingMessage, res: ServerResponse, o: LocalWebOptions): void {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
  if (path === '/config.json') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(o.config));
    return;
  }
  let file = normalize(join(o.webRoot, path));
  if (!file.startsWith(normalize(o.webRoot))) {
    res.writeHead(400).end();
    return;
  }
  // Single-page app: unknown paths get index.html.
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(o.webRoot, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('dashboard not built: run `npm run build`\n');
    return;
  }
  const immutable = path.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}

export function startLocalWeb(o: LocalWebOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const to = upstreamFor(req.url ?? '/', o);
    if (to) proxy(req, res, to);
    else serveStatic(req, res, o);
  });
  // WebSocket upgrades are piped as raw TCP to the ws-gateway, request head included.
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const to = upstreamFor(req.url ?? '/', o);
    if (to !== o.ws) return socket.destroy();
    const up = connect(to.port, to.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length > 0) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve(server));
  });
}
