// The simulator over several restaurants (SIM_RESTAURANTS): each registered, seeded and driven at SIM_RATE on its own
// schedule; schedules of restaurants no longer listed removed.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { DishEvent } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import { DEMO_MENU } from './menu.js';
import { nameFromId } from './sim-restaurants.js';
import { SIM_QUEUE, SIM_SCHEDULER_ID, simSchedulerId } from './sim-scheduler.js';
import { seededRandom } from './simulator.js';
import { call, eventually, inspect, startTestService, testConfig } from './dish.test-helpers.js';

describe('nameFromId', () => {
  it('makes a readable name of a restaurant id', () => {
    expect(nameFromId('demo-noodles')).toBe('Demo Noodles');
    expect(nameFromId('7-bar')).toBe('7 Bar');
    expect(nameFromId('x')).toBe('X');
  });
});

describe('the simulator over several restaurants', () => {
  const redis = testRedis('dish-sim-many');
  const check = inspect(redis);
  afterAll(() => check.client.disconnect());
  const logOf = (restaurant: string) => new EventLog(check.client, { prefix: redis.prefix, restaurant });

  it('registers, seeds and drives each listed restaurant at SIM_RATE; schedules of unlisted ones go', async () => {
    const restaurants = ['default', 'sim-noodles', 'sim-bar'];
    const queue = new Queue(SIM_QUEUE, { connection: { url: redis.url }, prefix: `${redis.prefix}bull` });
    const service = await startTestService(testConfig(redis, { seedMenu: true, simRate: 10, simRestaurants: restaurants }), { random: seededRandom(5) });
    try {
      const list = await call<{ id: string; name: string }[]>(service.url, 'GET', '/api/restaurants');
      expect(list.body).toEqual([
        { id: 'default', name: 'Default' },
        { id: 'sim-bar', name: 'Sim Bar' },
        { id: 'sim-noodles', name: 'Sim Noodles' },
      ]);
      for (const restaurant of restaurants) {
        const log = logOf(restaurant);
        const events = await eventually(`30 simulated events in ${restaurant}`, async () => {
          const replay = await log.replay('0-0', 10_000);
          return replay.recovered && replay.events.length >= DEMO_MENU.length + 30 ? replay.events : undefined;
        }, 20_000);
        const created = events.filter((e: DishEvent) => e.type === 'dish.created');
        expect(created, `${restaurant}'s menu seeded once`).toHaveLength(DEMO_MENU.length);
        expect(events.some((e: DishEvent) => e.type === 'dish.sold'), `${restaurant} sells`).toBe(true);
        // Every sale of this log is of this restaurant's dishes.
        const dishIds = new Set(created.map((e) => (e.type === 'dish.created' ? e.data.dish.id : '')));
        for (const e of events) if (e.type === 'dish.sold') expect(dishIds.has(e.data.dish.id)).toBe(true);
        const scheduler = await queue.getJobScheduler(simSchedulerId(restaurant));
        expect(scheduler, restaurant).toMatchObject({ every: 100, template: { data: { actions: 1, restaurant } } });
      }
      expect(simSchedulerId('default')).toBe(SIM_SCHEDULER_ID);
    } finally {
      await service.stop();
    }

    // The replica started last decides: only sim-bar is driven now.
    const narrowed = await startTestService(testConfig(redis, { simRate: 10, simRestaurants: ['sim-bar'] }));
    try {
      const keys = (await queue.getJobSchedulers(0, -1)).map((s) => s.key);
      expect(keys).toEqual([simSchedulerId('sim-bar')]);
    } finally {
      await narrowed.stop();
    }
    const off = await startTestService(testConfig(redis, { simRate: 0, simRestaurants: ['sim-bar'] }));
    try {
      expect(await queue.getJobSchedulers(0, -1)).toEqual([]);
    } finally {
      await off.stop();
      await queue.close();
    }
  });
});
