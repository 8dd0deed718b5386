import { describe, expect, it } from 'vitest';
import { FlashTracker } from './flash.js';
import { LatencyWindow } from './latency.js';
import { RateMeter } from './rate-meter.js';

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles over the newest samples', () => {
    const w = new LatencyWindow(100);
    expect(w.percentile(50)).toBeUndefined();
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.percentile(50)).toBe(50);
    expect(w.percentile(99)).toBe(99);
    for (let i = 0; i < 100; i++) w.add(1000);
    expect(w.percentile(50)).toBe(1000);
    expect(w.count).toBe(100);
  });
});

describe('RateMeter', () => {
  it('averages complete seconds and forgets old ones', () => {
    const m = new RateMeter(2);
    m.add(10, 1000);
    m.add(30, 2500);
    expect(m.rate(3100)).toBe(20);
    expect(m.rate(10_000)).toBe(0);
  });
});

describe('FlashTracker', () => {
  it('flashes a changed cell for its duration and restarts on a repeated change', () => {
    const f = new FlashTracker(500);
    expect(f.classFor('a:stock', 0)).toBe('');
    f.mark('a:stock', 0);
    expect(f.classFor('a:stock', 100)).toBe('flash-a');
    f.mark('a:stock', 200);
    expect(f.classFor('a:stock', 300)).toBe('flash-b');
    expect(f.classFor('a:stock', 800)).toBe('');
    f.mark('a:stock', 900);
    expect(f.classFor('a:stock', 901)).toBe('flash-a');
  });
});
