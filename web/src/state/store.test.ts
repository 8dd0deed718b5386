import { describe, expect, it } from 'vitest';
import type { ChatMessageEvent, Dish, DishEvent, StateMessage } from '@dish-live/protocol';
import { DashboardStore, SALES_KEEP_MS } from './store.js';

const dish = (id: string, over: Partial<Dish> = {}): Dish => ({
  id, name: id.toUpperCase(), category: 'c1', price: 1000, stock: 10, sold: 0, version: 1, updatedAt: 1, ...over,
});
const snapshot = (id: string, dishes: Dish[], chat: ChatMessageEvent[] = []) => ({
  id, dishes, sales: { bucketMs: 10_000, buckets: [{ t: 0, total: 3, byCategory: { c1: 3 } }] }, chat,
});

describe('DashboardStore', () => {
  it('takes a snapshot whole and reports a structural change once', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a'), dish('b')]), 5_000);
    expect(s.lastId).toBe('5-0');
    expect(s.orderedDishes().map((d) => d.id)).toEqual(['a', 'b']);
    expect(s.sales.get(0)).toEqual({ total: 3, byCategory: { c1: 3 } });
    const first = s.takeChanges();
    expect(first.structure).toBe(true);
    expect(first.sales).toBe(true);
    expect(s.takeChanges().structure).toBe(false);
  });

  it('records which fields of which dish changed, for the cells that flash', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    s.takeChanges();
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.updated', ts: 100, data: { dish: dish('a', { stock: 3, version: 2 }) } });
    const c = s.takeChanges();
    expect(c.structure).toBe(false);
    expect([...(c.dishes.get('a') ?? [])]).toEqual(['stock']);
    expect(c.eventTs).toEqual([100]);
    expect(c.eventCount).toBe(1);
  });

  it('ignores an event at or before the last id (a replay overlapping a switch)', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    const stale: DishEvent = { id: '5-0', prev: '4-0', type: 'dish.updated', ts: 1, data: { dish: dish('a', { stock: 0 }) } };
    expect(s.applyEvent(stale)).toBe(false);
    expect(s.dishes.get('a')?.stock).toBe(10);
  });

  it('counts a sale in the bucket of its event time, by category', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.sold', ts: 25_500, data: { dish: dish('a', { stock: 8, sold: 2 }), qty: 2, orderId: 'o1' } });
    expect(s.sales.get(20_000)).toEqual({ total: 2, byCategory: { c1: 2 } });
    expect(s.takeChanges().sales).toBe(true);
  });

  it('applies creation, deletion and chat', () => {
    const s = new DashboardStore();
    s.applyEvent({ id: '1-0', prev: '0-0', type: 'dish.created', ts: 1, data: { dish: dish('x') } });
    s.applyEvent({ id: '2-0', prev: '1-0', type: 'chat.message', ts: 2, data: { author: 'ann', text: '<b>hi</b>' } });
    s.applyEvent({ id: '3-0', prev: '2-0', type: 'dish.deleted', ts: 3, data: { id: 'x' } });
    expect(s.dishes.size).toBe(0);
    expect(s.chat).toEqual([{ id: '2-0', author: 'ann', text: '<b>hi</b>', ts: 2 }]);
    const c = s.takeChanges();
    expect(c.structure && c.chat).toBe(true);
    expect(s.lastId).toBe('3-0');
  });

  it('applies a conflated state: whole dishes, deletions, chat, and sales from the growth of sold', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a'), dish('b')]), 5_000);
    s.takeChanges();
    const state: StateMessage = {
      type: 'state',
      id: '9-0',
      dishes: [dish('a', { sold: 4, stock: 6, version: 2, updatedAt: 8 }), { id: 'b', deleted: true }],
      chat: [{ id: '7-0', prev: '6-0', type: 'chat.message', ts: 7, data: { author: 'bo', text: 'yo' } }],
    };
    s.applyState(state, 31_000);
    expect(s.lastId).toBe('9-0');
    expect(s.dishes.has('b')).toBe(false);
    expect(s.sales.get(30_000)?.total).toBe(4);
    expect(s.chat.map((m) => m.text)).toEqual(['yo']);
    // Latency samples: the chat's ts, and the updatedAt of the dish the state changed.
    expect(s.takeChanges().eventTs).toEqual([7, 8]);
    // The chat events the client re-emits after the state are not applied twice.
    expect(s.applyEvent(state.chat[0]!)).toBe(false);
  });

  it('keeps the latency samples bounded when no frame takes them', () => {
    const s = new DashboardStore();
    for (let i = 1; i <= 10_000; i++) s.applyEvent({ id: `${i}-0`, prev: `${i - 1}-0`, type: 'chat.message', ts: i, data: { author: 'a', text: 't' } });
    const c = s.takeChanges();
    expect(c.eventCount).toBe(10_000);
    expect(c.eventTs.length).toBeLessThanOrEqual(4096);
    expect(s.chat.length).toBe(200);
  });

  it("shows a snapshot's chat after a reload, as text, oldest first", () => {
    const s = new DashboardStore();
    const chat: ChatMessageEvent[] = [
      { id: '1-0', prev: '0-0', type: 'chat.message', ts: 1, data: { author: 'ann', text: '<b>first</b>' } },
      { id: '2-0', prev: '1-0', type: 'chat.message', ts: 2, data: { author: 'bo', text: 'second' } },
    ];
    s.applySnapshot(snapshot('5-0', [], chat), 5_000);
    expect(s.chat.map((m) => [m.author, m.text])).toEqual([['ann', '<b>first</b>'], ['bo', 'second']]);
    expect(s.takeChanges().chat).toBe(true);
  });

  it('keeps one window of sales however long the page stays open', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    const day = 86_400_000;
    let prev = '5-0';
    for (let t = 10_000, i = 6; t < day; t += 10_000, i++) {
      s.applyEvent({ id: `${i}-0`, prev, type: 'dish.sold', ts: t, data: { dish: dish('a', { sold: i }), qty: 1, orderId: `o${i}` } });
      prev = `${i}-0`;
    }
    expect(s.sales.size).toBeLessThanOrEqual(SALES_KEEP_MS / 10_000 + 1);
    expect(Math.min(...s.sales.keys())).toBeGreaterThanOrEqual(day - SALES_KEEP_MS - 10_000);
    expect(s.salesKnownFrom).toBeGreaterThanOrEqual(day - SALES_KEEP_MS - 10_000);
  });

  it('knows sales from the oldest bucket a snapshot carried, or from the snapshot itself', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 25_000);
    expect(s.salesKnownFrom).toBe(0);
    s.applySnapshot({ ...snapshot('6-0', [dish('a')]), sales: { bucketMs: 10_000, buckets: [] } }, 25_000);
    expect(s.salesKnownFrom).toBe(20_000);
  });

  it('orders dishes the same in every locale (plain string order)', () => {
    const s = new DashboardStore();
    s.applySnapshot(snapshot('5-0', [dish('a', { category: '汤' }), dish('b', { category: '川菜' }), dish('c', { category: 'Zebra' })]), 5_000);
    expect(s.orderedDishes().map((d) => d.category)).toEqual(['Zebra', '川菜', '汤']);
    expect(s.categories()).toEqual(['Zebra', 'c1', '川菜', '汤']);
  });
});
