// Retry delays for webhook deliveries: exponential from WEBHOOK_BACKOFF_MS, equal jitter, capped.

/** The contract's defaults: WEBHOOK_MAX_ATTEMPTS and WEBHOOK_BACKOFF_MS. */
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BACKOFF_MS = 1000;

/**
 * No wait is longer than an hour: a stock alert older than that has lost most of its point, and an operator who
 * raises WEBHOOK_MAX_ATTEMPTS to ride out a long outage gets hourly tries rather than waits of days.
 */
export const BACKOFF_CAP_MS = 3_600_000;

/**
 * The wait after failed attempt `attempt` (1 for the first, as BullMQ's attemptsMade counts), drawn from
 * [ceiling/2, ceiling] with ceiling = min(cap, baseMs·2^(attempt−1)). Equal rather than full jitter: the lower half
 * keeps a receiver that just failed from being hit again at once; the random half spreads alerts that failed together.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
  capMs: number = BACKOFF_CAP_MS,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt counts from 1');
  if (!(baseMs > 0) || !(capMs >= baseMs)) throw new RangeError('backoff needs 0 < baseMs <= capMs');
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
