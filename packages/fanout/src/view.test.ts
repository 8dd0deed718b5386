// The in-memory view advances like Redis does: dishes replaced whole, sales bucketed as apply-order.lua buckets them.
import { describe, expect, it } from 'vitest';
import type { Dish, DishEvent } from '@dish-live/protocol';
import { View } from './view.js';

const dish = (id: string, category: string, sold = 0): Dish => ({ id, name: id, category, price: 1, stock: 10, sold, version: 1, updatedAt: 0 });

describe('View', () => {
  it('applies creates, sales and deletes, and filters a snapshot by category', () => {
    const view = new View({ id: '0-0', dishes: [dish('b', 'soup')], sales: { bucketMs: 1000, buckets: [] }, chat: [] }, 3_600_000);
    const events: DishEvent[] = [
      { id: '1-0', prev: '0-0', type: 'dish.created', ts: 5000, data: { dish: dish('a', 'grill') } },
      { id: '2-0', prev: '1-0', type: 'dish.sold', ts: 5500, data: { dish: dish('a', 'grill', 2), qty: 2, orderId: 'o' } },
      { id: '3-0', prev: '2-0', type: 'dish.sold', ts: 6100, data: { dish: dish('b', 'soup', 1), qty: 1, orderId: 'p' } },
      { id: '4-0', prev: '3-0', type: 'dish.sold', ts: 6200, data: { dish: dish('a', 'grill', 5), qty: 3, orderId: 'q' } },
      { id: '5-0', prev: '4-0', type: 'dish.deleted', ts: 7000, data: { id: 'b', category: 'soup' } },
    ];
    for (const e of events) view.apply(e);
    const snap = view.snapshot(undefined, 7000);
    expect(snap.id).toBe('5-0');
    expect(snap.dishes.map((d) => [d.id, d.sold])).toEqual([['a', 5]]);
    expect(snap.sales.buckets).toEqual([
      { t: 5000, total: 2, byCategory: { grill: 2 } },
      { t: 6000, total: 4, byCategory: { soup: 1, grill: 3 } },
    ]);
    expect(view.snapshot(new Set(['soup'])).dishes).toEqual([]);
  });

  it('holds and sends only the window and the recent chat, however long it has run', () => {
    const hour = 3_600_000;
    const view = new View({ id: '0-0', dishes: [dish('a', 'grill')], sales: { bucketMs: 10_000, buckets: [] }, chat: [] }, hour);
    const day = 24 * hour;
    let n = 0;
    const id = () => `${++n}-0`;
    // A sale every 10 s and a chat message every minute for a whole day.
    for (let ts = 0; ts < day; ts += 10_000) {
      const prev = `${n}-0`;
      view.apply({ id: id(), prev, type: 'dish.sold', ts, data: { dish: dish('a', 'grill', n), qty: 1, orderId: `o${n}` } });
      if (ts % 60_000 === 0) view.apply({ id: id(), prev: `${n - 1}-0`, type: 'chat.message', ts, data: { author: 'op', text: `t${ts}` } });
    }
    const snap = view.snapshot(undefined, day);
    expect(snap.sales.buckets.length).toBeLessThanOrEqual(hour / 10_000 + 1);
    expect(snap.sales.buckets[0]!.t).toBeGreaterThanOrEqual(day - hour);
    expect(snap.chat).toHaveLength(50);
    expect(snap.chat.at(-1)!.data.text).toBe(`t${day - 60_000}`);
    expect(JSON.stringify(snap).length, 'a snapshot after a day is the size of one after an hour').toBeLessThan(60_000);
  });
});
