import { describe, expect, it } from 'vitest';
import type { RestaurantsCase, RestaurantsResult, RunResult, StepResult } from '../results.js';
import { failures, summarizeRun } from '../report/summary.js';
import { caseFigures, compareCases } from './restaurants-figures.js';

const step = (deliveries: number, over: Partial<StepResult> = {}): StepResult => ({
  rate: deliveries / 10, publishedRate: deliveries / 10, published: 0, clients: 10_000, expected: 0, delivered: 0, bytes: 0,
  deliveriesPerSec: deliveries, latency: { count: 1, p50: 5, p90: 10, p99: 20, p999: 30, max: 40, mean: 6 },
  lost: 0, reordered: 0, conflated: 0, behind: 0, ended: 0,
  cpu: { server: 40, loadgen: 50, serverCore: 40, loadgenCore: 60, redis: 10, publisher: 10 }, serverRssBytes: 0, loadgenLimited: false, contended: false,
  sustained: true, verdict: 'ok', ...over,
});

const kase = (steps: StepResult[], over: Partial<RestaurantsCase> = {}): RestaurantsCase =>
  caseFigures({
    restaurants: 1000, clientsPerRestaurant: 10, clients: 10_000, steps, maxSustained: null, peakDeliveries: null, stoppedBy: 'gateway',
    loadgenLimitedSteps: 0, lost: 0, reordered: 0, undelivered: 0, rssBytes: 0, ...over,
  });

const result = (single: RestaurantsCase, many: RestaurantsCase): RestaurantsResult => {
  const r: RestaurantsResult = {
    server: 'ws-gateway', status: 'ok', single, many, ratio: null, ratioIsFloor: false, churn: [], memory: [], viewBytes: 12_000, viewWithRingBytes: 15_000,
    lost: 0, reordered: 0,
  };
  compareCases(r);
  return r;
};

function run(restaurants: RestaurantsResult[]): RunResult {
  const base: Omit<RunResult, 'summary'> = {
    startedAt: '', finishedAt: '', quick: true, options: {}, machine: {}, versions: {}, fanout: [], memory: [], slow: [], restaurants,
  };
  return { ...base, summary: summarizeRun(base) };
}

const p99Fail = (d: number) => step(d, { sustained: false, verdict: 'p99 150 ms > 100 ms', latency: { count: 1, p50: 50, p90: 90, p99: 150, p999: 200, max: 300, mean: 60 } });

describe('restaurants figures', () => {
  it('says what stopped a case: the publisher short of the rate, a saturated load generator, the gateway, or the end of the grid', () => {
    expect(kase([step(100_000), step(200_000, { publishedRate: 15_000, sustained: false, verdict: 'publisher reached 15000 ev/s' })]).stoppedBy).toBe('publisher');
    // Short of the rate but failed on latency first: the load offered was not the step's, so still the publisher.
    expect(kase([step(100_000), p99Fail(200_000)].map((s, i) => (i === 1 ? { ...s, publishedRate: s.rate * 0.5 } : s))).stoppedBy).toBe('publisher');
    expect(kase([step(100_000), { ...p99Fail(200_000), loadgenLimited: true }]).stoppedBy).toBe('loadgen');
    expect(kase([step(100_000), p99Fail(200_000)]).stoppedBy).toBe('gateway');
    expect(kase([step(100_000), step(200_000)]).stoppedBy).toBe('grid');
  });

  it('gives no maximum to a case that lost anything, however fast', () => {
    const c = kase([step(100_000), step(200_000)], { lost: 3 });
    expect(c.maxSustained).toBeNull();
    expect(c.peakDeliveries).toBeNull();
    expect(kase([step(100_000), step(200_000), p99Fail(400_000)]).maxSustained).toBe(200_000);
  });

  it('divides the maxima, marks the ratio a floor unless the gateway stopped the many case, and compares CPU at the highest common step', () => {
    const single = kase([step(100_000, { cpu: { ...step(0).cpu, server: 20 } }), step(200_000, { cpu: { ...step(0).cpu, server: 35 } }), step(400_000), p99Fail(800_000)]);
    const many = kase([
      step(100_000, { cpu: { ...step(0).cpu, server: 30 } }),
      step(200_000, { cpu: { ...step(0).cpu, server: 50 } }),
      step(400_000, { publishedRate: 20_000, sustained: false, verdict: 'publisher reached 20000 ev/s' }),
    ]);
    const r = result(single, many);
    expect(r.ratio).toBe(0.5);
    expect(r.ratioIsFloor).toBe(true);
    expect(r.atCommonStep).toMatchObject({ deliveriesPerSec: 200_000, singleCpu: 35, manyCpu: 50, cpuRatio: 0.7 });
    expect(result(single, kase([step(100_000), step(200_000), p99Fail(400_000)])).ratioIsFloor).toBe(false);
  });

  it('reports a floor below target as unknown, a measured miss as missed, and a view over 20 KB as missed', () => {
    const single = kase([step(100_000), step(200_000), p99Fail(400_000)]);
    const floor = run([result(single, kase([step(100_000), step(200_000, { publishedRate: 5000, sustained: false, verdict: 'publisher reached 5000 ev/s' })]))]);
    expect(floor.summary.restaurantsRatio).toBe(0.5);
    expect(floor.summary.targets.restaurantsRatio?.met).toBeNull();
    const miss = run([result(single, kase([step(100_000), p99Fail(200_000)]))]);
    expect(miss.summary.targets.restaurantsRatio?.met).toBe(false);
    const met = run([result(single, kase([step(100_000), step(200_000), p99Fail(400_000)]))]);
    expect(met.summary.targets.restaurantsRatio?.met).toBe(true);
    expect(met.summary.targets.restaurantViewBytes?.met).toBe(true);
    const fat = run([{ ...result(single, single), viewBytes: 25_000 }]);
    expect(fat.summary.targets.restaurantViewBytes?.met).toBe(false);
  });

  it('counts the scenario\'s losses and failures in the run', () => {
    const single = kase([step(100_000)]);
    const r = run([{ ...result(single, single), lost: 4, status: 'failed', reason: 'churn (short grace): 2 of 1000 clients got no snapshot' }]);
    expect(r.summary.lost).toBe(4);
    expect(failures(r)).toEqual(['4 events lost', 'restaurants/ws-gateway: churn (short grace): 2 of 1000 clients got no snapshot']);
  });
});
