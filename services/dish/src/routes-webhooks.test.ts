// The webhook routes in process against real Redis: the store behind them (sealed secrets, delivery logs, a disabled
// webhook), the `default` restaurant's path, methods, the warning without a key, and 503 while Redis is away.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@dish-live/local-redis';
import { startDnsStub, testRedis } from '@dish-live/test-support';
import { WebhookStore, webhookKeys, type DeliveryRecord, type Webhook } from '@dish-live/webhooks';
import { AUTH, call, startTestService, testConfig } from './dish.test-helpers.js';
import type { ProblemBody } from './http-errors.js';
import { startDishService, type DishService } from './service.js';

const redis = testRedis('dish-webhooks');
const KEY = randomBytes(32);
const RECEIVER = 'http://127.0.0.1:9/hook';
const webhooks = { secretKey: KEY, allowHosts: new Set(['127.0.0.1:9']), dnsServers: [], resolveTimeoutMs: 5000 };
const BASE = '/api/restaurants/default/webhooks';

let service: DishService;
let inspector: Redis;

beforeAll(async () => {
  service = await startTestService(testConfig(redis, { webhooks }));
  inspector = new Redis(redis.url);
});

afterAll(async () => {
  await service?.stop();
  inspector?.disconnect();
});

const record = (attempt: number, outcome: DeliveryRecord['outcome']): DeliveryRecord => ({
  alertId: 'default:1-0:dish.sold_out', type: 'dish.sold_out', messageId: 'msg_x', attempt,
  status: outcome === 'delivered' ? 204 : 500, error: null, outcome, at: new Date(Date.UTC(2026, 0, 1, 0, 0, attempt)).toISOString(),
});

