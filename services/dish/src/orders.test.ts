// Orders end to end against real Redis: HTTP → BullMQ queue → worker → one atomic script per order.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import type { OrderOutcome } from '@dish-live/broker';
import type { DishEvent, DishSoldEvent } from '@dish-live/protocol';
import { jobIdFor, ORDER_QUEUE } from './orders.js';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, call, eventually, inspect, startTestService, testConfig } from './dish.test-helpers.js';

const redis = testRedis('dish-orders');
let service: DishService;
let base: string;
const check = inspect(redis);

beforeAll(async () => {
  service = await startTestService(testConfig(redis, { orderConcurrency: 16 }));
  base = service.url;
});

afterAll(async () => {
  await service.stop();
  check.client.disconnect();
});

async function createDish(id: string, stock: number): Promise<void> {
  const res = await call(base, 'POST', '/api/dishes', {
    json: { id, name: `dish ${id}`, category: '川菜', price: 1000, stock },
    headers: AUTH,
  });
  expect(res.status).toBe(201);
}

async function outcomeOf(orderId: string): Promise<OrderOutcome> {
  return eventually(`the outcome of ${orderId}`, async () => {
    const res = await call<OrderOutcome>(base, 'GET', `/api/orders/${encodeURIComponent(orderId)}`);
    return res.status === 200 ? res.body : undefined;
  });
}

async function allEvents(): Promise<DishEvent[]> {
  const replay = await check.log.replay('0-0', 100_000);
  if (!replay.recovered) throw new Error('the stream was trimmed');
  return replay.events;
}

const soldEventsOf = (events: DishEvent[], dishId: string) =>
  events.filter((e): e is DishSoldEvent => e.type === 'dish.sold' && e.data.dish.id === dishId);

