import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, alertsFor, type AlertType } from './alert-rules.js';

describe('alertsFor', () => {
  it.each<[number, number, AlertType[]]>([
    [6, 5, []],
    [5, 4, ['stock.low']],
    [6, 1, ['stock.low']],
    [4, 3, []],
    [3, 0, ['dish.sold_out']],
    [10, 0, ['stock.low', 'dish.sold_out']],
    [5, 0, ['stock.low', 'dish.sold_out']],
    [0, 0, []],
    [0, 3, ['dish.back_in_stock']],
    [0, 50, ['dish.back_in_stock']],
    [3, 7, []],
    [4, 5, []],
    [9, 9, []],
  ])('from %i to %i with the default threshold: %j', (previous, stock, alerts) => {
    expect(alertsFor(previous, stock)).toEqual(alerts);
  });

  it('fires stock.low again each time the stock comes back to the threshold and drops below it', () => {
    const path = [8, 4, 2, 6, 3, 5, 4];
    const alerts = path.slice(1).flatMap((stock, i) => alertsFor(path[i], stock));
    expect(alerts).toEqual(['stock.low', 'stock.low', 'stock.low']);
  });

  it('tells a whole day of one dish in order: low, sold out, back, low again', () => {
    const path = [20, 12, 4, 1, 0, 0, 10, 2];
    const alerts = path.slice(1).flatMap((stock, i) => alertsFor(path[i], stock));
    expect(alerts).toEqual(['stock.low', 'dish.sold_out', 'dish.back_in_stock', 'stock.low']);
  });

  it('raises nothing for a dish seen for the first time or just deleted', () => {
    expect(alertsFor(undefined, 0)).toEqual([]);
    expect(alertsFor(undefined, 3)).toEqual([]);
    expect(alertsFor(3, undefined)).toEqual([]);
    expect(alertsFor(0, undefined)).toEqual([]);
  });

  it('uses the webhook threshold: 0 never fires stock.low, 1 fires it with sold_out', () => {
    expect(alertsFor(25, 19, 20)).toEqual(['stock.low']);
    expect(alertsFor(25, 20, 20)).toEqual([]);
    expect(alertsFor(1, 0, 0)).toEqual(['dish.sold_out']);
    expect(alertsFor(1, 0, 1)).toEqual(['stock.low', 'dish.sold_out']);
    expect(alertsFor(2, 1, 1)).toEqual([]);
    expect(alertsFor(0, 2, 10)).toEqual(['dish.back_in_stock']);
  });

  it('keeps only the webhook events, in rule order', () => {
    expect(alertsFor(10, 0, 5, ['dish.sold_out'])).toEqual(['dish.sold_out']);
    expect(alertsFor(10, 0, 5, ['dish.sold_out', 'stock.low'])).toEqual(['stock.low', 'dish.sold_out']);
    expect(alertsFor(10, 0, 5, ['dish.back_in_stock'])).toEqual([]);
    expect(alertsFor(10, 0, 5, [])).toEqual([]);
    expect(alertsFor(10, 0, 5, ALERT_TYPES)).toEqual(['stock.low', 'dish.sold_out']);
  });
});