describe('the webhook routes over the store', () => {
  it("serve `default` as /api/restaurants/default/webhooks (not /api/webhooks), its secret sealed in Redis", async () => {
    const created = await call<{ id: string; secret: string }>(service.url, 'POST', BASE, { json: { url: RECEIVER }, headers: AUTH });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('location')).toBe(`${BASE}/${created.body.id}`);
    const raw = await inspector.hget(webhookKeys(redis.prefix, 'default').webhooks, created.body.id);
    expect(raw).toMatch(/"secret":"v1:/);
    expect(raw).not.toContain(created.body.secret.slice('whsec_'.length));
    // The notifier, given the same key, opens it.
    expect((await new WebhookStore(inspector, redis.prefix, KEY).get('default', created.body.id))?.secret).toBe(created.body.secret);

    const one = await call<Webhook>(service.url, 'GET', `${BASE}/${created.body.id}`, { headers: AUTH });
    expect(one.status).toBe(200);
    expect(one.headers.get('cache-control')).toBe('no-store');
    expect(one.body).toEqual({
      id: created.body.id, url: RECEIVER, events: ['stock.low', 'dish.sold_out', 'dish.back_in_stock'], threshold: 5,
      createdAt: expect.any(String) as string, disabled: null,
    });
    expect((await call(service.url, 'GET', '/api/webhooks', { headers: AUTH })).status).toBe(404);
    expect((await call(service.url, 'POST', '/api/webhooks', { json: { url: RECEIVER }, headers: AUTH })).status).toBe(404);
    expect((await call(service.url, 'DELETE', `${BASE}/${created.body.id}`, { headers: AUTH })).status).toBe(204);
  });

  it('lists the delivery log newest first and shows a webhook disabled by a 410', async () => {
    const created = await call<{ id: string }>(service.url, 'POST', BASE, { json: { url: RECEIVER, events: ['dish.sold_out'] }, headers: AUTH });
    expect(created.status, created.text).toBe(201);
    const { id } = created.body;
    const store = new WebhookStore(inspector, redis.prefix, KEY);
    for (const [attempt, outcome] of [[1, 'retrying'], [2, 'retrying'], [3, 'gone']] as const) await store.recordDelivery('default', id, record(attempt, outcome));
    await store.disable('default', id, 'the receiver answered 410 Gone');

    const deliveries = await call<DeliveryRecord[]>(service.url, 'GET', `${BASE}/${id}/deliveries`, { headers: AUTH });
    expect(deliveries.status).toBe(200);
    expect(deliveries.body).toEqual([record(3, 'gone'), record(2, 'retrying'), record(1, 'retrying')]);
    const listed = await call<Webhook[]>(service.url, 'GET', BASE, { headers: AUTH });
    expect(listed.body.find((w) => w.id === id)?.disabled).toEqual({ at: expect.any(String) as string, reason: 'the receiver answered 410 Gone' });

    expect((await call(service.url, 'DELETE', `${BASE}/${id}`, { headers: AUTH })).status).toBe(204);
    expect((await call(service.url, 'GET', `${BASE}/${id}/deliveries`, { headers: AUTH })).status).toBe(404);
    expect(await inspector.exists(webhookKeys(redis.prefix, 'default').deliveries(id)), 'the log goes with its webhook').toBe(0);
  });

  it('answers 405 with Allow for other methods, and 404 for a malformed id', async () => {
    const cases: [string, string, string][] = [
      ['PUT', BASE, 'GET, HEAD, POST'],
      ['PATCH', `${BASE}/wh_AAAAAAAAAAAAAAAA`, 'GET, HEAD, DELETE'],
      ['POST', `${BASE}/wh_AAAAAAAAAAAAAAAA/deliveries`, 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(service.url, method, path, { headers: AUTH });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
    }
    for (const id of ['wh_short', 'wh_AAAAAAAAAAAAAAAA!', 'AAAAAAAAAAAAAAAAAAA', 'wh_%00AAAAAAAAAAAAAAA']) {
      expect((await call(service.url, 'GET', `${BASE}/${id}`, { headers: AUTH })).status, id).toBe(404);
      expect((await call(service.url, 'DELETE', `${BASE}/${id}`, { headers: AUTH })).status, id).toBe(404);
    }
  });
});

describe('a registration whose name never resolves', () => {
  it('answers 422 unresolvable at WEBHOOK_TIMEOUT_MS, eight at once, while a literal address registers at once', async () => {
    const dns = await startDnsStub();
    dns.silence('blackholed.example');
    const slow = await startTestService(testConfig(redis, { webhooks: { ...webhooks, dnsServers: [dns.server], resolveTimeoutMs: 400 } }));
    try {
      const started = Date.now();
      const timed = (url: string) => call<ProblemBody>(slow.url, 'POST', BASE, { json: { url }, headers: AUTH }).then((res) => ({ res, ms: Date.now() - started }));
      const hanging = Array.from({ length: 8 }, (_, i) => timed(`http://hook-${i}.blackholed.example/`));
      const literal = await timed(RECEIVER);
      expect(literal.res.status, literal.res.text).toBe(201);
      const answered = await Promise.all(hanging);
      // Registered while all eight still waited for DNS: they did not hold it (ordering, not a stopwatch).
      expect(literal.ms).toBeLessThan(Math.min(...answered.map((a) => a.ms)));
      for (const { res, ms } of answered) {
        expect(res.status, res.text).toBe(422);
        expect(res.body.reason).toBe('unresolvable');
        expect(res.body.detail).toMatch(/^hook-\d\.blackholed\.example does not resolve \(ETIMEOUT\)$/);
        // At the 400 ms bound, not c-ares' own ~3 s (two tries of 1 s, doubled): loose for a loaded machine.
        expect(ms).toBeGreaterThanOrEqual(380);
        expect(ms).toBeLessThan(2500);
      }
      expect((await call<Webhook[]>(slow.url, 'GET', BASE, { headers: AUTH })).body.map((w) => w.url)).not.toContain('http://hook-0.blackholed.example/');
      expect(dns.queries).toContain('hook-7.blackholed.example');
    } finally {
      await slow.stop();
      await dns.close();
    }
  });
});

describe('the webhook routes without WEBHOOK_SECRET_KEY or without Redis', () => {
  it('warns at start that secrets are stored unencrypted', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const config = testConfig(redis, { logLevel: 'warn' });
    const plain = await startDishService(config, pino({ level: 'warn' }, sink));
    await plain.stop();
    expect(lines.join('')).toContain('webhook secrets are stored unencrypted');
    expect(lines.join('')).toContain('WEBHOOK_SECRET_KEY');
  });

  it('answers 503 + Retry-After while Redis is away, and still 400/422 for bad input', async () => {
    const port = await freePort();
    const down = await startTestService(testConfig({ url: `redis://127.0.0.1:${port}`, prefix: 'down:' }, { webhooks }), { redisWaitMs: 200 });
    try {
      const requests: [string, string, unknown?][] = [
        ['GET', BASE],
        ['POST', BASE, { url: RECEIVER }],
        ['GET', `${BASE}/wh_AAAAAAAAAAAAAAAA`],
        ['DELETE', `${BASE}/wh_AAAAAAAAAAAAAAAA`],
        ['GET', `${BASE}/wh_AAAAAAAAAAAAAAAA/deliveries`],
        ['GET', '/api/restaurants/elsewhere/webhooks'],
      ];
      for (const [method, path, json] of requests) {
        const started = Date.now();
        const res = await call<ProblemBody>(down.url, method, path, { json, headers: AUTH });
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(Date.now() - started).toBeLessThan(1000);
      }
      expect((await call(down.url, 'POST', BASE, { json: { url: RECEIVER, threshold: 0 }, headers: AUTH })).status).toBe(400);
      const refused = await call<ProblemBody>(down.url, 'POST', BASE, { json: { url: 'http://127.0.0.1:10/' }, headers: AUTH });
      expect(refused.status).toBe(422);
      expect(refused.body.reason).toBe('blocked-address');
    } finally {
      await down.stop();
    }
  });
});
