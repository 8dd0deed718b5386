import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bucketOf, bucketOfByFormula, emptyCounters, LatencyHistogram, SequenceTracker, slope, summarize } from './stats.js';

describe('bucketOf', () => {
  it('agrees with the formula everywhere, at bucket edges too', () => {
    fc.assert(fc.property(fc.double({ min: -1, max: 400_000, noNaN: true }), (ms) => {
      expect(bucketOf(ms)).toBe(bucketOfByFormula(ms));
    }), { numRuns: 20_000 });
    for (let k = 0; k < 2000; k++) {
      const edge = Math.exp(k * Math.log(1.01));
      for (const ms of [edge, edge - 1e-9, edge + 1e-9]) expect(bucketOf(ms)).toBe(bucketOfByFormula(ms));
    }
  });
});

describe('LatencyHistogram', () => {
  it('answers percentiles within 1% of the exact value, never below it', () => {
    const h = new LatencyHistogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 0.05 + ((i * 7919) % 10_000) / 37);
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const got = h.percentile(q);
      expect(got).toBeGreaterThanOrEqual(exact * 0.999);
      expect(got).toBeLessThanOrEqual(exact * 1.011 + 0.01);
    }
    expect(h.percentile(1)).toBe(sorted.at(-1));
  });

  it('merges to the same answers as recording everything in one', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) {
      const v = (i % 97) * 1.3;
      (i % 2 ? a : b).record(v);
      all.record(v);
    }
    a.merge(b.toData());
    expect(summarize(a)).toEqual(summarize(all));
  });

  it('is empty after a reset', () => {
    const h = new LatencyHistogram();
    h.record(5);
    h.reset();
    expect(summarize(h)).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });
});

describe('SequenceTracker', () => {
  it('counts gaps as lost and anything at or below the last as reordered', () => {
    const t = new SequenceTracker();
    const c = emptyCounters();
    for (const seq of [5, 6, 7, 10, 9, 10, 11]) t.event(seq, c);
    expect(c.lost).toBe(2);
    expect(c.reordered).toBe(2);
    expect(t.last).toBe(11);
  });

  it('takes a snapshot as its baseline and a conflated state as events covered, not lost', () => {
    const t = new SequenceTracker();
    const c = emptyCounters();
    t.jump(3, c, false);
    t.event(4, c);
    t.jump(9, c, true);
    t.event(10, c);
    expect(c).toMatchObject({ lost: 0, reordered: 0, conflated: 5 });
  });
});

describe('slope', () => {
  it('is the growth per unit, and one outlier moves it less than it moves a difference of two readings', () => {
    expect(slope([{ x: 0, y: 10 }, { x: 1, y: 12 }, { x: 2, y: 14 }])).toBeCloseTo(2);
    // The readings of a 1,000-restaurant load at 5 KB each, the one at 500 read 10 MB high (a late collection).
    const points = [0, 250, 500, 750, 1000].map((x) => ({ x, y: 12e6 + 5000 * x + (x === 500 ? 10e6 : 0) }));
    expect(slope(points)).toBeCloseTo(5000);
    expect(() => slope([{ x: 1, y: 1 }])).toThrow(RangeError);
    expect(() => slope([{ x: 1, y: 1 }, { x: 1, y: 2 }])).toThrow(RangeError);
  });
});
