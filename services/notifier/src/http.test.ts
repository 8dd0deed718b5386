import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createHttpHandler } from './http.js';

let server: Server;
let base: string;
let ready = false;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  const registry = new Registry();
  server = createServer(createHttpHandler({ instance: 'n1', registry, logger: quiet, ready: () => ({ ready, details: { restaurants: 3 } }) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("the notifier's HTTP surface", () => {
  it('answers health always, readiness as the follower and Redis say, with the security headers', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', instance: 'n1' });
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");

    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toBe('2');
    expect(await notReady.json()).toEqual({ ready: false, instance: 'n1', restaurants: 3 });
    ready = true;
    expect((await fetch(`${base}/readyz?x=1`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('answers anything else with problem+json: 404 for a path, 405 for a method', async () => {
    const missing = await fetch(`${base}/api/anything`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(((await missing.json()) as { type: string }).type).toBe('urn:dish-live:problem:route-not-found');
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
