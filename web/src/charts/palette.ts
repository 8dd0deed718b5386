// Colours by category, the same in the bar chart, the line chart and the table, in light and dark themes.
const COLORS = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#2f4554'];

const assigned = new Map<string, string>();

/**
 * A category's colour: its name's hash picks a starting slot, and the first slot no other category holds wins, so
 * categories keep their colour for the page's life and differ while there are no more of them than colours.
 * Pages that see the same categories in the same order (a snapshot is sorted) agree on the colours.
 */
export function categoryColor(category: string): string {
  const known = assigned.get(category);
  if (known) return known;
  const used = new Set(assigned.values());
  const start = hash(category) % COLORS.length;
  let color = COLORS[start]!;
  for (let i = 0; i < COLORS.length; i++) {
    const candidate = COLORS[(start + i) % COLORS.length]!;
    if (!used.has(candidate)) {
      color = candidate;
      break;
    }
  }
  assigned.set(category, color);
  return color;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
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
