// The dish bar chart's ECharts options: a realtime-sorted horizontal bar per dish, and the small updates that move it.
import type { Dish } from '@dish-live/protocol';
import type { EChartsCoreOption } from 'echarts/core';
import { categoryColor, type ChartTheme } from './palette.js';

export type BarMetric = 'stock' | 'sold';

/** Long enough to see a bar move, short enough that a change lands well within a second. */
export const BAR_ANIMATION_MS = 350;

/**
 * The most often the bar chart takes new values. While it animates, realtimeSort re-sorts and repaints on every
 * frame; a pause between animations leaves frames to the rest of the page under a flood of events.
 */
export const BAR_UPDATE_MS = 500;

export const BAR_SERIES_ID = 'dishes';

export interface BarData {
  /** Category axis values: dish ids, in the store's stable order (realtimeSort reorders what is drawn). */
  ids: string[];
  values: { value: number; itemStyle: { color: string } }[];
}

export function barData(dishes: readonly Dish[], metric: BarMetric): BarData {
  return {
    ids: dishes.map((d) => d.id),
    values: dishes.map((d) => ({ value: d[metric], itemStyle: { color: categoryColor(d.category) } })),
  };
}

/** The whole option, for the first render and after a theme change. `label` maps a dish id to its name. */
export function barBaseOption(data: BarData, theme: ChartTheme, label: (id: string) => string): EChartsCoreOption {
  return {
    backgroundColor: 'transparent',
    animationDuration: 0,
    animationDurationUpdate: BAR_ANIMATION_MS,
    animationEasing: 'linear',
    animationEasingUpdate: 'linear',
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    xAxis: {
      type: 'value',
      max: 'dataMax',
      axisLabel: { color: theme.axis },
      splitLine: { lineStyle: { color: theme.split } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: data.ids,
      animationDuration: BAR_ANIMATION_MS,
      animationDurationUpdate: BAR_ANIMATION_MS,
      axisLabel: { color: theme.text, formatter: label },
      axisLine: { lineStyle: { color: theme.axis } },
    },
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number }) => `${escapeText(label(p.name))}: ${p.value}` },
    series: [
      {
        id: BAR_SERIES_ID,
        type: 'bar',
        realtimeSort: true,
        data: data.values,
        barMaxWidth: 28,
        // No valueAnimation: tweening the numbers re-lays out every label on every frame, the chart's largest cost.
        label: { show: true, position: 'right', color: theme.text },
      },
    ],
  };
}

/** The update for one frame: values only, or the axis too when dishes were added, removed or renamed. */
export function barUpdate(data: BarData, structure: boolean): EChartsCoreOption {
  const series = [{ id: BAR_SERIES_ID, data: data.values }];
  return structure ? { yAxis: { data: data.ids }, series } : { series };
}

/** ECharts tooltips are HTML: a dish name typed by an operator must not become markup there. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
