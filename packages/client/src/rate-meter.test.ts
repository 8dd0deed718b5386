import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate-meter.js';

describe('RateMeter', () => {
  it('averages complete seconds and forgets old ones', () => {
    const m = new RateMeter(2);
    m.add(10, 1000);
    m.add(30, 2500);
    expect(m.rate(3100)).toBe(20);
    expect(m.rate(10_000)).toBe(0);
  });
});
