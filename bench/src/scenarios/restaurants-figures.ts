// The restaurants scenario's figures from its steps: each case's best sustained step and what stopped it, and the
// two cases compared (the ratio of their maxima, whether that is a floor, their cost at the same deliveries/s).
import type { RestaurantsCase, RestaurantsResult, StepResult } from '../results.js';

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : null);

/** A p99 past this is falling behind, not a latency a dashboard could live with for long: stepping stops. */
export const KEEP_UP_P99_MS = 1000;

/** A publisher that wrote under 90 % of the step's rate did not offer the load the step stands for. */
const publisherShort = (s: StepResult) => s.verdict.startsWith('publisher') || s.publishedRate < 0.9 * s.rate;

/**
 * The gateway kept up with the step: every delivery made in order and in time for the drain, the publisher at the
 * step's rate, p99 within a second. Checked field by field: a step's verdict names only its first failure.
 */
export function keptUp(s: StepResult): boolean {
  return (
    s.lost === 0 && s.reordered === 0 && s.ended === 0 && s.behind === 0 && s.conflated === 0 &&
    s.delivered >= 0.95 * s.expected && !publisherShort(s) && s.latency.p99 <= KEEP_UP_P99_MS
  );
}

/** The gateway's own CPU at or past this (percent of its core) means it had no more to give, whatever else fell short. */
export const SATURATED_SERVER_CPU = 90;

const highest = (steps: StepResult[]) => (steps.length ? Math.max(...steps.map((s) => s.deliveriesPerSec)) : null);

/** Fills the case's figures from its steps, lost and reordered (set before). */
export function caseFigures(c: RestaurantsCase): RestaurantsCase {
  const clean = c.lost === 0 && c.reordered === 0;
  c.maxKeptUp = clean ? highest(c.steps.filter(keptUp)) : null;
  c.maxSustained = clean ? highest(c.steps.filter((s) => s.sustained)) : null;
  c.peakDeliveries = clean ? highest(c.steps.filter((s) => s.lost === 0 && s.reordered === 0)) : null;
  const stopped = c.steps.find((s) => !keptUp(s));
  // A saturated gateway stopped the case even when the publisher or the load generator fell short in the same step.
  c.stoppedBy = !stopped
    ? 'grid'
    : stopped.cpu.server >= SATURATED_SERVER_CPU
      ? 'gateway'
      : publisherShort(stopped)
        ? 'publisher'
        : stopped.loadgenLimited
          ? 'loadgen'
          : 'gateway';
  c.loadgenLimitedSteps = c.steps.filter((s) => s.loadgenLimited).length;
  return c;
}

/**
 * The ratio of the maxima kept up with (a floor unless the gateway itself stopped the many case) and of the sustained
 * ones, and both cases side by side at the highest step both kept up with below saturation (else the highest): step i
 * of either case targets the same deliveries/s (the same grid, in order).
 */
export function compareCases(result: RestaurantsResult): void {
  const { single, many } = result;
  if (!single || !many) return;
  result.ratio = ratio(many.maxKeptUp, single.maxKeptUp);
  result.ratioIsFloor = many.stoppedBy !== 'gateway';
  result.sustainedRatio = ratio(many.maxSustained, single.maxSustained);
  const pairs = many.steps
    .map((m, i) => [single.steps[i], m] as const)
    .filter((pair): pair is readonly [StepResult, StepResult] => pair[0] !== undefined && keptUp(pair[0]) && keptUp(pair[1]));
  // Two saturated gateways both read ~90 % whatever each delivery costs: the cost is compared below saturation.
  const unsaturated = pairs.filter(([s, m]) => s.cpu.server < SATURATED_SERVER_CPU && m.cpu.server < SATURATED_SERVER_CPU);
  const common = (unsaturated.length > 0 ? unsaturated : pairs).at(-1);
  if (!common) return;
  const [s, m] = common;
  result.atCommonStep = {
    deliveriesPerSec: Math.round((s.deliveriesPerSec + m.deliveriesPerSec) / 2),
    singleCpu: s.cpu.server, manyCpu: m.cpu.server, singleP99: s.latency.p99, manyP99: m.latency.p99,
    cpuRatio: ratio(s.cpu.server, m.cpu.server),
  };
}
