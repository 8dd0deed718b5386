// Colours by category, the same in the bar chart, the line chart and the table, in light and dark themes.
const COLORS = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#a0785a'];

/**
 * A category's colour, a function of its name alone: the same in every browser, every language, and whatever other
 * categories exist or are added later (an assignment that depends on the set or the order seen changes when it does).
 * The price is that two categories can share a colour; the legend and the table always name them. The salt is the
 * first for which the demo menu's categories all differ, so the first thing anyone sees is as clear as it can be.
 */
export function categoryColor(category: string): string {
  return COLORS[hash(category, 40) % COLORS.length]!;
}

/** FNV-1a with a salted start and a final avalanche, so names that differ in one character land far apart. */
function hash(text: string, salt: number): number {
  let h = (2166136261 ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export const TOTAL_COLOR = '#d4a017';

export interface ChartTheme {
  text: string;
  axis: string;
  split: string;
}

export const CHART_THEMES: Record<'light' | 'dark', ChartTheme> = {
  light: { text: '#2b2f36', axis: '#8a909c', split: '#e6e8ec' },
  dark: { text: '#e3e6eb', axis: '#8a909c', split: '#30343c' },
};
