import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, formatTick, lineChart, linearTicks } from './svg.js';

describe('svg', () => {
  it('escapes text', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
  });

  it('formats ticks and picks nice steps that cover the maximum', () => {
    expect(formatTick(1500)).toBe('1.5k');
    expect(formatTick(2_000_000)).toBe('2M');
    expect(formatTick(0.25)).toBe('0.25');
    expect(linearTicks(930)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(linearTicks(0)).toEqual([0, 1]);
  });

  it('draws one polyline per series with one point per value, inside the canvas', () => {
    const svg = lineChart({
      title: 'T <1>',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      series: [
        { name: 'a', points: [[50, 10], [500, 100], [5000, 1000]] },
        { name: 'b', points: [[50, 5], [500, 50]] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('T &lt;1&gt;');
    const polylines = [...svg.matchAll(/points="([^"]+)"/g)].map((m) => m[1]!.split(' '));
    expect(polylines.map((p) => p.length)).toEqual([3, 2]);
    for (const [x, y] of polylines.flat().map((p) => p.split(',').map(Number))) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(720);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
    // Larger values are drawn higher (smaller y).
    const [first, second] = polylines[0]!.map((p) => Number(p.split(',')[1]));
    expect(second!).toBeLessThan(first!);
  });

  it('draws a bar per known value and none for a missing one', () => {
    const svg = barChart({ title: 't', yLabel: 'B', categories: ['x', 'y'], series: [{ name: 's', values: [1024, null] }] });
    expect(svg.match(/<rect x=/g)).toHaveLength(1 + 1);
    expect(svg).toContain('s x: 1.02k');
  });
});