describe('POST /api/orders', () => {
  it('200 concurrent orders of 1 against stock 50: exactly 50 applied, 150 out_of_stock, stock conserved', async () => {
    await createDish('conserve', 50);
    const ids = Array.from({ length: 200 }, (_, i) => `conserve-${i}`);
    const posted = await Promise.all(
      ids.map((orderId) => call(base, 'POST', '/api/orders', { json: { orderId, items: [{ dishId: 'conserve', qty: 1 }] }, headers: AUTH })),
    );
    for (const [i, res] of posted.entries()) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ orderId: ids[i], status: 'queued' });
      expect(res.headers.get('location')).toBe(`/api/orders/${ids[i]}`);
    }
    const outcomes = await Promise.all(ids.map(outcomeOf));
    const applied = outcomes.filter((o) => o.status === 'applied');
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(applied).toHaveLength(50);
    expect(rejected).toHaveLength(150);
    for (const o of rejected) expect(o).toMatchObject({ reason: 'out_of_stock', dishId: 'conserve' });

    const dish = await check.log.getDish('conserve');
    expect(dish).toMatchObject({ stock: 0, sold: 50 });
    const sold = soldEventsOf(await allEvents(), 'conserve');
    expect(sold).toHaveLength(50);
    for (const event of sold) {
      expect(event.data.dish.stock).toBeGreaterThanOrEqual(0);
      expect(event.data.dish.stock + event.data.dish.sold).toBe(50);
      expect(event.data.qty).toBe(1);
    }
    // Each applied order's event, and no event without an applied order.
    expect(new Set(sold.map((e) => e.data.orderId))).toEqual(new Set(applied.map((o) => o.orderId)));
  });

  it('applies an order with several items whole, or none of it', async () => {
    await createDish('multi-a', 5);
    await createDish('multi-b', 1);
    const lastBefore = await check.log.lastId();
    const tooMuch = await call(base, 'POST', '/api/orders', {
      json: { orderId: 'multi-1', items: [{ dishId: 'multi-a', qty: 2 }, { dishId: 'multi-b', qty: 2 }] },
      headers: AUTH,
    });
    expect(tooMuch.status).toBe(202);
    expect(await outcomeOf('multi-1')).toMatchObject({ status: 'rejected', reason: 'out_of_stock', dishId: 'multi-b' });
    expect(await check.log.getDish('multi-a')).toMatchObject({ stock: 5, sold: 0 });
    expect(await check.log.lastId()).toBe(lastBefore);

    await call(base, 'POST', '/api/orders', {
      json: { orderId: 'multi-2', items: [{ dishId: 'multi-a', qty: 2 }, { dishId: 'multi-b', qty: 1 }] },
      headers: AUTH,
    });
    const outcome = await outcomeOf('multi-2');
    expect(outcome).toMatchObject({ status: 'applied', items: [{ dishId: 'multi-a', qty: 2 }, { dishId: 'multi-b', qty: 1 }] });
    expect(outcome.status === 'applied' && outcome.events).toHaveLength(2);
    expect(await check.log.getDish('multi-a')).toMatchObject({ stock: 3, sold: 2 });
    expect(await check.log.getDish('multi-b')).toMatchObject({ stock: 0, sold: 1 });
  });

  it('applies the same orderId once, however often and however concurrently it is sent', async () => {
    await createDish('idem', 10);
    const order = { orderId: 'idem:1', items: [{ dishId: 'idem', qty: 3 }] };
    const first = await Promise.all([1, 2, 3].map(() => call(base, 'POST', '/api/orders', { json: order, headers: AUTH })));
    for (const res of first) expect([200, 202]).toContain(res.status);
    const outcome = await outcomeOf('idem:1');
    expect(outcome.status).toBe('applied');

    const again = await call<OrderOutcome>(base, 'POST', '/api/orders', { json: order, headers: AUTH });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(outcome);
    expect(again.headers.get('location')).toBe('/api/orders/idem%3A1');
    expect(await check.log.getDish('idem')).toMatchObject({ stock: 7, sold: 3 });
    expect(soldEventsOf(await allEvents(), 'idem')).toHaveLength(1);
  });

  it('answers 409 to an orderId reused with other items, queued or done, and changes nothing', async () => {
    await createDish('reuse-a', 10);
    await createDish('reuse-b', 10);
    const first = { orderId: 'reuse:1', items: [{ dishId: 'reuse-a', qty: 1 }] };
    expect((await call(base, 'POST', '/api/orders', { json: first, headers: AUTH })).status).toBe(202);
    const others = [
      [{ dishId: 'reuse-b', qty: 1 }],
      [{ dishId: 'reuse-a', qty: 2 }],
      [{ dishId: 'reuse-a', qty: 1 }, { dishId: 'reuse-b', qty: 1 }],
    ];
    // While the first is queued or just applied, and again once its outcome is final.
    for (const items of others) {
      const res = await call<ProblemBody>(base, 'POST', '/api/orders', { json: { orderId: 'reuse:1', items }, headers: AUTH });
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/reuse:1/);
    }
    const outcome = await outcomeOf('reuse:1');
    for (const items of others) {
      expect((await call(base, 'POST', '/api/orders', { json: { orderId: 'reuse:1', items }, headers: AUTH })).status).toBe(409);
    }
    // The same body again is the same order: the stored outcome.
    const same = await call<OrderOutcome>(base, 'POST', '/api/orders', { json: first, headers: AUTH });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(outcome);
    expect(await check.log.getDish('reuse-a')).toMatchObject({ stock: 9, sold: 1 });
    expect(await check.log.getDish('reuse-b')).toMatchObject({ stock: 10, sold: 0 });
  });

  it('generates an orderId when none is given', async () => {
    await createDish('anon', 3);
    const res = await call<{ orderId: string }>(base, 'POST', '/api/orders', { json: { items: [{ dishId: 'anon', qty: 1 }] }, headers: AUTH });
    expect(res.status).toBe(202);
    expect(res.body.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await outcomeOf(res.body.orderId)).toMatchObject({ status: 'applied' });
  });

  it('records an order for an unknown dish as rejected with its reason', async () => {
    await call(base, 'POST', '/api/orders', { json: { orderId: 'ghost-1', items: [{ dishId: 'no-such-dish', qty: 1 }] }, headers: AUTH });
    expect(await outcomeOf('ghost-1')).toMatchObject({ status: 'rejected', reason: 'unknown_dish', dishId: 'no-such-dish' });
  });

  it('refuses bad orders with problem+json and queues nothing', async () => {
    const bad: unknown[] = [
      { items: [] },
      { items: [{ dishId: 'anon', qty: 0 }] },
      { items: [{ dishId: 'anon', qty: 1.5 }] },
      { items: [{ dishId: 'anon', qty: 1001 }] },
      { items: Array.from({ length: 51 }, () => ({ dishId: 'anon', qty: 1 })) },
      { items: [{ dishId: 'anon', qty: 1, price: 0 }] },
      { orderId: 'bad id', items: [{ dishId: 'anon', qty: 1 }] },
      { orderId: 'x', items: [{ dishId: 'anon', qty: 1 }], note: 'hi' },
    ];
    // Job keys only: a lock key of an earlier test's job may come and go meanwhile.
    const jobKeys = async () => (await check.client.keys(`${redis.prefix}bull:${ORDER_QUEUE}:order-*`)).filter((k) => !k.endsWith(':lock')).sort();
    const waitingBefore = await jobKeys();
    for (const json of bad) {
      const res = await call<ProblemBody>(base, 'POST', '/api/orders', { json, headers: AUTH });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.errors?.length).toBeGreaterThan(0);
    }
    expect((await call(base, 'POST', '/api/orders', { raw: '{"items":', headers: AUTH })).status).toBe(400);
    expect(await jobKeys()).toEqual(waitingBefore);
  });

  it('needs a write token', async () => {
    const res = await call(base, 'POST', '/api/orders', { json: { orderId: 'no-token', items: [{ dishId: 'anon', qty: 1 }] } });
    expect(res.status).toBe(401);
    expect((await call(base, 'GET', '/api/orders/no-token')).status).toBe(404);
  });
});

