import { describe, expect, it } from 'vitest';
import type { Dish, DishEvent } from '@dish-live/protocol';
import { DishStore } from '@dish-live/client';
import { PastStore } from './past-store.js';

const dish = (stock: number, sold: number, version: number): Dish => ({
  id: 'tofu', name: 'Tofu', category: 'c', price: 900, stock, sold, version, updatedAt: 1000 + version,
});
const sold = (id: string, prev: string, ts: number, d: Dish): DishEvent => ({ id, prev, type: 'dish.sold', ts, data: { dish: d, qty: 1, orderId: `o-${id}` } });

describe('PastStore', () => {
  it('shows a past state, its sales, and the events up to a later moment only', () => {
    let changes = 0;
    const store = new PastStore(() => changes++);
    store.load({ at: 20_000, id: '19000-0', dishes: [dish(5, 0, 1)], digest: 'x' }, { bucketMs: 10_000, buckets: [{ t: 10_000, total: 3, byCategory: { c: 3 } }] });
    expect(store.at).toBe(20_000);
    expect(store.dishes.get('tofu')?.stock).toBe(5);
    const events = [sold('21000-0', '19000-0', 21_000, dish(4, 1, 2)), sold('25000-0', '21000-0', 25_000, dish(3, 2, 3))];
    expect(store.advance(22_000, events)).toBe(1);
    expect(store.at).toBe(22_000);
    expect(store.dishes.get('tofu')?.stock).toBe(4);
    expect(store.sales?.buckets.map((b) => [b.t, b.total])).toEqual([[10_000, 3], [20_000, 1]]);
    expect(store.advance(30_000, events.slice(1))).toBe(1);
    expect(store.dishes.get('tofu')?.stock).toBe(3);
    expect(store.lastId).toBe('25000-0');
    expect(changes).toBeGreaterThan(0);
    expect(store.takeChanges().reset).toBe(true);
  });

  it('is a store of its own: the live store is not written', () => {
    const live = new DishStore();
    live.applySnapshot({ id: '30000-0', dishes: [dish(1, 4, 9)] });
    const past = new PastStore(() => undefined);
    past.load({ at: 20_000, id: '19000-0', dishes: [dish(5, 0, 1)], digest: 'x' }, undefined);
    expect(live.dishes.get('tofu')?.stock).toBe(1);
    expect(live.lastId).toBe('30000-0');
  });
});
