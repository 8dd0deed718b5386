import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, backoffMs } from './backoff.js';

describe('backoffMs', () => {
  it('doubles from the base, between half and all of the ceiling', () => {
    const low = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffMs(attempt, 1000, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffMs(attempt, 1000, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000]);
    expect(backoffMs(3, 1000, () => 0.5)).toBe(3000);
  });

  it('spreads delays over the jitter range with the real random source', () => {
    const delays = Array.from({ length: 500 }, () => backoffMs(4, 1000));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(4000);
      expect(delay).toBeLessThanOrEqual(8000);
    }
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it('never waits longer than the cap, however many attempts', () => {
    expect(BACKOFF_CAP_MS).toBe(3_600_000);
    expect(backoffMs(13, 1000, () => 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(2000, 1000, () => 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(2000, 1000, () => 0)).toBe(BACKOFF_CAP_MS / 2);
    expect(backoffMs(5, 100, () => 1, 1000)).toBe(1000);
  });

  it('refuses attempts below 1 and a base that is not positive or above the cap', () => {
    expect(() => backoffMs(0, 1000)).toThrow(RangeError);
    expect(() => backoffMs(1.5, 1000)).toThrow(RangeError);
    expect(() => backoffMs(1, 0)).toThrow(RangeError);
    expect(() => backoffMs(1, Number.NaN)).toThrow(RangeError);
    expect(() => backoffMs(1, 2000, Math.random, 1000)).toThrow(RangeError);
  });
});
