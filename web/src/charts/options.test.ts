import { describe, expect, it } from 'vitest';
import type { Dish } from '@dish-live/protocol';
import { barBaseOption, barData, barUpdate, escapeText } from './bar-option.js';
import { CHART_THEMES, categoryColor } from './palette.js';
import { salesSeries, salesUpdate, salesWindow } from './sales-option.js';

const dish = (id: string, stock: number, sold: number, category = 'c'): Dish => ({
  id, name: id, category, price: 1, stock, sold, version: 1, updatedAt: 0,
});

describe('bar options', () => {
  it('builds a realtime-sorted, inverted bar chart of the chosen metric', () => {
    const data = barData([dish('a', 5, 1), dish('b', 7, 0)], 'stock');
    expect(data.ids).toEqual(['a', 'b']);
    expect(data.values.map((v) => v.value)).toEqual([5, 7]);
    const option = barBaseOption(data, CHART_THEMES.light, (id) => id) as {
      yAxis: { inverse: boolean }; series: { realtimeSort: boolean }[]; animationDurationUpdate: number;
    };
    expect(option.yAxis.inverse).toBe(true);
    expect(option.series[0]!.realtimeSort).toBe(true);
    expect(option.animationDurationUpdate).toBeLessThan(1000);
    expect(barData([dish('a', 5, 1)], 'sold').values[0]!.value).toBe(1);
  });

  it('updates only series data unless the set of dishes changed', () => {
    const data = barData([dish('a', 5, 1)], 'stock');
    expect(barUpdate(data, false)).not.toHaveProperty('yAxis');
    expect(barUpdate(data, true)).toHaveProperty('yAxis.data', ['a']);
  });

  it('colours by category, the same everywhere, different while there are colours left', () => {
    expect(barData([dish('a', 1, 1, '川菜')], 'stock').values[0]!.itemStyle.color).toBe(categoryColor('川菜'));
    const categories = ['京菜', '粤菜', '汤', '点心', '沪菜', '淮扬菜', '川菜', '湘菜'];
    const colors = categories.map(categoryColor);
    expect(new Set(colors).size).toBe(categories.length);
    expect(categories.map(categoryColor)).toEqual(colors);
  });

  it('escapes names for the HTML tooltip', () => {
    expect(escapeText('<img onerror=x>&')).toBe('&#60;img onerror=x&#62;&#38;');
  });
});

describe('sales options', () => {
  it('slides a window that ends after the current bucket', () => {
    expect(salesWindow(125_000, 10_000, 60_000)).toEqual({ from: 70_000, to: 130_000 });
  });

  it('has one point per bucket, zero where nothing sold, total first then per category', () => {
    const sales = new Map([[100_000, { total: 3, byCategory: { a: 2, b: 1 } }]]);
    const series = salesSeries(sales, 10_000, { from: 90_000, to: 120_000 }, ['a', 'b'], 'Total');
    expect(series.map((s) => s.id)).toEqual(['total', 'cat:a', 'cat:b']);
    expect(series[0]!.data).toEqual([[90_000, 0], [100_000, 3], [110_000, 0]]);
    expect(series[2]!.data).toEqual([[90_000, 0], [100_000, 1], [110_000, 0]]);
  });

  it('sends only data and the window when the series are the same', () => {
    const series = salesSeries(new Map(), 10_000, { from: 0, to: 20_000 }, [], 'Total');
    const update = salesUpdate(series, { from: 0, to: 20_000 }, false) as { series: object[] };
    expect(Object.keys(update.series[0]!)).toEqual(['id', 'data']);
    const full = salesUpdate(series, { from: 0, to: 20_000 }, true) as { series: { type: string }[] };
    expect(full.series[0]!.type).toBe('line');
  });
});
