// Latency percentiles over a ring of the newest samples, and the client's delivery figures (event `ts` → receipt) built on it.
import { RateMeter } from './rate-meter.js';

export interface LatencyPercentiles {
  /** Samples the percentiles are taken over (at most the ring size). */
  count: number;
  p50: number | undefined;
  p99: number | undefined;
}

export interface LatencySummary extends LatencyPercentiles {
  eventsPerSecond: number;
}

/** A fixed ring of the newest latency samples (ms): memory stays the same however many events arrive. */
export class LatencyRing {
  readonly #samples: Float64Array;
  #next = 0;
  #count = 0;

  constructor(capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.#samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#count < this.#samples.length) this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** p50 and p99 of the samples held; undefined before the first one. */
  percentiles(): LatencyPercentiles {
    // A typed array sorts numerically, and one sort serves both percentiles.
    const sorted = this.#samples.slice(0, this.#count).sort();
    return { count: this.#count, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  }

  clear(): void {
    this.#next = 0;
    this.#count = 0;
  }
}

/** The client's own figures: receipt latency of each event and how many arrive per second. */
export class LatencyTracker {
  readonly #ring: LatencyRing;
  readonly #rate: RateMeter;

  constructor(
    size = 512,
    windowSeconds = 5,
    private readonly now: () => number = Date.now,
  ) {
    this.#ring = new LatencyRing(size);
    this.#rate = new RateMeter(windowSeconds);
  }

  /** Records one event received at `receivedAt` that was published at `ts` (both ms since the epoch). */
  record(ts: number, receivedAt = this.now()): void {
    this.#ring.add(receivedAt - ts);
    this.#rate.add(1, receivedAt);
  }

  summary(at = this.now()): LatencySummary {
    return { ...this.#ring.percentiles(), eventsPerSecond: this.#rate.rate(at) };
  }

  reset(): void {
    this.#ring.clear();
    this.#rate.reset();
  }
}

/** Nearest-rank percentile (`p` from 0 to 1) of sorted samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1];
}
