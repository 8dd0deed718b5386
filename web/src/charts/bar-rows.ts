// The dish bar chart's rows: one per dish, largest value first, as plain data the component draws with HTML.
import type { Dish } from '@dish-live/protocol';
import { categoryColor } from './palette.js';

export type BarMetric = 'stock' | 'sold';

/** Long enough to see a bar grow, short enough that a change lands well within a second. */
export const BAR_ANIMATION_MS = 350;

/** The most often the bar chart takes new values: each update's animation runs to its end before the next starts. */
export const BAR_UPDATE_MS = 500;

export interface BarRow {
  id: string;
  name: string;
  category: string;
  value: number;
  color: string;
  /** Bar length, in % of the longest. */
  percent: number;
}

/**
 * Rows sorted by value, largest first; equal values keep the order they were given in (the store's stable order),
 * so two dishes with the same value never swap places back and forth.
 */
export function barRows(dishes: readonly Dish[], metric: BarMetric): BarRow[] {
  const max = dishes.reduce((m, d) => Math.max(m, d[metric]), 0);
  return dishes
    .map((d) => ({
      id: d.id,
      name: d.name,
      category: d.category,
      value: d[metric],
      color: categoryColor(d.category),
      percent: max > 0 ? (d[metric] / max) * 100 : 0,
    }))
    .sort((a, b) => b.value - a.value);
}

/**
 * Whether the rows changed places. When they did, the bars jump to their new values at once: rows that glide past
 * each other overlap mid-way, and a bar still growing from its old length sits out of order. When they did not, every
 * bar animates together on the same curve from one sorted state to the next, and so stays sorted at every frame.
 */
export function reordered(before: readonly BarRow[], after: readonly BarRow[]): boolean {
  return before.length !== after.length || before.some((row, i) => row.id !== after[i]?.id);
}
