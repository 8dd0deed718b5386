// The restaurants scenario's figures from its steps: each case's best sustained step and what stopped it, and the
// two cases compared (the ratio of their maxima, whether that is a floor, their cost at the same deliveries/s).
import type { RestaurantsCase, RestaurantsResult, StepResult } from '../results.js';

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : null);

/** A publisher that wrote under 90 % of the step's rate did not offer the load the step stands for. */
const publisherShort = (s: StepResult) => s.verdict.startsWith('publisher') || s.publishedRate < 0.9 * s.rate;

/** Fills the case's figures from its steps, lost and reordered (set before). */
export function caseFigures(c: RestaurantsCase): RestaurantsCase {
  const clean = c.lost === 0 && c.reordered === 0;
  const sustained = c.steps.filter((s) => s.sustained).map((s) => s.deliveriesPerSec);
  c.maxSustained = clean && sustained.length ? Math.max(...sustained) : null;
  const noLoss = c.steps.filter((s) => s.lost === 0 && s.reordered === 0).map((s) => s.deliveriesPerSec);
  c.peakDeliveries = clean && noLoss.length ? Math.max(...noLoss) : null;
  const stopped = c.steps.find((s) => !s.sustained);
  c.stoppedBy = !stopped ? 'grid' : publisherShort(stopped) ? 'publisher' : stopped.loadgenLimited ? 'loadgen' : 'gateway';
  c.loadgenLimitedSteps = c.steps.filter((s) => s.loadgenLimited).length;
  return c;
}

/**
 * The ratio of the maxima (a floor unless the gateway itself stopped the many case), and both cases side by side at
 * the highest step both sustained: step i of either case targets the same deliveries/s (the same grid, in order).
 */
export function compareCases(result: RestaurantsResult): void {
  const { single, many } = result;
  if (!single || !many) return;
  result.ratio = ratio(many.maxSustained, single.maxSustained);
  result.ratioIsFloor = many.stoppedBy !== 'gateway';
  const common = many.steps
    .map((m, i) => [single.steps[i], m] as const)
    .filter((pair): pair is readonly [StepResult, StepResult] => pair[0]?.sustained === true && pair[1].sustained)
    .at(-1);
  if (!common) return;
  const [s, m] = common;
  result.atCommonStep = {
    deliveriesPerSec: Math.round((s.deliveriesPerSec + m.deliveriesPerSec) / 2),
    singleCpu: s.cpu.server, manyCpu: m.cpu.server, singleP99: s.latency.p99, manyP99: m.latency.p99,
    cpuRatio: ratio(s.cpu.server, m.cpu.server),
  };
}
