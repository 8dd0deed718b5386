// Mergeable latency histogram and per-client order/loss tracking: the counting every load generator client does.

/** Below 1 ms buckets are 0.01 ms wide; above, each bucket is 1% wider than the last (log-linear, like HdrHistogram). */
const LINEAR_BUCKETS = 100;
const GROWTH = Math.log(1.01);
const MAX_MS = 300_000;
const BUCKETS = LINEAR_BUCKETS + Math.ceil(Math.log(MAX_MS) / GROWTH) + 1;

function computeBucket(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < 1) return Math.floor(ms * 100);
  return Math.min(BUCKETS - 1, LINEAR_BUCKETS + Math.floor(Math.log(ms) / GROWTH));
}

/**
 * A million latencies a second each took a Math.log: below 10 s a table, in steps of 0.01 ms, answers instead. A
 * step a bucket boundary falls into is marked, and only its values take the formula: the answer is always exact.
 */
const TABLE_STEPS = 1_000_000;
const STRADDLES = 0xffff;
const BUCKET_TABLE = (() => {
  const table = new Uint16Array(TABLE_STEPS);
  for (let i = 0; i < TABLE_STEPS; i++) {
    const bucket = computeBucket(i / 100);
    table[i] = bucket === computeBucket((i + 1) / 100) ? bucket : STRADDLES;
  }
  return table;
})();

export function bucketOf(ms: number): number {
  const step = Math.floor(ms * 100);
  if (step < 0 || step >= TABLE_STEPS) return computeBucket(ms);
  const bucket = BUCKET_TABLE[step]!;
  return bucket === STRADDLES ? computeBucket(ms) : bucket;
}

export { computeBucket as bucketOfByFormula };

/** The upper bound of a bucket, so a percentile never understates. */
function upperBound(bucket: number): number {
  if (bucket < LINEAR_BUCKETS) return (bucket + 1) / 100;
  return Math.exp((bucket - LINEAR_BUCKETS + 1) * GROWTH);
}

/** Sparse wire form: [bucket, count] pairs, cheap to send over IPC. */
export type HistogramData = { pairs: [number, number][]; max: number; count: number; sum: number };

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;
  sum = 0;

  record(ms: number): void {
    this.#counts[bucketOf(ms)]! += 1;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  reset(): void {
    this.#counts.fill(0);
    this.count = 0;
    this.max = 0;
    this.sum = 0;
  }

  /** The smallest bucket bound that at least q (0..1) of the samples fall under; the max for q = 1. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(upperBound(i), this.max);
    }
    return this.max;
  }

  toData(): HistogramData {
    const pairs: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) pairs.push([i, this.#counts[i]!]);
    return { pairs, max: this.max, count: this.count, sum: this.sum };
  }

  merge(data: HistogramData): void {
    for (const [bucket, count] of data.pairs) this.#counts[bucket]! += count;
    this.count += data.count;
    this.sum += data.sum;
    if (data.max > this.max) this.max = data.max;
  }
}

/** Counters of one measuring window, summed over clients (and over worker processes by the orchestrator). */
export interface Counters {
  /** Events delivered (dish.* and chat.message messages). */
  events: number;
  /** Other messages: snapshot, resumed, state, pong, error. */
  control: number;
  /** Events skipped by a gap in the sequence: lost. */
  lost: number;
  /** Events that arrived at or below a sequence number already seen: reordered or duplicated. */
  reordered: number;
  /** Events a conflated `state` message stood for (not lost: the client got their result). */
  conflated: number;
  bytes: number;
}

export const emptyCounters = (): Counters => ({ events: 0, control: 0, lost: 0, reordered: 0, conflated: 0, bytes: 0 });

export function addCounters(into: Counters, from: Counters): void {
  into.events += from.events;
  into.control += from.control;
  into.lost += from.lost;
  into.reordered += from.reordered;
  into.conflated += from.conflated;
  into.bytes += from.bytes;
}

/**
 * Checks one client's stream against the publisher's sequence (the bench dish's `version`): every event must be the
 * one after the last. The first number a client sees is its baseline.
 */
export class SequenceTracker {
  last = -1;

  /** Returns what the event means for the counters. */
  event(seq: number, counters: Counters): void {
    if (this.last >= 0) {
      if (seq <= this.last) {
        counters.reordered++;
        return;
      }
      if (seq > this.last + 1) counters.lost += seq - this.last - 1;
    }
    this.last = seq;
  }

  /** A snapshot sets the baseline; a conflated state jumps ahead over the events it stands for. */
  jump(seq: number, counters: Counters, conflated: boolean): void {
    if (conflated && this.last >= 0 && seq > this.last) counters.conflated += seq - this.last;
    if (seq > this.last) this.last = seq;
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function summarize(h: LatencyHistogram): LatencySummary {
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: h.count,
    p50: round(h.percentile(0.5)),
    p90: round(h.percentile(0.9)),
    p99: round(h.percentile(0.99)),
    p999: round(h.percentile(0.999)),
    max: round(h.max),
    mean: round(h.count ? h.sum / h.count : 0),
  };
}

/**
 * The least-squares slope of y over x: the growth per unit of a quantity measured at several counts, which one noisy
 * reading (a collection that ran late, a buffer freed between two readings) cannot tip over as a difference of two can.
 */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) throw new RangeError('a slope needs two points or more');
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) throw new RangeError('a slope needs two distinct x');
  return points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}
