import { describe, expect, it } from 'vitest';
import type { ChatMessageEvent, Dish, DishEvent, StateMessage } from '@dish-live/protocol';
import { emptyChanges, hasChanges, mergeChanges, reshaped } from './change-record.js';
import { SALES_WINDOW_MS } from '@dish-live/protocol/wire';
import { DishStore } from './store.js';

const dish = (id: string, over: Partial<Dish> = {}): Dish => ({
  id, name: id.toUpperCase(), category: 'c1', price: 1000, stock: 10, sold: 0, version: 1, updatedAt: 1, ...over,
});
const snapshot = (id: string, dishes: Dish[], chat: ChatMessageEvent[] = []) => ({
  id, dishes, sales: { bucketMs: 10_000, buckets: [{ t: 0, total: 3, byCategory: { c1: 3 } }] }, chat,
});
/** A store as the dashboard keeps it: a longer chat scrollback, and a change record for its frames. */
const recording = (onChange: () => void = () => undefined) => new DishStore(undefined, { chatLimit: 200, onChange });
const text = (m: ChatMessageEvent) => m.data.text;

describe('DishStore change record', () => {
  it('takes a snapshot whole and reports a structural change once', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a'), dish('b')]), 5_000);
    expect(s.lastId).toBe('5-0');
    expect(s.list().map((d) => d.id)).toEqual(['a', 'b']);
    expect(s.sales?.buckets).toEqual([{ t: 0, total: 3, byCategory: { c1: 3 } }]);
    const first = s.takeChanges();
    expect(reshaped(first)).toBe(true);
    expect(first.reset).toBe(true);
    expect(reshaped(s.takeChanges())).toBe(false);
  });

  it('records which fields of which dish changed, for the cells that flash', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    s.takeChanges();
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.updated', ts: 100, data: { dish: dish('a', { stock: 3, version: 2 }) } });
    const c = s.takeChanges();
    expect(reshaped(c)).toBe(false);
    expect([...(c.dishes.get('a') ?? [])]).toEqual(['stock']);
    expect(c.eventTs).toEqual([100]);
    expect(c.eventCount).toBe(1);
  });

  it('tells its listener once per message applied, and not for a duplicate', () => {
    let told = 0;
    const s = recording(() => told++);
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.updated', ts: 6, data: { dish: dish('a', { stock: 3, version: 2 }) } });
    s.applyState({ type: 'state', id: '7-0', dishes: [dish('a', { stock: 2, version: 3 })], chat: [] }, 7_000);
    expect(told).toBe(3);
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.updated', ts: 6, data: { dish: dish('a', { stock: 3, version: 2 }) } });
    s.applyState({ type: 'state', id: '7-0', dishes: [], chat: [] }, 7_000);
    expect(told).toBe(3);
  });

  it('ignores an event at or before the last id (a replay overlapping a switch)', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    s.takeChanges();
    const stale: DishEvent = { id: '5-0', prev: '4-0', type: 'dish.updated', ts: 1, data: { dish: dish('a', { stock: 0 }) } };
    expect(s.applyEvent(stale)).toBe('duplicate');
    expect(s.dishes.get('a')?.stock).toBe(10);
    expect(hasChanges(s.takeChanges())).toBe(false);
  });

  it('counts a sale in the bucket of its event time, by category, and names the bucket', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    s.takeChanges();
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.sold', ts: 25_500, data: { dish: dish('a', { stock: 8, sold: 2 }), qty: 2, orderId: 'o1' } });
    expect(s.sales?.buckets.find((b) => b.t === 20_000)).toEqual({ t: 20_000, total: 2, byCategory: { c1: 2 } });
    expect([...s.takeChanges().sales]).toEqual([20_000]);
  });

  it('applies creation, deletion and chat', () => {
    const s = recording();
    s.applyEvent({ id: '1-0', prev: '0-0', type: 'dish.created', ts: 1, data: { dish: dish('x') } });
    const said: ChatMessageEvent = { id: '2-0', prev: '1-0', type: 'chat.message', ts: 2, data: { author: 'ann', text: '<b>hi</b>' } };
    s.applyEvent(said);
    s.applyEvent({ id: '3-0', prev: '2-0', type: 'dish.deleted', ts: 3, data: { id: 'x' } });
    expect(s.dishes.size).toBe(0);
    expect(s.chat).toEqual([said]);
    const c = s.takeChanges();
    expect(reshaped(c) && c.chat.length > 0).toBe(true);
    expect([...c.added]).toEqual(['x']);
    expect([...c.removed]).toEqual(['x']);
    expect(c.chat).toEqual([said]);
    expect(s.lastId).toBe('3-0');
  });

  it('applies a conflated state: whole dishes, deletions, chat, and sales from the growth of sold', () => {
    const s = recording();
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
    expect(s.sales?.buckets.find((b) => b.t === 30_000)?.total).toBe(4);
    expect(s.chat.map(text)).toEqual(['yo']);
    // Latency samples: the chat's ts, and the updatedAt of the dish the state changed.
    const c = s.takeChanges();
    expect(c.eventTs).toEqual([7, 8]);
    expect(c.eventCount).toBe(2);
    expect([...(c.dishes.get('a') ?? [])]).toEqual(['stock', 'sold']);
    expect([...c.removed]).toEqual(['b']);
    // The chat events the client re-emits after the state are not applied twice.
    expect(s.applyEvent(state.chat[0]!)).toBe('duplicate');
  });

  it('keeps the latency samples bounded when no frame takes them', () => {
    const s = recording();
    for (let i = 1; i <= 10_000; i++) s.applyEvent({ id: `${i}-0`, prev: `${i - 1}-0`, type: 'chat.message', ts: i, data: { author: 'a', text: 't' } });
    const c = s.takeChanges();
    expect(c.eventCount).toBe(10_000);
    expect(c.eventTs.length).toBeLessThanOrEqual(4096);
    expect(c.chat.length).toBe(200);
    expect(s.chat.length).toBe(200);
  });

  it("shows a snapshot's chat after a reload, as text, oldest first", () => {
    const s = recording();
    const chat: ChatMessageEvent[] = [
      { id: '1-0', prev: '0-0', type: 'chat.message', ts: 1, data: { author: 'ann', text: '<b>first</b>' } },
      { id: '2-0', prev: '1-0', type: 'chat.message', ts: 2, data: { author: 'bo', text: 'second' } },
    ];
    s.applySnapshot(snapshot('5-0', [], chat), 5_000);
    expect(s.chat.map((m) => [m.data.author, m.data.text])).toEqual([['ann', '<b>first</b>'], ['bo', 'second']]);
    expect(s.takeChanges().chat.map(text)).toEqual(['<b>first</b>', 'second']);
  });

  it('keeps one window of sales however long the page stays open', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    const day = 86_400_000;
    let prev = '5-0';
    for (let t = 10_000, i = 6; t < day; t += 10_000, i++) {
      s.applyEvent({ id: `${i}-0`, prev, type: 'dish.sold', ts: t, data: { dish: dish('a', { sold: i }), qty: 1, orderId: `o${i}` } });
      prev = `${i}-0`;
    }
    const buckets = s.sales?.buckets ?? [];
    expect(buckets.length).toBeLessThanOrEqual(SALES_WINDOW_MS / 10_000 + 1);
    expect(Math.min(...buckets.map((b) => b.t))).toBeGreaterThanOrEqual(day - SALES_WINDOW_MS - 10_000);
    expect(s.sales?.knownFrom).toBeGreaterThanOrEqual(day - SALES_WINDOW_MS - 10_000);
  });

  it('knows sales from the oldest bucket a snapshot carried, or from the snapshot itself', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 25_000);
    expect(s.sales?.knownFrom).toBe(0);
    s.applySnapshot({ ...snapshot('6-0', [dish('a')]), sales: { bucketMs: 10_000, buckets: [] } }, 25_000);
    expect(s.sales?.knownFrom).toBe(20_000);
  });

  it('reports across a snapshot the dishes it added, removed and changed, and takes its chat as new', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a'), dish('b')]), 5_000);
    s.takeChanges();
    s.applySnapshot(snapshot('9-0', [dish('a', { price: 5, version: 2 }), dish('c')], [{ id: '8-0', prev: '7-0', type: 'chat.message', ts: 8, data: { author: 'ann', text: 'hi' } }]), 9_000);
    const c = s.takeChanges();
    expect(c.reset).toBe(true);
    expect([...c.added]).toEqual(['c']);
    expect([...c.removed]).toEqual(['b']);
    expect([...(c.dishes.get('a') ?? [])]).toEqual(['price']);
    expect(c.chat.map(text)).toEqual(['hi']);
  });

  it('keeps no record in a store not made to, and says so when asked for one', () => {
    const s = new DishStore();
    s.applySnapshot(snapshot('5-0', [dish('a')]), 5_000);
    expect(() => s.takeChanges()).toThrow(/onChange/);
  });
});

