import { describe, expect, it } from 'vitest';
import type { RestaurantsCase, RestaurantsResult, RunResult, StepResult } from '../results.js';
import { restaurantsTable } from '../report/restaurants.js';
import { failures, summarizeRun } from '../report/summary.js';
import { caseFigures, compareCases, keptUp } from './restaurants-figures.js';

const step = (deliveries: number, over: Partial<StepResult> = {}): StepResult => ({
  rate: deliveries / 10, publishedRate: deliveries / 10, published: 0, clients: 10_000, expected: 0, delivered: 0, bytes: 0,
  deliveriesPerSec: deliveries, latency: { count: 1, p50: 5, p90: 10, p99: 20, p999: 30, max: 40, mean: 6 },
  lost: 0, reordered: 0, conflated: 0, behind: 0, ended: 0,
  cpu: { server: 40, loadgen: 50, serverCore: 40, loadgenCore: 60, redis: 10, publisher: 10 }, serverRssBytes: 0, loadgenLimited: false, contended: false,
  sustained: true, verdict: 'ok', ...over,
});

const kase = (steps: StepResult[], over: Partial<RestaurantsCase> = {}): RestaurantsCase =>
  caseFigures({
    restaurants: 1000, clientsPerRestaurant: 10, clients: 10_000, steps, maxKeptUp: null, maxSustained: null, peakDeliveries: null, stoppedBy: 'gateway',
    loadgenLimitedSteps: 0, lost: 0, reordered: 0, undelivered: 0, rssBytes: 0, ...over,
  });

