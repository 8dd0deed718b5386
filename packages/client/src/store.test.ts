import { describe, expect, it } from 'vitest';
import { SALES_WINDOW_MS } from '@dish-live/protocol/wire';
import { DishStore } from './store.js';
import { chat, dish, sold, updated } from './test-fixtures.test-helpers.js';

const sales = (bucketMs = 1000, buckets: { t: number; total: number; byCategory: Record<string, number> }[] = []) => ({ bucketMs, buckets });

describe('DishStore', () => {
  it('starts empty, at the since it was given', () => {
    expect(new DishStore().lastId).toBeUndefined();
    expect(new DishStore('5-0').lastId).toBe('5-0');
    expect(new DishStore().list()).toEqual([]);
  });

  it('replaces everything with a snapshot and takes its id', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '3-0', dishes: [dish('a'), dish('b')], sales: sales() });
    store.applySnapshot({ id: '9-0', dishes: [dish('c')], sales: sales() });
    expect(store.list().map((d) => d.id)).toEqual(['c']);
    expect(store.lastId).toBe('9-0');
  });

  it('takes a snapshot even when it is older than the last id (a fresh start is always authoritative)', () => {
    const store = new DishStore('100-0');
    store.applySnapshot({ id: '0-0', dishes: [], sales: sales() });
    expect(store.lastId).toBe('0-0');
    expect(store.applyEvent(updated('1-0', '0-0', dish('a')))).toBe('applied');
  });

  it('with a category filter, drops a dish moved out of it and takes one moved in', () => {
    const store = new DishStore();
    store.categories = new Set(['soup']);
    store.applySnapshot({ id: '1-0', dishes: [dish('a', { category: 'soup' })] });
    store.applyEvent(updated('2-0', '1-0', dish('a', { category: 'grill' })));
    expect([...store.dishes.keys()]).toEqual([]);
    store.applyEvent(updated('3-0', '2-0', dish('b', { category: 'soup' })));
    expect([...store.dishes.keys()]).toEqual(['b']);
    expect(store.lastId).toBe('3-0');
  });

  it('applies created, updated and sold as the whole dish, and deleted by id', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '1-0', dishes: [dish('a')], sales: sales() });
    expect(store.applyEvent({ type: 'dish.created', id: '2-0', prev: '1-0', ts: 1, data: { dish: dish('b', { price: 5 }) } })).toBe('applied');
    expect(store.applyEvent(updated('3-0', '2-0', dish('a', { price: 7, version: 2 })))).toBe('applied');
    expect(store.applyEvent(sold('4-0', '3-0', dish('b', { price: 5, stock: 8, sold: 2, version: 2 }), 2))).toBe('applied');
    expect(store.applyEvent({ type: 'dish.deleted', id: '5-0', prev: '4-0', ts: 1, data: { id: 'a' } })).toBe('applied');
    expect(store.dishes.get('a')).toBeUndefined();
    expect(store.dishes.get('b')).toMatchObject({ price: 5, stock: 8, sold: 2 });
    expect(store.lastId).toBe('5-0');
  });

  it('drops an event at or before the last id as a duplicate, changing nothing', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '10-0', dishes: [dish('a', { price: 1 })], sales: sales() });
    const revision = store.revision;
    expect(store.applyEvent(updated('10-0', '9-0', dish('a', { price: 2 })))).toBe('duplicate');
    expect(store.applyEvent(updated('9-5', '9-0', dish('a', { price: 3 })))).toBe('duplicate');
    expect(store.applyEvent({ type: 'dish.deleted', id: '2-0', prev: '1-0', ts: 1, data: { id: 'a' } })).toBe('duplicate');
    expect(store.dishes.get('a')?.price).toBe(1);
    expect(store.revision).toBe(revision);
    expect(store.applyEvent(updated('10-1', '10-0', dish('a', { price: 4 })))).toBe('applied');
    expect(store.dishes.get('a')?.price).toBe(4);
  });

  it('compares ids as numbers: 10-0 is after 9-0 and 5-10 after 5-9', () => {
    const store = new DishStore('9-0');
    expect(store.applyEvent(updated('10-0', '9-0', dish('a')))).toBe('applied');
    const other = new DishStore('5-9');
    expect(other.applyEvent(updated('5-10', '5-9', dish('a')))).toBe('applied');
  });

  it('does not bring back a deleted dish from a replayed older update', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '1-0', dishes: [dish('a')], sales: sales() });
    store.applyEvent(updated('2-0', '1-0', dish('a', { version: 2 })));
    store.applyEvent({ type: 'dish.deleted', id: '3-0', prev: '2-0', ts: 1, data: { id: 'a' } });
    expect(store.applyEvent(updated('2-0', '1-0', dish('a', { version: 2 })))).toBe('duplicate');
    expect(store.dishes.has('a')).toBe(false);
  });

  it('applies a conflated state: whole dishes, deleted markers, its id, and returns only the new chat', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '5-0', dishes: [dish('a'), dish('b')], sales: sales() });
    const { result, chat: newChat } = store.applyState({
      type: 'state',
      id: '9-0',
      dishes: [dish('a', { price: 99, version: 5 }), { id: 'b', deleted: true }, dish('c')],
      chat: [chat('4-0', '3-0', 'old'), chat('6-0', '5-0', 'one'), chat('8-0', '6-0', 'two')],
    });
    expect(result).toBe('applied');
    expect(newChat.map((c) => c.data.text)).toEqual(['one', 'two']);
    expect(store.list().map((d) => [d.id, d.price])).toEqual([
      ['a', 99],
      ['c', 1000],
    ]);
    expect(store.lastId).toBe('9-0');
  });

  it('drops a state at or before the last id as a duplicate', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '9-0', dishes: [dish('a', { price: 1 })], sales: sales() });
    expect(store.applyState({ type: 'state', id: '9-0', dishes: [dish('a', { price: 2 })], chat: [chat('9-0', '8-0', 'x')] })).toEqual({
      result: 'duplicate',
      chat: [],
    });
    expect(store.dishes.get('a')?.price).toBe(1);
  });

  it('counts sold events into the sales bucket of their time, by category', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '1-0', dishes: [dish('a')], sales: sales(1000, [{ t: 1000, total: 1, byCategory: { mains: 1 } }]) });
    store.applyEvent(sold('2-0', '1-0', dish('a', { sold: 2 }), 2, 1500));
    store.applyEvent(sold('3-0', '2-0', dish('a', { sold: 3, category: 'drinks' }), 1, 2100));
    expect(store.sales?.buckets).toEqual([
      { t: 1000, total: 3, byCategory: { mains: 3 } },
      { t: 2000, total: 1, byCategory: { drinks: 1 } },
    ]);
  });

  it('counts the sales a conflated state stands for from the sold difference', () => {
    const store = new DishStore();
    store.applySnapshot({ id: '1-0', dishes: [dish('a', { sold: 4 })], sales: sales(1000) });
    store.applyState({ type: 'state', id: '5-0', dishes: [dish('a', { sold: 7 })], chat: [] }, 42_300);
    expect(store.sales?.buckets).toEqual([{ t: 42_000, total: 3, byCategory: { mains: 3 } }]);
  });

  it('keeps one window of sales buckets however long it runs, sliding old ones out', () => {
    const store = new DishStore();
    const bucketMs = 10_000;
    const perWindow = SALES_WINDOW_MS / bucketMs;
    // An old server's snapshot with a whole day: only the last window is kept.
    const day = Array.from({ length: 8640 }, (_, i) => ({ t: i * bucketMs, total: 1, byCategory: {} }));
    store.applySnapshot({ id: '1-0', dishes: [dish('a')], sales: sales(bucketMs, day) });
    expect(store.sales?.buckets).toHaveLength(perWindow);
    // A day of live sales after it: still one window.
    let prev = '1-0';
    for (let i = 0; i < 8640; i++) {
      const id = `${i + 2}-0`;
      store.applyEvent(sold(id, prev, dish('a', { sold: i + 1 }), 1, (8640 + i) * bucketMs));
      prev = id;
    }
    expect(store.sales?.buckets).toHaveLength(perWindow);
    expect(store.sales?.buckets.at(-1)).toEqual({ t: (2 * 8640 - 1) * bucketMs, total: 1, byCategory: { mains: 1 } });
  });

  it("keeps a snapshot's chat and the chat after it, the most recent 50", () => {
    const store = new DishStore();
    const earlier = Array.from({ length: 50 }, (_, i) => chat(`${i + 1}-0`, i === 0 ? '0-0' : `${i}-0`, `m${i + 1}`));
    store.applySnapshot({ id: '50-0', dishes: [], sales: sales(), chat: earlier });
    expect(store.chat.map((c) => c.data.text)).toEqual(earlier.map((c) => c.data.text));
    store.applyEvent(chat('51-0', '50-0', 'm51'));
    expect(store.chat).toHaveLength(50);
    expect(store.chat[0]?.data.text).toBe('m2');
    expect(store.chat.at(-1)?.data.text).toBe('m51');
    // An old server's snapshot without chat leaves none.
    store.applySnapshot({ id: '60-0', dishes: [], sales: sales() });
    expect(store.chat).toEqual([]);
  });

  it('clears to nothing for another restaurant: no dish, sales, chat or last id left, recorded as a reset', () => {
    let told = 0;
    const store = new DishStore(undefined, { onChange: () => told++ });
    store.applySnapshot({ id: '3-0', dishes: [dish('a'), dish('b')], sales: sales(1000, [{ t: 0, total: 1, byCategory: { mains: 1 } }]), chat: [chat('2-0', '1-0', 'hi')] });
    store.takeChanges();
    store.clear();
    expect([store.list(), store.sales, store.chat, store.lastId]).toEqual([[], undefined, [], undefined]);
    expect(told).toBe(2);
    const changes = store.takeChanges();
    expect(changes.reset).toBe(true);
    expect([...changes.removed].sort()).toEqual(['a', 'b']);
    expect(changes.chat).toEqual([]);
    // The next restaurant's snapshot is taken, whatever its id.
    store.applySnapshot({ id: '1-0', dishes: [dish('c')], sales: sales() });
    expect(store.list().map((d) => d.id)).toEqual(['c']);
    expect(store.lastId).toBe('1-0');
  });

  it('does not change the snapshot object it was given', () => {
    const store = new DishStore();
    const snapshotSales = sales(1000, [{ t: 0, total: 0, byCategory: {} }]);
    store.applySnapshot({ id: '1-0', dishes: [dish('a')], sales: snapshotSales });
    store.applyEvent(sold('2-0', '1-0', dish('a', { sold: 1 }), 1, 10));
    expect(snapshotSales.buckets).toEqual([{ t: 0, total: 0, byCategory: {} }]);
  });
});