describe('mergeChanges', () => {
  it('folds a later record into an earlier one without losing a dish, a field, a bucket or a message', () => {
    const s = recording();
    s.applySnapshot(snapshot('5-0', [dish('a'), dish('b')]), 5_000);
    s.takeChanges();
    s.applyEvent({ id: '6-0', prev: '5-0', type: 'dish.updated', ts: 6, data: { dish: dish('a', { stock: 3, version: 2 }) } });
    s.applyEvent({ id: '7-0', prev: '6-0', type: 'chat.message', ts: 7, data: { author: 'ann', text: 'one' } });
    const first = mergeChanges(emptyChanges(), s.takeChanges());
    s.applyEvent({ id: '8-0', prev: '7-0', type: 'dish.sold', ts: 18_000, data: { dish: dish('a', { stock: 2, sold: 1, version: 3 }), qty: 1, orderId: 'o' } });
    s.applyEvent({ id: '9-0', prev: '8-0', type: 'chat.message', ts: 9, data: { author: 'ann', text: 'two' } });
    s.applyEvent({ id: '10-0', prev: '9-0', type: 'dish.deleted', ts: 10, data: { id: 'b' } });
    const merged = mergeChanges(first, s.takeChanges());
    expect([...(merged.dishes.get('a') ?? [])]).toEqual(['stock', 'sold']);
    expect([...merged.sales]).toEqual([10_000]);
    expect(merged.chat.map(text)).toEqual(['one', 'two']);
    expect([...merged.removed]).toEqual(['b']);
    expect(merged.eventCount).toBe(5);
    expect(reshaped(merged)).toBe(true);
  });
});