describe('GET /api/orders/:id', () => {
  it('answers 404 for an unknown order, 202 while it waits, then 200 with the outcome', async () => {
    expect((await call(base, 'GET', '/api/orders/never-sent')).status).toBe(404);
    expect((await call(base, 'GET', '/api/orders/has%20space')).status).toBe(404);

    await createDish('paused', 2);
    // A paused queue keeps the job waiting, so the pending state can be observed without racing the worker.
    const queue = new Queue(ORDER_QUEUE, { connection: { url: redis.url }, prefix: `${redis.prefix}bull` });
    try {
      await queue.pause();
      const posted = await call(base, 'POST', '/api/orders', { json: { orderId: 'wait-1', items: [{ dishId: 'paused', qty: 1 }] }, headers: AUTH });
      expect(posted.status).toBe(202);
      const pending = await call(base, 'GET', '/api/orders/wait-1');
      expect(pending.status).toBe(202);
      expect(pending.body).toEqual({ orderId: 'wait-1', status: 'queued' });
      expect(await queue.getJob(jobIdFor('wait-1'))).toBeDefined();
      // The same id while it waits is not queued twice.
      expect((await call(base, 'POST', '/api/orders', { json: { orderId: 'wait-1', items: [{ dishId: 'paused', qty: 1 }] }, headers: AUTH })).status).toBe(202);
      expect(await queue.getJobCounts('wait')).toEqual({ wait: 1 });
    } finally {
      await queue.resume();
      await queue.close();
    }
    expect(await outcomeOf('wait-1')).toMatchObject({ status: 'applied' });
    expect(await check.log.getDish('paused')).toMatchObject({ stock: 1, sold: 1 });
  });
});

describe('metrics', () => {
  it('counts applied and rejected orders and HTTP requests by route', async () => {
    const res = await call(base, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/dish_orders_applied_total\{source="api"\} \d+/);
    expect(res.text).toMatch(/dish_orders_rejected_total\{source="api",reason="out_of_stock"\} \d+/);
    expect(res.text).toMatch(/http_requests_total\{method="POST",route="\/api\/orders",status="202"\} \d+/);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/api\/orders\/:id"/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });
});
