import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { EventLog, Restaurants, RestaurantExistsError, tokenDigest } from './index.js';

const { url, prefix } = testRedis('restaurants');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(url);
});
afterAll(async () => {
  await redis.quit();
});

describe('the restaurant registry', () => {
  it('always has default, registers others once and answers each token once, kept only as a digest', async () => {
    const registry = new Restaurants(redis, `${prefix}a:`);
    expect(await registry.list()).toEqual([{ id: 'default', name: 'Default' }]);
    expect(await registry.exists('default')).toBe(true);
    expect(await registry.exists('noodles')).toBe(false);

    const { restaurant, token } = await registry.create('noodles', 'Noodle Bar');
    expect(restaurant).toEqual({ id: 'noodles', name: 'Noodle Bar' });
    expect(token).toMatch(/^rt_[A-Za-z0-9_-]{32}$/);
    await expect(registry.create('noodles', 'Again')).rejects.toBeInstanceOf(RestaurantExistsError);
    await expect(registry.create('default', 'Mine')).rejects.toBeInstanceOf(RestaurantExistsError);
    await registry.create('b-2', 'B');
    await registry.ensureDefault();

    expect(await registry.list()).toEqual([
      { id: 'b-2', name: 'B' },
      { id: 'default', name: 'Default' },
      { id: 'noodles', name: 'Noodle Bar' },
    ]);
    expect(await registry.get('noodles')).toEqual({ id: 'noodles', name: 'Noodle Bar' });
    expect(await registry.tokenRestaurant(token)).toBe('noodles');
    expect(await registry.tokenRestaurant(`${token}x`)).toBeUndefined();
    // Nothing in Redis holds the token itself.
    const stored = await redis.hgetall(registry.keys.tokens);
    expect(Object.keys(stored)).toContain(tokenDigest(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(await redis.hgetall(registry.keys.restaurants))).not.toContain(token);
  });

  it('keeps restaurants apart: every key of one carries its hash tag, and one log never sees another', async () => {
    const p = `${prefix}b:`;
    const a = new EventLog(redis, { prefix: p, restaurant: 'a' });
    const b = new EventLog(redis, { prefix: p, restaurant: 'b' });
    await a.createDish({ id: 'x', name: 'X', category: 'c', price: 1, stock: 5 });
    await a.applyOrder('o-1', [{ dishId: 'x', qty: 1 }]);
    await b.createDish({ id: 'x', name: 'Other X', category: 'c', price: 2, stock: 5 });
    await b.appendChat({ author: 'b', text: 'hi' });

    expect((await a.dishes()).dishes.map((d) => d.name)).toEqual(['X']);
    expect((await b.dishes()).dishes.map((d) => d.name)).toEqual(['Other X']);
    const aEvents = await a.replay('0-0');
    const bEvents = await b.replay('0-0');
    expect(aEvents.recovered && aEvents.events.map((e) => e.type)).toEqual(['dish.created', 'dish.sold']);
    expect(bEvents.recovered && bEvents.events.map((e) => e.type)).toEqual(['dish.created', 'chat.message']);
    expect((await b.snapshot()).sales.buckets).toEqual([]);
    expect(await b.orderOutcome('o-1')).toBeUndefined();

    const keys = await redis.keys(`${p}*`);
    expect(keys.length).toBeGreaterThan(8);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\{r:(a|b)\\}:`));
  });
});
