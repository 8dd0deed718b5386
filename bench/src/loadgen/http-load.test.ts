import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLoad, parseHead } from './http-load.js';

let server: Server;
let port: number;
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/missing') res.writeHead(404, { 'content-length': 2 }).end('no');
    else if (req.url === '/chunked') res.writeHead(200, { 'transfer-encoding': 'chunked' }).end('{"ok":true}');
    else res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 }).end('{"ok":true}');
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('parseHead', () => {
  it('reads the status and the body length, in any letter case', () => {
    expect(parseHead('HTTP/1.1 200 OK\r\nX-Powered-By: Express\r\nContent-Length: 1620\r\nETag: W/"x"')).toEqual({ status: 200, length: 1620 });
    expect(parseHead('HTTP/1.1 503 Service Unavailable\r\ncontent-length:0')).toEqual({ status: 503, length: 0 });
    expect(parseHead('HTTP/1.1 304 Not Modified\r\nETag: W/"x"')).toEqual({ status: 304, length: 0 });
  });

  it('refuses what it would read wrong: no length, or not HTTP/1.x', () => {
    expect(() => parseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked')).toThrow(/without Content-Length/);
    expect(() => parseHead('SSH-2.0-OpenSSH')).toThrow(/not an HTTP/);
  });
});

describe('httpLoad', () => {
  it('keeps every connection busy for the time given and counts each answer and its bytes', async () => {
    sockets.clear();
    const r = await httpLoad(port, '/ok', 4, 200);
    expect(r.requests).toBeGreaterThanOrEqual(4);
    expect(r.statuses).toEqual({ 200: r.requests });
    expect(r.non2xx).toBe(0);
    expect(r.errors).toBe(0);
    expect(r.bytes).toBe(r.requests * '{"ok":true}'.length);
    expect(r.latency.count).toBe(r.requests);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(200);
    // Keep-alive: the requests share the four connections.
    expect(sockets.size).toBe(4);
  });

  it('reads answers whose head and body arrive in pieces', async () => {
    const answer = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789');
    const pieces = [answer.subarray(0, 7), answer.subarray(7, 30), answer.subarray(30, 40), answer.subarray(40)];
    const split = createNetServer((socket) =>
      socket.on('data', () => pieces.forEach((piece, i) => setTimeout(() => socket.write(piece), i * 2))),
    );
    await new Promise<void>((resolve) => split.listen(0, '127.0.0.1', resolve));
    const r = await httpLoad((split.address() as AddressInfo).port, '/', 2, 100);
    split.close();
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThanOrEqual(2);
    expect(r.bytes).toBe(r.requests * 10);
  });

  it('counts answers other than 2xx apart', async () => {
    const r = await httpLoad(port, '/missing', 2, 100);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.non2xx).toBe(r.requests);
    expect(r.statuses).toEqual({ 404: r.requests });
  });

  it('counts an answer it cannot read as an error, not as an answer', async () => {
    const r = await httpLoad(port, '/chunked', 1, 50);
    expect(r.requests).toBe(0);
    expect(r.firstError).toMatch(/without Content-Length/);
  });

  it('counts requests without an answer as errors, without spinning', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await httpLoad(closedPort, '/', 2, 100);
    expect(r.requests).toBe(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.errors).toBeLessThan(50);
    expect(r.firstError).toMatch(/ECONNREFUSED/);
  });
});
