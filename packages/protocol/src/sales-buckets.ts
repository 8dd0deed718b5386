// Sales per time bucket over a sliding window: which bucket a sale counts in (as apply-order.lua counts it), the
// counting, and what is kept. The one bucketing of the gateways' view and the clients' store.
import { LIMITS } from './limits.js';
import type { SalesBucket, SalesHistory } from './sales.js';

/** The span of sales history kept: what a snapshot carries (the dashboard's longest window), sliding as buckets are added. */
export const SALES_WINDOW_MS = LIMITS.snapshotSalesWindowMs;

/** The start of the bucket `ts` falls in: where the server counts a sale (apply-order.lua), so both agree. */
export function bucketStart(ts: number, bucketMs: number): number {
  return Math.floor(ts / bucketMs) * bucketMs;
}

/** A snapshot's sales history, then each sale counted in as it comes; oldest bucket first, one window at most. */
export class SalesBuckets implements SalesHistory {
  readonly bucketMs: number;
  readonly buckets: SalesBucket[];
  /**
   * From when sales are known: the oldest bucket the snapshot carried, or the snapshot itself when it carried none,
   * moving up as old buckets slide out. Before it nothing is known, which is not the same as nothing sold.
   */
  knownFrom: number;

  /** Copies `history` (the snapshot stays untouched); `now` is when it was taken. */
  constructor(
    history: SalesHistory,
    now: number,
    readonly windowMs: number = SALES_WINDOW_MS,
  ) {
    this.bucketMs = history.bucketMs;
    this.buckets = history.buckets.map((b) => ({ t: b.t, total: b.total, byCategory: { ...b.byCategory } }));
    const current = bucketStart(now, this.bucketMs);
    this.knownFrom = Math.min(this.buckets[0]?.t ?? current, current);
    this.#trim();
  }

  /** Counts `qty` of `category` sold at `ts`; returns the start of the bucket it went to, undefined when too old to keep. */
  add(ts: number, category: string, qty: number): number | undefined {
    const t = bucketStart(ts, this.bucketMs);
    const bucket = this.#bucketFor(t);
    if (!bucket) return undefined;
    bucket.total += qty;
    bucket.byCategory[category] = (bucket.byCategory[category] ?? 0) + qty;
    return t;
  }

  #bucketFor(t: number): SalesBucket | undefined {
    const newest = this.buckets.at(-1);
    if (!newest || newest.t < t) {
      const bucket = { t, total: 0, byCategory: {} };
      this.buckets.push(bucket);
      this.#trim();
      return bucket;
    }
    // A late sale still counts in the bucket of its time, as the server counted it, while that time is kept.
    if (t <= newest.t - this.windowMs) return undefined;
    let i = this.buckets.length - 1;
    while (i >= 0 && this.buckets[i]!.t > t) i--;
    if (i >= 0 && this.buckets[i]!.t === t) return this.buckets[i];
    const bucket = { t, total: 0, byCategory: {} };
    this.buckets.splice(i + 1, 0, bucket);
    return bucket;
  }

  /** Keeps the buckets of the last window before the newest, so a long-lived client does not grow with uptime. */
  #trim(): void {
    const newest = this.buckets.at(-1);
    if (!newest) return;
    const oldest = newest.t - this.windowMs;
    const drop = this.buckets.findIndex((b) => b.t > oldest);
    if (drop > 0) this.buckets.splice(0, drop);
    this.knownFrom = Math.max(this.knownFrom, bucketStart(oldest, this.bucketMs) + this.bucketMs);
  }
}
