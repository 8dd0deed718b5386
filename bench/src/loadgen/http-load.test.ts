import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpAgents, httpLoad } from './http-load.js';

let server: Server;
let port: number;
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/missing') res.writeHead(404).end('no');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  closeHttpAgents();
  await new Promise((resolve) => server.close(resolve));
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

  it('counts answers other than 2xx apart', async () => {
    const r = await httpLoad(port, '/missing', 2, 100);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.non2xx).toBe(r.requests);
    expect(r.statuses).toEqual({ 404: r.requests });
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
