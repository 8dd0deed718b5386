// Delivery figures for the status bar: latency (event `ts` → receipt) percentiles and events per second.
export interface LatencySummary {
  /** Samples the percentiles are taken over (at most the ring size). */
  count: number;
  p50: number | undefined;
  p99: number | undefined;
  eventsPerSecond: number;
}

export class LatencyTracker {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;
  // Per-second receipt counts over a short window: a rate that stays right at any event rate, unlike a sample ring.
  readonly #counts: number[];
  #newestSecond = Number.NEGATIVE_INFINITY;

  constructor(
    size = 512,
    readonly windowSeconds = 5,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer');
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError('windowSeconds must be a positive integer');
    this.#ring = new Float64Array(size);
    this.#counts = new Array<number>(windowSeconds + 1).fill(0);
  }

  /** Records one event received at `receivedAt` that was published at `ts` (both ms since the epoch). */
  record(ts: number, receivedAt = this.now()): void {
    this.#ring[this.#next] = receivedAt - ts;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#filled < this.#ring.length) this.#filled++;
    this.#count(Math.floor(receivedAt / 1000));
  }

  summary(at = this.now()): LatencySummary {
    const samples = Array.from(this.#ring.subarray(0, this.#filled)).sort((a, b) => a - b);
    return { count: samples.length, p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), eventsPerSecond: this.#rate(at) };
  }

  reset(): void {
    this.#next = 0;
    this.#filled = 0;
    this.#counts.fill(0);
    this.#newestSecond = Number.NEGATIVE_INFINITY;
  }

  #count(second: number): void {
    this.#advance(second);
    if (second <= this.#newestSecond - this.#counts.length) return;
    this.#counts[mod(second, this.#counts.length)]! += 1;
  }

  #advance(second: number): void {
    if (second <= this.#newestSecond) return;
    const clear = Math.min(second - this.#newestSecond, this.#counts.length);
    for (let i = 1; i <= clear; i++) this.#counts[mod(second - clear + i, this.#counts.length)] = 0;
    this.#newestSecond = second;
  }

  /** Events per second over the last `windowSeconds` whole seconds; the current, partial second is left out. */
  #rate(at: number): number {
    const current = Math.floor(at / 1000);
    this.#advance(current);
    let sum = 0;
    for (let s = current - this.windowSeconds; s < current; s++) sum += this.#counts[mod(s, this.#counts.length)]!;
    return sum / this.windowSeconds;
  }
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1];
}

const mod = (n: number, m: number) => ((n % m) + m) % m;