const result = (single: RestaurantsCase, many: RestaurantsCase): RestaurantsResult => {
  const r: RestaurantsResult = {
    server: 'ws-gateway', status: 'ok', single, many, ratio: null, ratioIsFloor: false, sustainedRatio: null, churn: [], memory: [], viewBytes: 12_000, viewWithRingBytes: 15_000,
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

const latency = (p99: number) => ({ count: 1, p50: p99 / 2, p90: p99, p99, p999: p99, max: p99, mean: p99 / 2 });
/** Over the fan-out's p99 bound, still kept up with. */
const slow = (d: number, over: Partial<StepResult> = {}) => step(d, { sustained: false, verdict: `p99 150 ms > 100 ms`, latency: latency(150), ...over });
/** Not kept up with: p99 past a second. */
const late = (d: number, over: Partial<StepResult> = {}) => step(d, { sustained: false, verdict: 'p99 1500 ms > 100 ms', latency: latency(1500), ...over });
const short = (d: number) => step(d, { publishedRate: d / 20, sustained: false, verdict: `publisher reached ${d / 20} ev/s` });
const cpu = (server: number) => ({ ...step(0).cpu, server });

describe('restaurants figures', () => {
  it('keeps up past the p99 bound, not past a second, a gap, a late delivery or a publisher short of the rate', () => {
    expect(keptUp(slow(100_000))).toBe(true);
    expect(keptUp(late(100_000))).toBe(false);
    expect(keptUp(slow(100_000, { lost: 1, verdict: 'lost 1' }))).toBe(false);
    expect(keptUp(slow(100_000, { behind: 5 }))).toBe(false);
    expect(keptUp(slow(100_000, { conflated: 5 }))).toBe(false);
    expect(keptUp(slow(100_000, { expected: 100, delivered: 90 }))).toBe(false);
    // The verdict names the first failure only (p99 here): the publisher's shortfall is checked all the same.
    expect(keptUp(slow(100_000, { publishedRate: 100 }))).toBe(false);
  });

  it('says what stopped a case: the publisher short of the rate, a saturated load generator, the gateway, or the end of the grid', () => {
    expect(kase([step(100_000), short(200_000)]).stoppedBy).toBe('publisher');
    expect(kase([step(100_000), late(200_000, { publishedRate: 5000 })]).stoppedBy).toBe('publisher');
    expect(kase([step(100_000), late(200_000, { loadgenLimited: true })]).stoppedBy).toBe('loadgen');
    expect(kase([step(100_000), late(200_000)]).stoppedBy).toBe('gateway');
    expect(kase([step(100_000), slow(200_000)]).stoppedBy).toBe('grid');
    // A gateway at its core's limit stopped the case, whatever else fell short with it.
    expect(kase([step(100_000), { ...short(200_000), cpu: cpu(93) }]).stoppedBy).toBe('gateway');
    expect(kase([step(100_000), late(200_000, { loadgenLimited: true, cpu: cpu(95) })]).stoppedBy).toBe('gateway');
  });

  it('takes the throughput from the steps kept up with and the sustained figure from those within the p99 bound; none after a loss', () => {
    const c = kase([step(100_000), slow(200_000), late(400_000)]);
    expect(c).toMatchObject({ maxKeptUp: 200_000, maxSustained: 100_000, peakDeliveries: 400_000 });
    const lossy = kase([step(100_000), step(200_000)], { lost: 3 });
    expect([lossy.maxKeptUp, lossy.maxSustained, lossy.peakDeliveries]).toEqual([null, null, null]);
    expect(kase([slow(100_000), late(200_000)]).maxSustained).toBeNull();
  });

  it('divides the maxima kept up with, marks the ratio a floor unless the gateway stopped the many case, and compares CPU at the highest common step', () => {
    const single = kase([slow(100_000, { cpu: cpu(20) }), slow(200_000, { cpu: cpu(35) }), slow(400_000), late(800_000)]);
    const many = kase([step(100_000, { cpu: cpu(30) }), step(200_000, { cpu: cpu(50) }), short(400_000)]);
    const r = result(single, many);
    expect(r.ratio).toBe(0.5);
    expect(r.ratioIsFloor).toBe(true);
    // The single restaurant sustained nothing within the p99 bound: no ratio of sustained figures.
    expect(r.sustainedRatio).toBeNull();
    expect(r.atCommonStep).toMatchObject({ deliveriesPerSec: 200_000, singleCpu: 35, manyCpu: 50, cpuRatio: 0.7, singleP99: 150, manyP99: 20 });
    expect(result(single, kase([step(100_000), step(200_000), late(400_000)])).ratioIsFloor).toBe(false);
    // Where the highest common step had a gateway at its limit, the cost is read at the highest one below it.
    const hot = result(
      kase([step(100_000, { cpu: cpu(40) }), slow(200_000, { cpu: cpu(92) })]),
      kase([step(100_000, { cpu: cpu(50) }), step(200_000, { cpu: cpu(91) })]),
    );
    expect(hot.atCommonStep).toMatchObject({ deliveriesPerSec: 100_000, singleCpu: 40, manyCpu: 50, cpuRatio: 0.8 });
  });

  it('reports a floor below target as unknown, a measured miss as missed, and a view over 20 KB as missed', () => {
    const single = kase([step(100_000), step(200_000), late(400_000)]);
    const floor = run([result(single, kase([step(100_000), short(200_000)]))]);
    expect(floor.summary.restaurantsRatio).toBe(0.5);
    expect(floor.summary.targets.restaurantsRatio?.met).toBeNull();
    const miss = run([result(single, kase([step(100_000), late(200_000)]))]);
    expect(miss.summary.targets.restaurantsRatio?.met).toBe(false);
    const met = run([result(single, kase([step(100_000), slow(200_000), late(400_000)]))]);
    expect(met.summary.targets.restaurantsRatio?.met).toBe(true);
    expect(met.summary.targets.restaurantViewBytes?.met).toBe(true);
    const fat = run([{ ...result(single, single), viewBytes: 25_000 }]);
    expect(fat.summary.targets.restaurantViewBytes?.met).toBe(false);
  });

  it("puts raw uWS's ratio beside the gateway's and each case's CPU per delivery at its best step in the table", () => {
    const single = kase([step(100_000, { cpu: cpu(20) }), step(1_000_000, { cpu: cpu(60) }), late(2_000_000)]);
    const many = kase([step(100_000, { cpu: cpu(50) }), late(200_000)]);
    const raw = { ...result(single, kase([step(100_000, { cpu: cpu(40) }), short(200_000)])), server: 'uws-raw' as const };
    const r = run([result(single, many), raw]);
    expect(r.summary.restaurantsRatio).toBe(0.1);
    expect(r.summary.restaurantsRatioRawUws).toEqual({ ratio: 0.1, isFloor: true });
    const table = restaurantsTable([result(single, many), raw]);
    const column = table.head.indexOf('server CPU per delivery at the best steps: one / many');
    // 60 % of a core over 1M deliveries/s: 0.6 µs each; 50 % over 100k/s: 5 µs.
    expect(table.rows.map((row) => row[column])).toEqual(['0.60 µs / 5.00 µs', '0.60 µs / 4.00 µs']);
  });

  it("counts the scenario's losses and failures in the run", () => {
    const single = kase([step(100_000)]);
    const r = run([{ ...result(single, single), lost: 4, status: 'failed', reason: 'churn (short grace): 2 of 1000 clients got no snapshot' }]);
    expect(r.summary.lost).toBe(4);
    expect(failures(r)).toEqual(['4 events lost', 'restaurants/ws-gateway: churn (short grace): 2 of 1000 clients got no snapshot']);
  });
});
