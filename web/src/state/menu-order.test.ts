import { describe, expect, it } from 'vitest';
import { DishStore } from '@dish-live/client';
import type { Dish } from '@dish-live/protocol';
import { categoriesOf, orderedDishes } from './menu-order.js';

const dish = (id: string, over: Partial<Dish> = {}): Dish => ({
  id, name: id.toUpperCase(), category: 'c1', price: 1000, stock: 10, sold: 0, version: 1, updatedAt: 1, ...over,
});

describe('menu order', () => {
  it('orders dishes the same in every locale (plain string order)', () => {
    const s = new DishStore();
    const sales = { bucketMs: 10_000, buckets: [{ t: 0, total: 3, byCategory: { c1: 3 } }] };
    s.applySnapshot({ id: '5-0', dishes: [dish('a', { category: '汤' }), dish('b', { category: '川菜' }), dish('c', { category: 'Zebra' })], sales }, 5_000);
    expect(orderedDishes(s).map((d) => d.category)).toEqual(['Zebra', '川菜', '汤']);
    expect(categoriesOf(s)).toEqual(['Zebra', 'c1', '川菜', '汤']);
  });
});
