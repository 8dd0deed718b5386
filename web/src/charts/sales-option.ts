// The sales line chart's ECharts options: total and per-category sales per time bucket over a sliding window.
import type { EChartsCoreOption } from 'echarts/core';
import type { SalesPoint } from '../state/store.js';
import { categoryColor, TOTAL_COLOR, type ChartTheme } from './palette.js';

export interface SalesSeries {
  id: string;
  name: string;
  color: string;
  data: [number, number][];
}

export interface SalesWindow {
  from: number;
  to: number;
}

/** The window ends at the current bucket's end, so the newest bucket is always fully on screen. */
export function salesWindow(now: number, bucketMs: number, windowMs: number): SalesWindow {
  const to = now - (now % bucketMs) + bucketMs;
  return { from: to - windowMs, to };
}

/**
 * One point per bucket in the window, zeros where nothing sold (a gap is a quiet time, not missing data):
 * the total first, then one series per category.
 */
export function salesSeries(
  sales: ReadonlyMap<number, SalesPoint>,
  bucketMs: number,
  window: SalesWindow,
  categories: readonly string[],
  totalName: string,
): SalesSeries[] {
  const total: [number, number][] = [];
  const per = categories.map(() => [] as [number, number][]);
  const first = window.from - (window.from % bucketMs);
  for (let t = first; t < window.to; t += bucketMs) {
    const point = sales.get(t);
    total.push([t, point?.total ?? 0]);
    categories.forEach((c, i) => per[i]!.push([t, point?.byCategory[c] ?? 0]));
  }
  return [
    { id: 'total', name: totalName, color: TOTAL_COLOR, data: total },
    ...categories.map((c, i) => ({ id: `cat:${c}`, name: c, color: categoryColor(c), data: per[i]! })),
  ];
}

function seriesOption(s: SalesSeries) {
  const isTotal = s.id === 'total';
  return {
    id: s.id,
    name: s.name,
    type: 'line',
    showSymbol: false,
    smooth: false,
    data: s.data,
    color: s.color,
    lineStyle: { width: isTotal ? 3 : 1.5 },
    ...(isTotal ? { areaStyle: { opacity: 0.12 } } : {}),
  };
}

export function salesBaseOption(series: SalesSeries[], window: SalesWindow, theme: ChartTheme): EChartsCoreOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { type: 'scroll', top: 0, textStyle: { color: theme.text } },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'time',
      min: window.from,
      max: window.to,
      axisLabel: { color: theme.axis },
      axisLine: { lineStyle: { color: theme.axis } },
      splitLine: { show: false },
    },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: theme.axis }, splitLine: { lineStyle: { color: theme.split } } },
    series: series.map(seriesOption),
  };
}

/**
 * The update for one frame. When the set of series is the same only data and the window move; when a category
 * appears or goes, the series list is replaced (the caller passes `replaceMerge: ['series']`).
 */
export function salesUpdate(series: SalesSeries[], window: SalesWindow, seriesChanged: boolean): EChartsCoreOption {
  return {
    xAxis: { min: window.from, max: window.to },
    series: seriesChanged ? series.map(seriesOption) : series.map((s) => ({ id: s.id, data: s.data })),
  };
}
