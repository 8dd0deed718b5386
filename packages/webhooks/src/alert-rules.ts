// The alert rules: which alerts one dish's stock change raises for one webhook.
import { z } from 'zod';

export const ALERT_TYPES = ['stock.low', 'dish.sold_out', 'dish.back_in_stock'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export const alertTypeSchema = z.enum(ALERT_TYPES);

/** A webhook registered without `threshold` is told when a dish's stock drops below 5. */
export const DEFAULT_STOCK_THRESHOLD = 5;

/**
 * The alerts of one stock transition, in the order the stock passed them: a drop from 10 to 0 is `stock.low` then
 * `dish.sold_out`. `undefined` on either side is a dish not seen before or just deleted: no transition, no alert,
 * so a dish created empty is not "sold out" and a deleted one is not either. A threshold of 0 never fires
 * `stock.low` (stock cannot go below 0); a threshold of 1 fires it together with `dish.sold_out`.
 */
export function alertsFor(
  previousStock: number | undefined,
  stock: number | undefined,
  threshold: number = DEFAULT_STOCK_THRESHOLD,
  events: readonly AlertType[] = ALERT_TYPES,
): AlertType[] {
  if (previousStock === undefined || stock === undefined) return [];
  const raised: AlertType[] = [];
  if (previousStock >= threshold && stock < threshold) raised.push('stock.low');
  if (previousStock > 0 && stock === 0) raised.push('dish.sold_out');
  if (previousStock === 0 && stock > 0) raised.push('dish.back_in_stock');
  return raised.filter((type) => events.includes(type));
}
