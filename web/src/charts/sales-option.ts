// The sales line chart's ECharts options: total and per-category sales per time bucket over a sliding window.
import { bucketStart, type SalesBuckets } from '@dish-live/protocol/wire';
import type { SalesBucket } from '@dish-live/protocol';
import type { EChartsCoreOption } from 'echarts/core';
import { categoryColor, TOTAL_COLOR, type ChartTheme } from './palette.js';

export interface SalesSeries {
  id: string;
  name: string;
  color: string;
  data: [number, number][];
  /** The bucket still filling: drawn apart (dashed), so a partial count does not read as a fall in sales. */
  inProgress?: boolean;
}

export interface SalesWindow {
  from: number;
  to: number;
}

/** The window ends at the current bucket's end, so the newest bucket is always fully on screen. */
export function salesWindow(now: number, bucketMs: number, windowMs: number): SalesWindow {
  const to = bucketStart(now, bucketMs) + bucketMs;
  return { from: to - windowMs, to };
}

export interface SalesInput {
  /** Oldest first. */
  buckets: readonly SalesBucket[];
  bucketMs: number;
  /** Buckets before this are unknown (the service had not started, or the history was not sent): left blank. */
  knownFrom: number;
  now: number;
  categories: readonly string[];
  totalName: string;
}

/** The bucket width assumed until a snapshot says it (the dish service's default): there is nothing to draw yet. */
const UNKNOWN_BUCKET_MS = 10_000;

/** The store's sales, or an empty history from `now` while there are none. */
export function salesHistory(sales: SalesBuckets | undefined, now: number): Pick<SalesInput, 'buckets' | 'bucketMs' | 'knownFrom'> {
  return sales ?? { buckets: [], bucketMs: UNKNOWN_BUCKET_MS, knownFrom: now };
}

/**
 * One point per closed bucket from the first known one, zero where nothing sold (a quiet time, not missing data): the
 * total first, then one series per category; then the total's bucket in progress, as a segment of its own.
 */
export function salesSeries(input: SalesInput, window: SalesWindow): SalesSeries[] {
  const { bucketMs, categories } = input;
  const at = bucketCursor(input.buckets);
  const current = bucketStart(input.now, bucketMs);
  const total: [number, number][] = [];
  const per = categories.map(() => [] as [number, number][]);
  const start = Math.max(bucketStart(window.from, bucketMs), input.knownFrom);
  for (let t = start; t < current; t += bucketMs) {
    const point = at(t);
    total.push([t, point?.total ?? 0]);
    categories.forEach((c, i) => per[i]!.push([t, point?.byCategory[c] ?? 0]));
  }
  const series: SalesSeries[] = [
    { id: 'total', name: input.totalName, color: TOTAL_COLOR, data: total },
    ...categories.map((c, i) => ({ id: `cat:${c}`, name: c, color: categoryColor(c), data: per[i]! })),
  ];
  if (current >= input.knownFrom) {
    const last = total.at(-1);
    const now: [number, number] = [current, at(current)?.total ?? 0];
    series.push({ id: 'total:progress', name: input.totalName, color: TOTAL_COLOR, data: last ? [last, now] : [now], inProgress: true });
  }
  return series;
}

/** Everything sold in the window, the bucket in progress included: the figure the chart's heading states. */
export function salesInWindow(buckets: readonly SalesBucket[], window: SalesWindow): number {
  let sum = 0;
  for (const b of buckets) if (b.t >= window.from && b.t < window.to) sum += b.total;
  return sum;
}

/** Looks buckets up by start time in one pass: each call must ask for a later time than the one before. */
function bucketCursor(buckets: readonly SalesBucket[]): (t: number) => SalesBucket | undefined {
  let i = 0;
  return (t) => {
    while (i < buckets.length && buckets[i]!.t < t) i++;
    return buckets[i]?.t === t ? buckets[i] : undefined;
  };
}

function seriesOption(s: SalesSeries) {
  const isTotal = s.id === 'total';
  return {
    id: s.id,
    name: s.name,
    type: 'line',
    showSymbol: s.inProgress === true,
    symbolSize: 5,
    smooth: false,
    data: s.data,
    color: s.color,
    lineStyle: s.inProgress ? { width: 2, type: 'dashed', opacity: 0.7 } : { width: isTotal ? 3 : 1.5 },
    ...(s.inProgress ? { tooltip: { show: false } } : {}),
    ...(isTotal ? { areaStyle: { opacity: 0.12 } } : {}),
  };
}

/** `axisName` names the value axis' unit: what is counted, and per how long. */
export function salesBaseOption(series: SalesSeries[], window: SalesWindow, theme: ChartTheme, axisName: string): EChartsCoreOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
    // The bucket in progress shares the total's name (one legend entry for both); the legend lists each name once.
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
    yAxis: {
      type: 'value',
      name: axisName,
      nameLocation: 'end',
      nameTextStyle: { color: theme.text, align: 'left' },
      minInterval: 1,
      axisLabel: { color: theme.axis },
      splitLine: { lineStyle: { color: theme.split } },
    },
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
