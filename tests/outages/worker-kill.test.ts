// The process running the order worker is SIGKILLed with jobs in flight: a new one takes them over, each order ends once.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { Dish } from '@dish-live/protocol';
import { killAllStarted, recordFigures, startDish, testRedis, waitFor, type Figures, type ServiceProcess } from '@dish-live/test-support';
import { chainBreaks, readAllEvents, soldEventsByOrder } from './log-contents.js';
import { judgeOrders, OrderClient, outcomes, request } from './orders.js';

const redis = testRedis('fault-worker-kill');
const TOKEN = 'fault-kill-token-93ab';
const DISHES = ['kill-jiaozi', 'kill-shaomai', 'kill-mantou', 'kill-youtiao'];
const UNKNOWN = 'kill-no-such-dish';
const inspector = new Redis(redis.url);
const queue = new Queue('dish-orders', { connection: inspector, prefix: `${redis.prefix}bull` });
const activeKey = `${redis.prefix}bull:dish-orders:active`;
// Locks lapse 2 s after their worker dies, and the survivor looks for stalled jobs every 2 s.
const env = { REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, DISH_API_TOKENS: TOKEN, ORDER_LOCK_MS: '2000', ORDER_CONCURRENCY: '4' };

const figures: Partial<Figures> = {};
const processes: ServiceProcess[] = [];

afterAll(async () => {
  recordFigures(import.meta.url, { ...figures, crashes: processes.filter((p) => p.crashed()).length });
  await killAllStarted();
  await queue.close();
  inspector.disconnect();
});

/** Every tenth order names a dish that does not exist (rejected); the rest one or two lines on dishes that never run out. */
const pick = (n: number) =>
  n % 10 === 7
    ? [{ dishId: DISHES[n % 4]!, qty: 1 }, { dishId: UNKNOWN, qty: 1 }]
    : n % 2 === 0
      ? [{ dishId: DISHES[n % 4]!, qty: 1 + (n % 5) }]
      : [{ dishId: DISHES[n % 4]!, qty: 1 }, { dishId: DISHES[(n + 1) % 4]!, qty: 2 }];

async function start(): Promise<ServiceProcess> {
  const proc = await startDish(env);
  processes.push(proc);
  return proc;
}

describe('order worker killed mid-job', () => {
  it('ends every order applied or rejected exactly once after SIGKILL, taking over the jobs the dead worker held', async () => {
    let proc = await start();
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const id of DISHES) {
      const res = await request(proc.url, 'POST', '/api/dishes', { json: { id, name: id, category: '面点', price: 600, stock: 1_000_000 }, headers: auth });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const client = new OrderClient(proc.url, TOKEN, pick, 'kill');

    let orphaned: string[] = [];
    let kills = 0;
    // Kill the moment the worker is seen holding jobs; should the kill land after they finished, try a fresh process.
    for (let round = 0; round < 3 && orphaned.length === 0; round++) {
      if (round > 0) {
        proc = await start();
        client.retarget(proc.url);
      }
      let killed = false;
      const burst = (async () => {
        const lanes = Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 150 && !killed; i++) await client.post();
        });
        await Promise.all(lanes);
      })();
      const before = client.orders.size;
      await waitFor('100 orders posted and the worker holding a job', async () =>
        client.orders.size - before >= 100 && (await inspector.llen(activeKey)) > 0 ? true : undefined, 60_000);
      proc.kill('SIGKILL');
      killed = true;
      kills++;
      figures.faultsInjected = kills;
      expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await burst;
      orphaned = await inspector.lrange(activeKey, 0, -1);
    }
    expect(orphaned.length, 'jobs left active by the killed worker').toBeGreaterThan(0);

    const survivor = await start();
    client.retarget(survivor.url);
    // Posts cut off by the kill got no answer: the client sends them again under the same order id.
    const retried = await client.retryUnaccepted();
    const orders = [...client.orders.values()];
    const results = await outcomes(survivor.url, orders.map((o) => o.orderId), 90_000);

    // Each job the dead worker held is found stalled once its lock lapses, and run again by the survivor; a job
    // whose order the dead worker had already applied finds the outcome and sells nothing twice.
    await waitFor('the survivor to complete every job the dead worker held', async () => {
      const states = await Promise.all(orphaned.map(async (id) => (await queue.getJob(id))?.getState()));
      return states.every((s) => s === 'completed') ? true : undefined;
    }, 60_000);

    const log = new EventLog(inspector, { prefix: redis.prefix });
    const events = await readAllEvents(log);
    const breaks = chainBreaks(events);
    const verdict = judgeOrders(orders, results, soldEventsByOrder(events));
    Object.assign(figures, { eventsWritten: events.length, eventsLost: verdict.lost + breaks.length, duplicates: verdict.duplicates });
    expect(breaks).toEqual([]);
    expect(verdict.problems).toEqual([]);
    expect(verdict.applied + verdict.rejected).toBe(orders.length);
    for (const order of orders) {
      const expected = order.items.some((i) => i.dishId === UNKNOWN) ? 'rejected' : 'applied';
      expect(results.get(order.orderId)?.status, order.orderId).toBe(expected);
    }

    // None was given up as failed, and every one the dead worker held went through the stalled check.
    for (const jobId of orphaned) {
      const job = await queue.getJob(jobId);
      expect(job?.stalledCounter, `${jobId} went through the stalled check`).toBeGreaterThanOrEqual(1);
    }
    expect((await queue.getJobCounts('failed')).failed).toBe(0);

    // State agrees with the orders: each dish sold exactly what the applied orders asked of it.
    const wanted = new Map<string, number>();
    for (const order of orders) {
      if (results.get(order.orderId)?.status !== 'applied') continue;
      for (const item of order.items) wanted.set(item.dishId, (wanted.get(item.dishId) ?? 0) + item.qty);
    }
    for (const id of DISHES) {
      const dish = (await request<Dish>(survivor.url, 'GET', `/api/dishes/${id}`)).body;
      expect(dish.sold, `${id} sold`).toBe(wanted.get(id) ?? 0);
      expect(dish.stock, `${id} stock`).toBe(1_000_000 - (wanted.get(id) ?? 0));
    }

    expect(survivor.crashed()).toBe(false);
    expect(await survivor.stop()).toEqual({ code: 0, signal: null });
    console.log(
      `[worker-kill] kills ${kills}, jobs held by the dead worker ${orphaned.length}, orders ${orders.length} ` +
        `(applied ${verdict.applied}, rejected ${verdict.rejected}), resent ${retried}, events ${events.length}, ` +
        `statuses ${JSON.stringify(client.statusCounts())}`,
    );
  }, 180_000);
});
