import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { dishEventSchema, type DishEvent } from '@dish-live/protocol';
import { DishExistsError, DishNotFoundError, EventLog, OrderMismatchError, VersionConflictError } from './index.js';

const { url, prefix } = testRedis('event-log');
let redis: Redis;
let n = 0;
/** A fresh log (own key prefix) per test, so tests do not see each other's events. */
const freshLog = (options: { streamMaxLen?: number } = {}) => new EventLog(redis, { prefix: `${prefix}${n++}:`, ...options });

async function allEvents(log: EventLog): Promise<DishEvent[]> {
  const result = await log.replay('0-0', 100_000);
  if (!result.recovered) throw new Error('log was trimmed');
  return result.events;
}

beforeAll(() => {
  redis = new Redis(url);
});
afterAll(async () => {
  await redis.quit();
});

describe('dish writes', () => {
  it('creates, updates and deletes a dish, one event each, chained by prev', async () => {
    const log = freshLog();
    const created = await log.createDish({ id: 'mapo', name: '麻婆豆腐', category: '川菜', price: 2800, stock: 20 });
    expect(created).toMatchObject({ id: 'mapo', name: '麻婆豆腐', price: 2800, stock: 20, sold: 0, version: 1 });
    const updated = await log.updateDish('mapo', { price: 3000, stock: 15 }, 1);
    expect(updated).toMatchObject({ price: 3000, stock: 15, version: 2 });
    await log.deleteDish('mapo', 2);
    expect(await log.getDish('mapo')).toBeUndefined();

    const events = await allEvents(log);
    expect(events.map((e) => e.type)).toEqual(['dish.created', 'dish.updated', 'dish.deleted']);
    expect(events[0]!.prev).toBe('0-0');
    expect(events[1]!.prev).toBe(events[0]!.id);
    expect(events[2]!.prev).toBe(events[1]!.id);
    for (const e of events) expect(dishEventSchema.safeParse(e).success).toBe(true);
    expect(events[1]!.data).toEqual({ dish: updated });
    expect(events[2]!.data).toEqual({ id: 'mapo', category: '川菜' });
    expect(await log.lastId()).toBe(events[2]!.id);
  });

  it('refuses a stale version, an unknown dish and a duplicate id without writing an event', async () => {
    const log = freshLog();
    await log.createDish({ id: 'a', name: 'A', category: 'c', price: 1, stock: 1 });
    await log.updateDish('a', { stock: 2 });
    await expect(log.updateDish('a', { stock: 3 }, 1)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(log.deleteDish('a', 1)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(log.updateDish('nope', { stock: 3 })).rejects.toBeInstanceOf(DishNotFoundError);
    await expect(log.createDish({ id: 'a', name: 'A', category: 'c', price: 1, stock: 1 })).rejects.toBeInstanceOf(DishExistsError);
    expect((await allEvents(log)).length).toBe(2);
    expect(await log.getDish('a')).toMatchObject({ stock: 2, version: 2 });
  });

  it('keeps large integers and awkward strings exact through the script', async () => {
    const log = freshLog();
    const name = 'Quote " backslash \\ slash / <b>tag</b> 😀';
    const dish = await log.createDish({ id: 'big', name, category: '汤', price: 10_000_000, stock: 1_000_000 });
    expect(dish).toMatchObject({ name, price: 10_000_000, stock: 1_000_000 });
    const [event] = await allEvents(log);
    expect(event!.data).toEqual({ dish });
    expect(Number.isInteger(event!.ts)).toBe(true);
  });
});

describe('orders', () => {
  it('applies a whole order or none of it, once per orderId', async () => {
    const log = freshLog();
    await log.createDish({ id: 'x', name: 'X', category: 'c1', price: 100, stock: 5 });
    await log.createDish({ id: 'y', name: 'Y', category: 'c2', price: 100, stock: 1 });

    const rejected = await log.applyOrder('o1', [{ dishId: 'x', qty: 2 }, { dishId: 'y', qty: 2 }]);
    expect(rejected.outcome).toMatchObject({ status: 'rejected', reason: 'out_of_stock', dishId: 'y' });
    expect(await log.getDish('x')).toMatchObject({ stock: 5, sold: 0 });

    const applied = await log.applyOrder('o2', [{ dishId: 'x', qty: 2 }, { dishId: 'y', qty: 1 }, { dishId: 'x', qty: 1 }]);
    expect(applied.outcome).toMatchObject({ status: 'applied', items: [{ dishId: 'x', qty: 3 }, { dishId: 'y', qty: 1 }] });
    expect(await log.getDish('x')).toMatchObject({ stock: 2, sold: 3 });
    expect(await log.getDish('y')).toMatchObject({ stock: 0, sold: 1 });

    // The same items, split and ordered differently, are the same order: its outcome again, nothing applied.
    const again = await log.applyOrder('o2', [{ dishId: 'y', qty: 1 }, { dishId: 'x', qty: 3 }]);
    expect(again.replayed).toBe(true);
    expect(again.outcome).toEqual(applied.outcome);
    expect(await log.getDish('x')).toMatchObject({ stock: 2, sold: 3 });

    const unknown = await log.applyOrder('o3', [{ dishId: 'ghost', qty: 1 }]);
    expect(unknown.outcome).toMatchObject({ status: 'rejected', reason: 'unknown_dish', dishId: 'ghost' });
    expect((await log.orderOutcome('o1'))?.outcome).toEqual(rejected.outcome);
    const ttl = await redis.pttl(log.keys.order('o2'));
    expect(ttl, 'an outcome is kept for the retention period, not forever').toBeGreaterThan(log.orderRetentionMs - 60_000);

    const sold = (await allEvents(log)).filter((e) => e.type === 'dish.sold');
    expect(sold.map((e) => e.data)).toEqual([
      { dish: expect.objectContaining({ id: 'x', stock: 2 }) as unknown, qty: 3, orderId: 'o2' },
      { dish: expect.objectContaining({ id: 'y', stock: 0 }) as unknown, qty: 1, orderId: 'o2' },
    ]);
    expect(applied.outcome.status === 'applied' && applied.outcome.events).toEqual(sold.map((e) => e.id));
  });

  it('refuses an orderId reused with other items and changes nothing', async () => {
    const log = freshLog();
    await log.createDish({ id: 'x', name: 'X', category: 'c1', price: 100, stock: 5 });
    await log.createDish({ id: 'y', name: 'Y', category: 'c1', price: 100, stock: 5 });
    await log.applyOrder('o', [{ dishId: 'x', qty: 1 }]);
    const before = await log.lastId();
    for (const items of [[{ dishId: 'y', qty: 1 }], [{ dishId: 'x', qty: 2 }], [{ dishId: 'x', qty: 1 }, { dishId: 'y', qty: 1 }]]) {
      await expect(log.applyOrder('o', items)).rejects.toBeInstanceOf(OrderMismatchError);
    }
    expect(await log.lastId()).toBe(before);
    expect(await log.getDish('x')).toMatchObject({ stock: 4, sold: 1 });
    expect(await log.getDish('y')).toMatchObject({ stock: 5, sold: 0 });
    const stored = await log.orderOutcome('o');
    expect(stored?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(stored?.outcome).not.toHaveProperty('fingerprint');
  });

  it('adds sales to the time bucket, in total and per category', async () => {
    const log = freshLog();
    await log.createDish({ id: 'x', name: 'X', category: '川菜', price: 100, stock: 50 });
    await log.createDish({ id: 'y', name: 'Y', category: '粤菜', price: 100, stock: 50 });
    await log.applyOrder('a', [{ dishId: 'x', qty: 2 }, { dishId: 'y', qty: 3 }]);
    await log.applyOrder('b', [{ dishId: 'x', qty: 1 }]);
    const history = await log.salesPage(Date.now() - 60_000, Date.now() + 1);
    const total = history.buckets.reduce((s, b) => s + b.total, 0);
    expect(total).toBe(6);
    const byCategory: Record<string, number> = {};
    for (const b of history.buckets) for (const [c, q] of Object.entries(b.byCategory)) byCategory[c] = (byCategory[c] ?? 0) + q;
    expect(byCategory).toEqual({ 川菜: 3, 粤菜: 3 });
    for (const b of history.buckets) expect(b.t % history.bucketMs).toBe(0);
  });
});

describe('snapshot and replay', () => {
  it('snapshots dishes with the id of the last event they include', async () => {
    const log = freshLog();
    expect(await log.snapshot()).toMatchObject({ id: '0-0', dishes: [] });
    await log.createDish({ id: 'b', name: 'B', category: 'c', price: 1, stock: 1 });
    await log.createDish({ id: 'a', name: 'A', category: 'c', price: 1, stock: 1 });
    const chat = await log.appendChat({ author: 'op', text: 'hi' });
    const snap = await log.snapshot();
    expect(snap.id).toBe(chat.id);
    expect(snap.dishes.map((d) => d.id)).toEqual(['a', 'b']);
    expect(snap.chat).toEqual([chat]);
    expect(await log.dishes()).toEqual({ id: chat.id, dishes: snap.dishes });
  });

  it('carries the most recent chat messages, oldest first, capped', async () => {
    const log = freshLog();
    const sent: DishEvent[] = [];
    for (let i = 0; i < 60; i++) sent.push(await log.appendChat({ author: 'op', text: `m${i}` }));
    const { chat } = await log.snapshot();
    expect(chat).toEqual(sent.slice(-50));
    expect(await redis.llen(log.keys.chatRecent)).toBe(50);
  });

  it('replays what came after a usable since and refuses anything else', async () => {
    const log = freshLog();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await log.appendChat({ author: 'a', text: `m${i}` })).id);

    const fromZero = await log.replay('0-0');
    expect(fromZero.recovered && fromZero.events.map((e) => e.id)).toEqual(ids);
    const fromThird = await log.replay(ids[2]!);
    expect(fromThird.recovered && fromThird.events.map((e) => e.id)).toEqual(ids.slice(3));
    expect(await log.replay(ids[9]!)).toEqual({ recovered: true, events: [], last: ids[9], more: false });

    const limited = await log.replay(ids[0]!, 4);
    expect(limited).toMatchObject({ recovered: true, more: true, last: ids[4] });
    expect(limited.recovered && limited.events.length).toBe(4);

    const [ms = '0'] = ids[9]!.split('-');
    for (const bad of ['garbage', '', '1-2-3', '-1-0', `${BigInt(ms) + 1000n}-0`, `${ids[5]!.split('-')[0]}-999`]) {
      expect((await log.replay(bad)).recovered, bad).toBe(false);
    }
  });

  it('says not recovered once the window has moved past since, including 0-0', async () => {
    const log = freshLog({ streamMaxLen: 10 });
    const first = await log.appendChat({ author: 'a', text: 'first' });
    for (let i = 0; i < 300; i++) await log.appendChat({ author: 'a', text: `m${i}` });
    expect((await log.replay(first.id)).recovered).toBe(false);
    expect((await log.replay('0-0')).recovered).toBe(false);
    const last = await log.lastId();
    expect((await log.replay(last)).recovered).toBe(true);
  });
});
