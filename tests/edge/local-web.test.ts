// The local stand-in for nginx on its own, over fake upstreams: status codes, page headers, compression and the
// forwarding headers it gives the services.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '@dish-live/test-support';
import { startLocalWeb, type LocalWebOptions } from '../../scripts/local-web.js';
import { contentSecurityPolicy } from '../../scripts/page-headers.js';

const PAGE = '<!doctype html><html><body><div id="app"></div><script type="module" src="/assets/app-1a2b3c.js"></script></body></html>\n';
const SCRIPT = `// bundle\n${'export const line = "a line of the bundle that compresses well";\n'.repeat(200)}`;
const BIG_JSON = JSON.stringify({ dishes: Array.from({ length: 100 }, (_, i) => ({ id: `dish-${i}`, name: 'Mapo tofu', price: 1200 })) });
const SSE_BODY = `${': heartbeat\n\n'.repeat(200)}event: dish.updated\ndata: {}\n\n`;
const SPOOF = { 'x-forwarded-for': '203.0.113.7, 198.51.100.1', 'x-real-ip': '203.0.113.7', forwarded: 'for=203.0.113.7' };

const port = (s: Server | NetServer) => (s.address() as AddressInfo).port;
const listen = <S extends Server | NetServer>(s: S) => new Promise<S>((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
const close = (s: Server | NetServer) => new Promise<void>((resolve) => s.close(() => resolve()));

/** What each fake upstream last received: the headers of an HTTP request, the head of a WebSocket upgrade. */
const seen: { api?: IncomingHttpHeaders; sse?: IncomingHttpHeaders; wsHead?: string } = {};

function fakeHttpUpstream(): Server {
  return createHttpServer((req, res) => {
    if (req.url?.startsWith('/sse')) {
      seen.sse = req.headers;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(SSE_BODY);
      return;
    }
    seen.api = req.headers;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(BIG_JSON);
  });
}

/** Reads an upgrade's head, answers 101, then echoes: enough to see what the proxy wrote and that bytes flow after it. */
function fakeWsUpstream(): NetServer {
  return createNetServer((socket) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      seen.wsHead = head.slice(0, head.indexOf('\r\n\r\n'));
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
}

describe('local-web (the local stand-in for nginx)', () => {
  let root: string;
  let upstream: Server;
  let wsUpstream: NetServer;
  let web: Server;
  let webPort: number;
  let options: LocalWebOptions;
  const get = (target: string, headers: Record<string, string> = {}) => httpRequest(webPort, target, { headers });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dish-live-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), PAGE);
    writeFileSync(join(root, 'assets', 'app-1a2b3c.js'), SCRIPT);
    writeFileSync(join(root, 'robots.txt'), 'User-agent: *\nDisallow:\n');
    writeFileSync(join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    upstream = await listen(fakeHttpUpstream());
    wsUpstream = await listen(fakeWsUpstream());
    const local = (p: number) => ({ host: '127.0.0.1', port: p });
    options = {
      port: 0,
      host: '127.0.0.1',
      webRoot: root,
      api: local(port(upstream)),
      ws: local(port(wsUpstream)),
      sse: local(port(upstream)),
      config: { apiBase: '/api', wsUrl: 'wss://push.example.com:8443/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 1000 },
    };
    web = await startLocalWeb(options);
    webPort = port(web);
  });

  afterAll(async () => {
    web.closeAllConnections();
    await Promise.all([close(web), close(upstream), close(wsUpstream)]);
    rmSync(root, { recursive: true, force: true });
  });

  it('answers a malformed percent-encoding with 400 and keeps serving', async () => {
    for (const target of ['/%E0%A4%A', '/%', '/assets/%ZZ.js', '/%00']) {
      const bad = await get(target);
      expect(bad.status, target).toBe(400);
      expect(bad.headers['content-type']).toBe('application/problem+json');
    }
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toBe(PAGE);
  });

  it('answers a handler that throws with 500 and keeps serving', async () => {
    // A config JSON.stringify cannot write makes the /config.json handler throw.
    const broken = await startLocalWeb({ ...options, config: { ...options.config, broken: 1n } });
    try {
      const failed = await httpRequest(port(broken), '/config.json');
      expect(failed.status).toBe(500);
      expect(failed.headers['content-type']).toBe('application/problem+json');
      expect((await httpRequest(port(broken), '/healthz')).status).toBe(200);
    } finally {
      await close(broken);
    }
  });

  it('answers /healthz itself, as plain text', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toBe('text/plain');
    expect(health.body.toString()).toBe('ok\n');
  });

  it('answers 404, never the page, for paths that are neither the page nor a file', async () => {
    for (const target of ['/metrics', '/readyz', '/dishes/some-route', '/favicon-x.png', '/assets/missing.js', '/assets/', '/../../etc/passwd']) {
      const res = await get(target);
      expect(res.status, target).toBe(404);
      expect(res.headers['content-type'], target).toBe('application/problem+json');
      expect(res.body.toString(), target).not.toContain('<div id="app">');
    }
  });

  it('serves robots.txt and favicon.ico as the files they are', async () => {
    const robots = await get('/robots.txt');
    expect([robots.status, robots.headers['content-type'], robots.body.toString()]).toEqual([200, 'text/plain; charset=utf-8', 'User-agent: *\nDisallow:\n']);
    const icon = await get('/favicon.ico');
    expect([icon.status, icon.headers['content-type'], icon.body.length]).toEqual([200, 'image/x-icon', 4]);
  });

  it('sends the page headers on the page, its assets, its config and its errors', async () => {
    const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
      "connect-src 'self' wss://push.example.com:8443; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    expect(contentSecurityPolicy(options.config)).toBe(csp);
    for (const target of ['/', '/index.html', '/assets/app-1a2b3c.js', '/config.json', '/robots.txt', '/metrics', '/%E0%A4%A']) {
      const res = await get(target);
      expect(
        {
          csp: res.headers['content-security-policy'],
          frame: res.headers['x-frame-options'],
          sniff: res.headers['x-content-type-options'],
          referrer: res.headers['referrer-policy'],
        },
        target,
      ).toEqual({ csp, frame: 'DENY', sniff: 'nosniff', referrer: 'no-referrer' });
    }
    expect((await get('/assets/app-1a2b3c.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/')).headers['cache-control']).toBe('no-cache');
    expect((await get('/config.json')).headers['cache-control']).toBe('no-store');
  });

  it('gzips text when the client accepts it, and only then', async () => {
    const zipped = await get('/assets/app-1a2b3c.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(zipped.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(zipped.body).toString()).toBe(SCRIPT);

    const refusals: Record<string, string>[] = [{}, { 'accept-encoding': 'br' }, { 'accept-encoding': 'gzip;q=0, identity' }];
    for (const refused of refusals) {
      const plain = await get('/assets/app-1a2b3c.js', refused);
      expect(plain.headers['content-encoding'], JSON.stringify(refused)).toBeUndefined();
      expect(plain.body.toString()).toBe(SCRIPT);
    }
    // Below nginx's gzip_min_length the header would cost more than it saves.
    expect((await get('/robots.txt', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();

    const api = await get('/api/dishes', { 'accept-encoding': 'gzip' });
    expect(api.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(api.body).toString()).toBe(BIG_JSON);
  });

  it('never compresses an event stream', async () => {
    const sse = await get('/sse', { 'accept-encoding': 'gzip' });
    expect(sse.headers['content-type']).toBe('text/event-stream');
    expect(sse.headers['content-encoding']).toBeUndefined();
    expect(sse.body.toString()).toBe(SSE_BODY);
  });

  it('gives the API and SSE the connection address as X-Forwarded-For and X-Real-IP, whatever the client sent', async () => {
    await get('/api/dishes', SPOOF);
    await get('/sse', SPOOF);
    for (const headers of [seen.api, seen.sse]) {
      expect({ xff: headers?.['x-forwarded-for'], real: headers?.['x-real-ip'], forwarded: headers?.forwarded }).toEqual({
        xff: '127.0.0.1',
        real: '127.0.0.1',
        forwarded: undefined,
      });
    }
  });

  it('writes the connection address into the WebSocket upgrade it pipes to the ws-gateway', async () => {
    const socket = connect(webPort, '127.0.0.1');
    const reply = await new Promise<string>((resolve, reject) => {
      let got = '';
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (got.includes('\r\n\r\nping')) resolve(got);
        else if (got.includes('\r\n\r\n')) socket.write('ping');
      });
      socket.on('error', reject);
      socket.write(
        'GET /ws?since=0-0 HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          'X-Forwarded-For: 203.0.113.7\r\nx-real-ip: 203.0.113.7\r\nForwarded: for=203.0.113.7\r\n\r\n',
      );
    });
    socket.destroy();
    expect(reply.startsWith('HTTP/1.1 101 ')).toBe(true);
    const lines = seen.wsHead!.split('\r\n');
    expect(lines[0]).toBe('GET /ws?since=0-0 HTTP/1.1');
    const forwarding = lines.filter((l) => /^(x-forwarded-for|x-real-ip|forwarded):/i.test(l)).map((l) => l.toLowerCase());
    expect(forwarding.sort()).toEqual(['x-forwarded-for: 127.0.0.1', 'x-real-ip: 127.0.0.1']);
    expect(lines).toContain('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
  });

  it('answers 502 when a service does not answer', async () => {
    const down = await startLocalWeb({ ...options, api: { host: '127.0.0.1', port: 1 } });
    try {
      const res = await httpRequest(port(down), '/api/dishes');
      expect([res.status, res.headers['content-type']]).toEqual([502, 'application/problem+json']);
    } finally {
      await close(down);
    }
  });
});
