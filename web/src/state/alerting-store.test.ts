import { describe, expect, it } from 'vitest';
import type { Dish, DishEvent } from '@dish-live/protocol';
import { AlertingStore } from './alerting-store.js';
import type { StockAlert } from './stock-alerts.js';

const dish = (id: string, stock: number, version = 1): Dish => ({ id, name: id.toUpperCase(), category: 'c', price: 100, stock, sold: 0, version, updatedAt: 1 });
const updated = (id: string, prev: string, d: Dish): DishEvent => ({ type: 'dish.updated', id, prev, ts: 1, data: { dish: d } });
const sold = (id: string, prev: string, d: Dish, qty: number): DishEvent => ({ type: 'dish.sold', id, prev, ts: 1, data: { dish: d, qty, orderId: `o-${id}` } });
const sales = { bucketMs: 1000, buckets: [] };

/** A store following `restaurant`, with the alerts it told of, in order, as `{id, type, stock}`. */
function watched(restaurant = 'noodles') {
  let current = restaurant;
  const store = new AlertingStore(() => current);
  const told: StockAlert[][] = [];
  const stop = store.onAlerts((alerts) => told.push(alerts));
  const flat = () => told.flat().map((a) => `${a.id} ${a.dish.name}=${a.dish.stock}`);
  return { store, told, flat, stop, follow: (rid: string) => (current = rid) };
}

describe('AlertingStore', () => {
  it('raises the rules’ alerts from the stock held before each event: low, then sold out, then back in stock', () => {
    const { store, flat } = watched();
    store.applySnapshot({ id: '1-0', dishes: [dish('duck', 10), dish('tofu', 3)], sales });
    store.applyEvent(sold('2-0', '1-0', dish('duck', 6, 2), 4)); // 10 → 6: still at or above 5
    store.applyEvent(sold('3-0', '2-0', dish('duck', 4, 3), 2)); // 6 → 4: low
    store.applyEvent(updated('4-0', '3-0', dish('duck', 0, 4))); // 4 → 0: sold out (already below 5)
    store.applyEvent(updated('5-0', '4-0', dish('tofu', 0, 2))); // 3 → 0: sold out only
    store.applyEvent(updated('6-0', '5-0', dish('duck', 20, 5))); // 0 → 20: back
    expect(flat()).toEqual([
      'noodles/3-0/stock.low DUCK=4',
      'noodles/4-0/dish.sold_out DUCK=0',
      'noodles/5-0/dish.sold_out TOFU=0',
      'noodles/6-0/dish.back_in_stock DUCK=20',
    ]);
  });

  it('raises low and sold out together, in that order, for a drop from above the threshold to 0', () => {
    const { store, told } = watched();
    store.applySnapshot({ id: '1-0', dishes: [dish('duck', 10)], sales });
    store.applyEvent(sold('2-0', '1-0', dish('duck', 0, 2), 10));
    expect(told.map((alerts) => alerts.map((a) => a.type))).toEqual([['stock.low', 'dish.sold_out']]);
  });

  it('raises nothing for a snapshot, a created or deleted dish, chat, or an event it already holds (a resync)', () => {
    const { store, told } = watched();
    store.applySnapshot({ id: '1-0', dishes: [dish('duck', 10)], sales });
    store.applyEvent({ type: 'dish.created', id: '2-0', prev: '1-0', ts: 1, data: { dish: dish('empty', 0) } });
    store.applyEvent({ type: 'chat.message', id: '3-0', prev: '2-0', ts: 1, data: { author: 'a', text: 'b' } });
    store.applyEvent({ type: 'dish.deleted', id: '4-0', prev: '3-0', ts: 1, data: { id: 'duck' } });
    // A new snapshot where the dish is sold out: a resync, not a change anyone saw.
    store.applySnapshot({ id: '9-0', dishes: [dish('duck', 0, 9)], sales });
    expect(told).toEqual([]);
    store.applyEvent(updated('10-0', '9-0', dish('duck', 3, 10)));
    expect(told.flat().map((a) => a.type)).toEqual(['dish.back_in_stock']);
    // The same event again (a reconnect resuming from an older id): the store refuses it, nothing is raised.
    expect(store.applyEvent(updated('10-0', '9-0', dish('duck', 3, 10)))).toBe('duplicate');
    expect(told.flat()).toHaveLength(1);
  });

  it('raises the alerts of a conflated state from each dish’s previous stock, one id per dish', () => {
    const { store, flat } = watched();
    store.applySnapshot({ id: '1-0', dishes: [dish('duck', 10), dish('tofu', 1), dish('rice', 0), dish('gone', 9)], sales });
    store.applyState({
      type: 'state',
      id: '7-0',
      dishes: [dish('duck', 0, 5), dish('tofu', 0, 2), dish('rice', 2, 2), dish('new', 0), { id: 'gone', deleted: true }],
      chat: [],
    });
    expect(flat()).toEqual([
      'noodles/7-0/duck/stock.low DUCK=0',
      'noodles/7-0/duck/dish.sold_out DUCK=0',
      'noodles/7-0/tofu/dish.sold_out TOFU=0',
      'noodles/7-0/rice/dish.back_in_stock RICE=2',
    ]);
    // The same state again is a duplicate: nothing more.
    store.applyState({ type: 'state', id: '7-0', dishes: [dish('duck', 0, 5)], chat: [] });
    expect(flat()).toHaveLength(4);
  });

  it('names the restaurant it follows now, and stops telling a listener that left', () => {
    const { store, flat, stop, follow } = watched('noodles');
    follow('hotpot');
    store.clear();
    store.applySnapshot({ id: '1-0', dishes: [dish('lamb', 5)], sales });
    store.applyEvent(updated('2-0', '1-0', dish('lamb', 4, 2)));
    expect(flat()).toEqual(['hotpot/2-0/stock.low LAMB=4']);
    stop();
    store.applyEvent(updated('3-0', '2-0', dish('lamb', 0, 3)));
    expect(flat()).toHaveLength(1);
  });

  it('applies the message even when a listener throws', () => {
    const store = new AlertingStore(() => 'noodles');
    store.onAlerts(() => {
      throw new Error('Notification refused');
    });
    const other: string[] = [];
    store.onAlerts((alerts) => other.push(...alerts.map((a) => a.type)));
    store.applySnapshot({ id: '1-0', dishes: [dish('duck', 1)], sales });
    expect(store.applyEvent(updated('2-0', '1-0', dish('duck', 0, 2)))).toBe('applied');
    expect(store.dishes.get('duck')?.stock).toBe(0);
    expect(other).toEqual(['dish.sold_out']);
  });
});
