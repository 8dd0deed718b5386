import { describe, expect, it } from 'vitest';
import { LatencyRing, LatencyTracker, percentile } from './latency.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeUndefined();
  });
});

describe('LatencyTracker', () => {
  it('reports p50 and p99 of receipt − ts', () => {
    let now = 10_000;
    const tracker = new LatencyTracker(1000, 5, () => now);
    for (let i = 1; i <= 100; i++) tracker.record(now - i, now);
    const summary = tracker.summary();
    expect(summary).toMatchObject({ count: 100, p50: 50, p99: 99 });
    now += 1;
    expect(tracker.summary().p50).toBe(50);
  });

  it('keeps only the newest samples, as many as the ring holds', () => {
    const tracker = new LatencyTracker(4, 5, () => 0);
    for (const latency of [1000, 1000, 1000, 1000, 1, 2, 3, 4]) tracker.record(0, latency);
    expect(tracker.summary()).toMatchObject({ count: 4, p50: 2, p99: 4 });
  });

  it('counts events per second over the last whole seconds', () => {
    let now = 100_000;
    const tracker = new LatencyTracker(16, 5, () => now);
    // 10 events in each of 5 seconds; most of them fall out of the small ring, not out of the rate.
    for (let s = 0; s < 5; s++) for (let i = 0; i < 10; i++) tracker.record(0, 100_000 + s * 1000 + i * 50);
    now = 105_000;
    expect(tracker.summary().eventsPerSecond).toBe(10);
    now = 107_500;
    expect(tracker.summary().eventsPerSecond).toBe(6);
    now = 200_000;
    expect(tracker.summary().eventsPerSecond).toBe(0);
  });

  it('has no percentiles before the first event', () => {
    expect(new LatencyTracker().summary()).toEqual({ count: 0, p50: undefined, p99: undefined, eventsPerSecond: 0 });
  });
});

describe('LatencyRing', () => {
  it('gives nearest-rank percentiles over the newest samples', () => {
    const w = new LatencyRing(100);
    expect(w.percentiles().p50).toBeUndefined();
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.percentiles().p50).toBe(50);
    expect(w.percentiles().p99).toBe(99);
    for (let i = 0; i < 100; i++) w.add(1000);
    expect(w.percentiles().p50).toBe(1000);
    expect(w.count).toBe(100);
  });
});
