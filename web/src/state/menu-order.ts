// The order the dashboard lists dishes and categories in: plain string order, the same in every browser and language.
import type { DishStore } from '@dish-live/client';
import type { Dish } from '@dish-live/protocol';

/** Dishes by category, then name, then id: the order rows keep. Not localeCompare, whose order differs by language. */
export function orderedDishes(store: Pick<DishStore, 'dishes'>): Dish[] {
  return [...store.dishes.values()].sort(byCategoryThenName);
}

/** Every category on the menu or in the sales history. */
export function categoriesOf(store: Pick<DishStore, 'dishes' | 'sales'>): string[] {
  const set = new Set<string>();
  for (const d of store.dishes.values()) set.add(d.category);
  for (const bucket of store.sales?.buckets ?? []) for (const c of Object.keys(bucket.byCategory)) set.add(c);
  return [...set].sort(byCodePoint);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCategoryThenName(a: Dish, b: Dish): number {
  return byCodePoint(a.category, b.category) || byCodePoint(a.name, b.name) || byCodePoint(a.id, b.id);
}
