// The simulator: its pure decisions, and a short real run on a BullMQ job scheduler producing events.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS, type Dish, type DishEvent } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import { SIM_QUEUE, SIM_SCHEDULER_ID } from './sim-scheduler.js';
import { planActions, seededRandom, tickPlan, type SimAction } from './simulator.js';
import { call, eventually, inspect, startTestService, testConfig } from './dish.test-helpers.js';

const dish = (id: string, stock: number, price = 1000): Dish => ({
  id, name: id, category: 'c', price, stock, sold: 0, version: 1, updatedAt: 0,
});

/** A random source that replays fixed values, to force one branch. */
const fixed = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('planActions', () => {
  it('plans nothing without dishes', () => {
    expect(planActions([], 10, Math.random)).toEqual([]);
  });

  it('plans the requested number of valid actions and never oversells within a tick', () => {
    const dishes = [dish('a', 3), dish('b', 0), dish('c', 50, 100), dish('d', 1)];
    for (let seed = 1; seed <= 200; seed++) {
      const actions = planActions(dishes, 25, seededRandom(seed));
      expect(actions).toHaveLength(25);
      const stock = new Map(dishes.map((d) => [d.id, d.stock]));
      for (const action of actions) {
        switch (action.kind) {
          case 'order':
            expect(action.items.length).toBeGreaterThanOrEqual(1);
            expect(action.items.length).toBeLessThanOrEqual(2);
            expect(new Set(action.items.map((i) => i.dishId)).size).toBe(action.items.length);
            for (const item of action.items) {
              expect(item.qty).toBeGreaterThanOrEqual(1);
              expect(item.qty).toBeLessThanOrEqual(3);
              stock.set(item.dishId, stock.get(item.dishId)! - item.qty);
              expect(stock.get(item.dishId)).toBeGreaterThanOrEqual(0);
            }
            break;
          case 'restock':
            expect(action.stock).toBeGreaterThan(stock.get(action.dishId)!);
            expect(action.stock).toBeLessThanOrEqual(LIMITS.stock.max);
            stock.set(action.dishId, action.stock);
            break;
          case 'price':
            expect(Number.isInteger(action.price)).toBe(true);
            expect(action.price % 10).toBe(0);
            expect(action.price).toBeGreaterThanOrEqual(100);
            expect(action.price).toBeLessThanOrEqual(LIMITS.price.max);
            break;
        }
      }
    }
  });

  it('mostly orders, sometimes restocks, occasionally changes a price', () => {
    const dishes = Array.from({ length: 12 }, (_, i) => dish(`d${i}`, 1000, 2000 + i * 100));
    const kinds = { order: 0, restock: 0, price: 0 };
    for (const action of planActions(dishes, 5000, seededRandom(42))) kinds[action.kind]++;
    expect(kinds.order / 5000).toBeGreaterThan(0.75);
    expect(kinds.restock / 5000).toBeGreaterThan(0.05);
    expect(kinds.price / 5000).toBeGreaterThan(0.02);
    expect(kinds.price / 5000).toBeLessThan(0.1);
  });

  it('restocks the lowest dish when nothing is in stock', () => {
    // 0.9 would be an order, but nothing is in stock; 0.5 adds 20 + 40 to the lowest.
    const actions = planActions([dish('a', 0), dish('b', 0)], 1, fixed(0.9, 0.5));
    expect(actions).toEqual<SimAction[]>([{ kind: 'restock', dishId: 'a', stock: 60 }]);
  });

  it('changes a price by a few percent, rounded to 10 cents', () => {
    // 0.01: a price change; 0: the first dish; then the direction (< 0.5 down) and the size (0.99: 10 %).
    expect(planActions([dish('a', 10, 4800)], 1, fixed(0.01, 0, 0.1, 0.99))).toEqual([{ kind: 'price', dishId: 'a', price: 4320 }]);
    expect(planActions([dish('a', 10, 4800)], 1, fixed(0.01, 0, 0.9, 0))).toEqual([{ kind: 'price', dishId: 'a', price: 4900 }]);
  });

  it('is reproducible with a seeded random source', () => {
    const dishes = [dish('a', 30), dish('b', 30)];
    expect(planActions(dishes, 50, seededRandom(7))).toEqual(planActions(dishes, 50, seededRandom(7)));
  });
});

describe('tickPlan', () => {
  it('fires at most ten times a second and batches the rest', () => {
    expect(tickPlan(1)).toEqual({ everyMs: 1000, actionsPerTick: 1 });
    expect(tickPlan(0.5)).toEqual({ everyMs: 2000, actionsPerTick: 1 });
    expect(tickPlan(20)).toEqual({ everyMs: 100, actionsPerTick: 2 });
    expect(tickPlan(1000)).toEqual({ everyMs: 100, actionsPerTick: 100 });
    expect(() => tickPlan(0)).toThrow(RangeError);
  });
});

describe('the simulator on a job scheduler', () => {
  const redis = testRedis('dish-sim');
  const check = inspect(redis);
  afterAll(() => check.client.disconnect());

  it('at SIM_RATE=20 produces dish.sold and dish.updated events on the seeded menu, and SIM_RATE=0 removes the schedule', async () => {
    const service = await startTestService(testConfig(redis, { seedMenu: true, simRate: 20 }), { random: seededRandom(3) });
    const queue = new Queue(SIM_QUEUE, { connection: { url: redis.url }, prefix: `${redis.prefix}bull` });
    try {
      const start = await check.log.lastId();
      const events = await eventually('40 simulated events', async () => {
        const replay = await check.log.replay(start, 10_000);
        return replay.recovered && replay.events.length >= 40 ? replay.events : undefined;
      }, 15_000);
      const types = new Set(events.map((e: DishEvent) => e.type));
      expect(types.has('dish.sold')).toBe(true);
      expect(types.has('dish.updated')).toBe(true);
      expect(await queue.getJobScheduler(SIM_SCHEDULER_ID)).toMatchObject({ every: 100 });
      const kept = await check.client.keys(`${check.log.keys.order('sim-')}*`);
      expect(kept.length, 'simulated outcomes are not kept').toBeLessThanOrEqual(2);
      const metrics = await call(service.url, 'GET', '/metrics');
      expect(metrics.text).toMatch(/dish_orders_applied_total\{source="simulator"\} [1-9]/);
    } finally {
      await service.stop();
    }
    const off = await startTestService(testConfig(redis, { simRate: 0 }));
    try {
      expect(await queue.getJobScheduler(SIM_SCHEDULER_ID)).toBeUndefined();
    } finally {
      await off.stop();
      await queue.close();
    }
  });
});
