// Rolling a view back through the events after an id gives the digest of the state at that id, filtered or not, and
// says "unknown" rather than guess when a before-image is missing.
import { describe, expect, it } from 'vitest';
import { stateDigest, type Dish, type DishEvent, type Snapshot } from '@dish-live/protocol';
import { digestBefore, filteredDigest } from './rollback.js';
import { View } from './view.js';

const dish = (id: string, category: string, version: number): Dish => ({
  id, name: id, category, price: 100, stock: 10, sold: 0, version, updatedAt: 0,
});
const empty = (id = '0-0', dishes: Dish[] = []): Snapshot => ({ id, dishes, sales: { bucketMs: 1000, buckets: [] }, chat: [] });

/** Creates, updates, a category move, sales, chat, a delete and a re-create under the same id. */
function history(): DishEvent[] {
  const steps: [DishEvent['type'], unknown][] = [
    ['dish.created', { dish: dish('a', 'soup', 1) }],
    ['dish.created', { dish: dish('b', 'soup', 1) }],
    ['dish.created', { dish: dish('c', 'grill', 1) }],
    ['dish.sold', { dish: dish('a', 'soup', 2), qty: 1, orderId: 'o1' }],
    ['chat.message', { author: 'x', text: 'hi' }],
    ['dish.updated', { dish: dish('b', 'grill', 2) }],
    ['dish.sold', { dish: dish('c', 'grill', 2), qty: 2, orderId: 'o2' }],
    ['dish.deleted', { id: 'a', category: 'soup' }],
    ['dish.updated', { dish: dish('b', 'grill', 3) }],
    ['dish.created', { dish: dish('a', 'grill', 1) }],
    ['dish.sold', { dish: dish('b', 'grill', 4), qty: 1, orderId: 'o3' }],
    ['dish.deleted', { id: 'c', category: 'grill' }],
  ];
  let prev = '0-0';
  return steps.map(([type, data], i) => {
    const event = { id: `${1000 + i}-0`, prev, type, ts: 1000 + i, data } as DishEvent;
    prev = event.id;
    return event;
  });
}

const filters = [undefined, new Set(['soup']), new Set(['grill']), new Set(['soup', 'grill'])];

describe('digestBefore', () => {
  it('gives the digest of the state at every earlier id, with and without a filter', () => {
    const events = history();
    const view = new View(empty(), 3_600_000);
    // What each filter's clients hold at each id, recorded as the view moves forward.
    const recorded = new Map<string, string[]>([['0-0', filters.map(() => stateDigest([]))]]);
    for (const event of events) {
      view.apply(event);
      recorded.set(event.id, filters.map((f) => filteredDigest(view.snapshot(f).dishes, f)));
    }
    const ids = ['0-0', ...events.map((e) => e.id)];
    ids.forEach((id, i) => {
      const after = events.slice(i);
      filters.forEach((f, n) => {
        expect(digestBefore(view.dishes, after, view.undo, f), `at ${id}, filter ${[...(f ?? ['none'])].join(',')}`).toBe(recorded.get(id)![n]);
      });
    });
  });

  it('says unknown for a delete or a category move older than the view, and never guesses', () => {
    const events = history();
    // A view loaded at the 9th event: it did not apply the delete of `a` or the move of `b` to grill.
    const loadedAt = events[8]!;
    const reference = new View(empty(), 3_600_000);
    for (const event of events.slice(0, 9)) reference.apply(event);
    const view = new View(empty(loadedAt.id, reference.snapshot().dishes), 3_600_000);
    for (const event of events.slice(9)) view.apply(event);
    // Back to the 9th event: only what this view applied, all known.
    expect(digestBefore(view.dishes, events.slice(9), view.undo, undefined)).toBe(filteredDigest(reference.snapshot().dishes, undefined));
    // Back across the delete of `a` (event 8): its version is in no event.
    expect(digestBefore(view.dishes, events.slice(7), view.undo, undefined)).toBeUndefined();
    // Back across the second update of b only (event 9, a version bump): the version is known, not its category.
    expect(digestBefore(view.dishes, events.slice(8), view.undo, undefined)).toBeDefined();
    expect(digestBefore(view.dishes, events.slice(8), view.undo, new Set(['soup']))).toBeUndefined();
  });

  it('hashes the empty set as the empty string', () => {
    expect(filteredDigest([], undefined)).toBe(stateDigest([]));
    expect(filteredDigest([dish('a', 'soup', 1)], new Set(['grill']))).toBe(stateDigest([]));
  });
});
