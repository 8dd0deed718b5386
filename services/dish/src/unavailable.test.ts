// When Redis is unreachable the service still answers, fast: 503 with Retry-After, never a hang; and it recovers.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import type { OrderOutcome } from '@dish-live/broker';
import { testRedis } from '@dish-live/test-support';
import type { ProblemBody } from './http-errors.js';
import { AUTH, call, eventually, startTestService, testConfig } from './dish.test-helpers.js';

const servers: RedisServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('start failures', () => {
  it('rejects when the port is taken, after closing what it opened', async () => {
    const redis = testRedis('dish-port');
    const first = await startTestService(testConfig(redis));
    try {
      const port = Number(new URL(first.url).port);
      await expect(startTestService(testConfig(redis, { port }))).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });
});

describe('Redis unreachable', () => {
  it('answers 503 + Retry-After for what needs Redis, 200 for /healthz, 400 for bad input, and stops promptly', async () => {
    const port = await freePort();
    // Rate limits on: they cannot be counted without Redis, and must neither turn bad input into a 503 nor hang.
    const limits = { writeRate: { burst: 5, perSecond: 1 }, chatRate: { burst: 5, perSecond: 1 } };
    const service = await startTestService(testConfig({ url: `redis://127.0.0.1:${port}`, prefix: 'down:' }, limits), { redisWaitMs: 200 });
    try {
      const requests: [string, string, unknown?][] = [
        ['GET', '/api/dishes'],
        ['GET', '/api/dishes/mapo-tofu'],
        ['GET', '/api/snapshot'],
        ['GET', '/api/events?since=0-0'],
        ['GET', '/api/sales/history'],
        ['GET', '/api/orders/o-1'],
        ['POST', '/api/orders', { items: [{ dishId: 'mapo-tofu', qty: 1 }] }],
        ['PATCH', '/api/dishes/mapo-tofu', { price: 100 }],
        ['POST', '/api/chat', { author: 'a', text: 'hello' }],
      ];
      for (const [method, path, json] of requests) {
        const started = Date.now();
        const res = await call<ProblemBody>(service.url, method, path, { json, headers: AUTH });
        expect(res.status, `${method} ${path}`).toBe(503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body.title).toBe('Service unavailable');
        expect(Date.now() - started).toBeLessThan(1000);
      }
      expect((await call(service.url, 'GET', '/healthz')).status).toBe(200);
      const ready = await call(service.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await call(service.url, 'PATCH', '/api/dishes/mapo-tofu', { raw: '{', headers: AUTH })).status).toBe(400);
      expect((await call(service.url, 'POST', '/api/orders', { json: { items: [] }, headers: AUTH })).status).toBe(400);
      expect((await call(service.url, 'GET', '/api/events?limit=0')).status).toBe(400);
    } finally {
      const started = Date.now();
      await service.stop();
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('starts its queue, worker and seed once Redis comes up after it, and recovers after Redis restarts', async () => {
    const port = await freePort();
    const service = await startTestService(
      testConfig({ url: `redis://127.0.0.1:${port}`, prefix: 'late:' }, { seedMenu: true }),
      { redisWaitMs: 100 },
    );
    try {
      expect((await call(service.url, 'GET', '/readyz')).status).toBe(503);
      servers.push(await spawnRedisServer({ port }));
      await eventually('the seeded menu once Redis is up', async () => {
        const res = await call<unknown[]>(service.url, 'GET', '/api/dishes');
        return res.status === 200 && res.body.length === 12 ? true : undefined;
      });
      expect((await call(service.url, 'GET', '/readyz')).status).toBe(200);
      const posted = await call(service.url, 'POST', '/api/orders', {
        json: { orderId: 'late-1', items: [{ dishId: 'peking-duck', qty: 2 }] },
        headers: AUTH,
      });
      expect(posted.status).toBe(202);
      const outcome = await eventually('the order outcome', async () => {
        const res = await call<OrderOutcome>(service.url, 'GET', '/api/orders/late-1');
        return res.status === 200 ? res.body : undefined;
      });
      expect(outcome.status).toBe('applied');

      await servers.pop()!.stop();
      expect((await call(service.url, 'GET', '/api/dishes')).status).toBe(503);
      servers.push(await spawnRedisServer({ port }));
      await eventually('answers again after Redis restarts', async () => {
        const res = await call(service.url, 'GET', '/api/snapshot');
        return res.status === 200 ? true : undefined;
      });
      // The restarted Redis is empty (no persistence): a new dish, and an order through the same queue and worker.
      expect((await call(service.url, 'POST', '/api/dishes', {
        json: { id: 'after', name: '小笼包', category: '点心', price: 2800, stock: 5 },
        headers: AUTH,
      })).status).toBe(201);
      await eventually('the order queue accepts again', async () => {
        const res = await call(service.url, 'POST', '/api/orders', { json: { orderId: 'late-2', items: [{ dishId: 'after', qty: 1 }] }, headers: AUTH });
        return res.status === 202 ? true : undefined;
      });
      const again = await eventually('the order outcome after the restart', async () => {
        const res = await call<OrderOutcome>(service.url, 'GET', '/api/orders/late-2');
        return res.status === 200 ? res.body : undefined;
      });
      expect(again.status).toBe('applied');
    } finally {
      await service.stop();
    }
  });

  it('stops promptly when Redis goes away while its workers and simulator run', async () => {
    const port = await freePort();
    const own = await spawnRedisServer({ port });
    const service = await startTestService(testConfig({ url: own.url, prefix: 'gone:' }, { seedMenu: true, simRate: 10 }));
    expect((await call(service.url, 'GET', '/readyz')).status).toBe(200);
    await own.stop();
    expect((await call(service.url, 'GET', '/readyz')).status).toBe(503);
    const started = Date.now();
    await service.stop();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
