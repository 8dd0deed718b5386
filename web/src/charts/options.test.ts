import { describe, expect, it } from 'vitest';
import type { Dish } from '@dish-live/protocol';
import { barRows, reordered } from './bar-rows.js';
import { categoryColor } from './palette.js';
import { salesInWindow, salesSeries, salesUpdate, salesWindow, type SalesInput } from './sales-option.js';

const dish = (id: string, stock: number, sold: number, category = 'c'): Dish => ({
  id, name: id, category, price: 1, stock, sold, version: 1, updatedAt: 0,
});

describe('bar rows', () => {
  it('puts the largest value first, keeps the given order between equals, and scales to the largest', () => {
    const rows = barRows([dish('a', 5, 1), dish('b', 10, 0), dish('c', 5, 2)], 'stock');
    expect(rows.map((r) => [r.id, r.value, r.percent])).toEqual([['b', 10, 100], ['a', 5, 50], ['c', 5, 50]]);
    expect(barRows([dish('a', 5, 1), dish('c', 5, 2)], 'sold').map((r) => r.id)).toEqual(['c', 'a']);
    expect(barRows([dish('a', 0, 0)], 'sold')[0]!.percent).toBe(0);
  });

  it('tells a change of values from a change of places', () => {
    const before = barRows([dish('a', 5, 0), dish('b', 3, 0)], 'stock');
    expect(reordered(before, barRows([dish('a', 9, 0), dish('b', 1, 0)], 'stock'))).toBe(false);
    expect(reordered(before, barRows([dish('a', 2, 0), dish('b', 3, 0)], 'stock'))).toBe(true);
    expect(reordered(before, barRows([dish('a', 5, 0)], 'stock'))).toBe(true);
  });
});

describe('category colours', () => {
  const menu = ['京菜', '粤菜', '汤', '点心', '沪菜', '淮扬菜', '川菜', '湘菜'];

  it('depend on the name alone: not on the locale, the order seen, or the categories added since', () => {
    const forward = menu.map(categoryColor);
    const backward = [...menu].reverse().map(categoryColor).reverse();
    expect(backward).toEqual(forward);
    categoryColor('新菜系');
    expect(menu.map(categoryColor)).toEqual(forward);
    // The same in every language's sort order: the function never sees an order.
    const zhSorted = [...menu].sort((a, b) => a.localeCompare(b, 'zh-CN'));
    expect(zhSorted.map(categoryColor)).toEqual(zhSorted.map((c) => forward[menu.indexOf(c)]));
  });

  it("give the demo menu's categories different colours", () => {
    expect(new Set(menu.map(categoryColor)).size).toBe(menu.length);
  });
});

describe('sales series', () => {
  const input = (over: Partial<SalesInput> = {}): SalesInput => ({
    buckets: [{ t: 100_000, total: 3, byCategory: { a: 2, b: 1 } }, { t: 120_000, total: 5, byCategory: { a: 5 } }],
    bucketMs: 10_000,
    knownFrom: 0,
    now: 125_000,
    categories: ['a', 'b'],
    totalName: 'Total',
    ...over,
  });

  it('slides a window that ends after the current bucket', () => {
    expect(salesWindow(125_000, 10_000, 60_000)).toEqual({ from: 70_000, to: 130_000 });
  });

  it('draws closed buckets, zero where nothing sold, and the bucket in progress apart as a dashed segment', () => {
    const series = salesSeries(input(), { from: 90_000, to: 130_000 });
    expect(series.map((s) => s.id)).toEqual(['total', 'cat:a', 'cat:b', 'total:progress']);
    // The current bucket (120 s, still filling) is not on the solid lines: it cannot read as a fall in sales.
    expect(series[0]!.data).toEqual([[90_000, 0], [100_000, 3], [110_000, 0]]);
    expect(series[2]!.data).toEqual([[90_000, 0], [100_000, 1], [110_000, 0]]);
    expect(series[3]).toMatchObject({ inProgress: true, name: 'Total', data: [[110_000, 0], [120_000, 5]] });
  });

  it('leaves time before sales were known blank instead of drawing zeros', () => {
    const series = salesSeries(input({ knownFrom: 100_000 }), { from: 0, to: 130_000 });
    expect(series[0]!.data).toEqual([[100_000, 3], [110_000, 0]]);
    const fresh = salesSeries(input({ knownFrom: 120_000 }), { from: 0, to: 130_000 });
    expect(fresh[0]!.data).toEqual([]);
    expect(fresh[3]!.data).toEqual([[120_000, 5]]);
  });

  it('counts what sold in the window, the bucket in progress included', () => {
    expect(salesInWindow(input().buckets, { from: 110_000, to: 130_000 })).toBe(5);
    expect(salesInWindow(input().buckets, { from: 90_000, to: 130_000 })).toBe(8);
  });

  it('sends only data and the window when the series are the same', () => {
    const series = salesSeries(input(), { from: 0, to: 20_000 });
    const update = salesUpdate(series, { from: 0, to: 20_000 }, false) as { series: object[] };
    expect(Object.keys(update.series[0]!)).toEqual(['id', 'data']);
    const full = salesUpdate(series, { from: 0, to: 20_000 }, true) as { series: { type: string; lineStyle: { type?: string } }[] };
    expect(full.series[0]!.type).toBe('line');
    expect(full.series.at(-1)!.lineStyle.type).toBe('dashed');
  });
});
