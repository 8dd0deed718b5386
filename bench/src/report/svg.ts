// A small SVG chart builder for the benchmark report: line charts (optionally log-scaled) and grouped bar charts.

export interface Series {
  name: string;
  points: [number, number][];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  /** One group per category on the x axis, one bar per series inside it. */
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
}

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { top: 40, right: 170, bottom: 50, left: 80 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Numbers on axes: 1.2k, 3.4M, 0.5 — short enough for a tick label. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  const trim = (v: number) => String(Number(v.toPrecision(3)));
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

interface Scale {
  map(v: number): number;
  ticks: number[];
}

/** "Nice" linear ticks (1, 2, 5 × 10^n steps) from 0 to at least max. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function scale(values: number[], log: boolean, from: number, to: number): Scale {
  if (log) {
    const positive = values.filter((v) => v > 0);
    const lo = positive.length ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 1;
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive, lo * 10)));
    const ticks: number[] = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
    const span = Math.log10(hi) - Math.log10(lo);
    return { ticks, map: (v) => from + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * (to - from) };
  }
  const ticks = linearTicks(Math.max(...values, 0));
  const hi = ticks.at(-1) ?? 1;
  return { ticks, map: (v) => from + (v / hi) * (to - from) };
}

const n = (v: number) => Math.round(v * 10) / 10;

function frame(title: string, yLabel: string, xLabel: string, body: string[]): string {
  const plotBottom = HEIGHT - MARGIN.bottom;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names: string[]): string[] {
  return names.map((name, i) => {
    const y = MARGIN.top + 10 + i * 20;
    const x = WIDTH - MARGIN.right + 15;
    return `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 18}" y="${y + 1}">${escapeXml(name)}</text>`;
  });
}

function yAxis(y: Scale): string[] {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  return y.ticks.map((t) => {
    const py = n(y.map(t));
    return `<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#ddd"/><text x="${left - 6}" y="${py + 4}" text-anchor="end">${formatTick(t)}</text>`;
  });
}

export function lineChart(spec: LineChartSpec): string {
  const points = spec.series.flatMap((s) => s.points);
  const x = scale(points.map((p) => p[0]), spec.logX ?? false, MARGIN.left, WIDTH - MARGIN.right);
  const y = scale(points.map((p) => p[1]), spec.logY ?? false, HEIGHT - MARGIN.bottom, MARGIN.top);
  const body = [...yAxis(y)];
  const bottom = HEIGHT - MARGIN.bottom;
  for (const t of x.ticks) {
    const px = n(x.map(t));
    body.push(`<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="#333"/><text x="${px}" y="${bottom + 18}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  body.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#333"/>`);
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const coords = s.points.map(([px, py]) => `${n(x.map(px))},${n(y.map(py))}`);
    if (coords.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.join(' ')}"/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      body.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
  });
  body.push(...legend(spec.series.map((s) => s.name)));
  return frame(spec.title, spec.yLabel, spec.xLabel, body);
}

export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const y = scale(values, false, HEIGHT - MARGIN.bottom, MARGIN.top);
  const body = [...yAxis(y)];
  const bottom = HEIGHT - MARGIN.bottom;
  const groupWidth = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(1, spec.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  spec.categories.forEach((category, ci) => {
    const gx = MARGIN.left + ci * groupWidth;
    // Slanted labels so long server names do not run into each other.
    const lx = n(gx + groupWidth / 2);
    body.push(`<text x="${lx}" y="${bottom + 14}" text-anchor="end" transform="rotate(-20 ${lx} ${bottom + 14})">${escapeXml(category)}</text>`);
    spec.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined) return;
      const top = n(y.map(v));
      body.push(
        `<rect x="${n(gx + groupWidth * 0.1 + si * barWidth)}" y="${top}" width="${n(barWidth)}" height="${n(bottom - top)}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${s.name} ${category}: ${formatTick(v)}`)}</title></rect>`,
      );
    });
  });
  body.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#333"/>`);
  body.push(...legend(spec.series.map((s) => s.name)));
  return frame(spec.title, spec.yLabel, '', body);
}
