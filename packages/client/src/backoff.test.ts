import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the ceiling from 250 ms up to the 10 s cap', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 10 }, () => backoff.next());
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
  });

  it('never waits less than half the ceiling (no reconnect storm at 0 ms)', () => {
    const backoff = new Backoff({ random: () => 0 });
    expect(Array.from({ length: 8 }, () => backoff.next())).toEqual([125, 250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('spreads delays across [ceiling/2, ceiling] with the random source', () => {
    const values = [0, 0.25, 0.5, 0.75];
    for (const r of values) {
      const backoff = new Backoff({ initialMs: 1000, maxMs: 1000, random: () => r });
      expect(backoff.next()).toBe(500 + r * 500);
    }
    const seen = new Set<number>();
    const real = new Backoff({ initialMs: 1000, maxMs: 1000 });
    for (let i = 0; i < 200; i++) {
      const d = real.next();
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.attempt).toBe(3);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(250);
  });

  it('refuses nonsensical settings', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 500, maxMs: 100 })).toThrow(RangeError);
    expect(() => new Backoff({ factor: 0.5 })).toThrow(RangeError);
  });
});
