// A state keeps the latest of each dish, deletions as {id, deleted}, every chat, and the newest id covered.
import { describe, expect, it } from 'vitest';
import type { Dish } from '@dish-live/protocol';
import { Conflation } from './conflation.js';

const dish = (id: string, price: number): Dish => ({ id, name: id, category: 'c', price, stock: 1, sold: 0, version: price, updatedAt: 0 });

describe('Conflation', () => {
  it('folds events into one state', () => {
    const c = new Conflation();
    expect(c.take()).toBeUndefined();
    c.add({ id: '1-0', prev: '0-0', type: 'dish.updated', ts: 1, data: { dish: dish('a', 1) } });
    c.add({ id: '2-0', prev: '1-0', type: 'chat.message', ts: 2, data: { author: 'x', text: 'one' } });
    c.add({ id: '3-0', prev: '2-0', type: 'dish.updated', ts: 3, data: { dish: dish('a', 2) } });
    c.add({ id: '4-0', prev: '3-0', type: 'dish.deleted', ts: 4, data: { id: 'b', category: 'c' } });
    c.add({ id: '5-0', prev: '4-0', type: 'chat.message', ts: 5, data: { author: 'x', text: 'two' } });
    expect(c.events).toBe(5);
    expect(c.bytes).toBeGreaterThan(0);
    const state = c.take()!;
    expect(state.id).toBe('5-0');
    expect(state.dishes).toEqual([dish('a', 2), { id: 'b', deleted: true }]);
    expect(state.chat.map((m) => m.data.text)).toEqual(['one', 'two']);
    expect(c.empty).toBe(true);
  });
});
