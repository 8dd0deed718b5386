// The restaurants a gateway process follows right now: each loaded when its first client arrives (concurrent first
// clients share one load), released a grace period after its last client leaves, and all of them kept within a memory
// budget — restaurants without clients go first, least recently used first, then the rings of the least recently used.
import type { EventLog } from '@dish-live/broker';
import { throttledWarn, type Logger } from '@dish-live/server';
import { LiveRestaurant, type RestaurantWiring } from './live-restaurant.js';
import { RestaurantLease } from './restaurant-lease.js';
import type { FanoutMetrics } from './metrics.js';
import type { Sink } from './transport.js';

export interface LiveRestaurantsOptions<S extends Sink> {
  wiring: RestaurantWiring<S>;
  /** A restaurant's event log (one per live restaurant; they share the command connection). */
  logFor: (restaurant: string) => EventLog;
  /** How long a restaurant without clients stays loaded (a client back within it finds it live). */
  graceMs: number;
  /** The estimated bytes all live restaurants may take together. */
  budgetBytes: number;
  /** How often the budget is checked besides after each load (rings grow between checks by at most this long's events). */
  budgetCheckMs?: number;
  metrics: FanoutMetrics;
  logger: Logger;
}

export class LiveRestaurants<S extends Sink = Sink> {
  readonly #o: LiveRestaurantsOptions<S>;
  /** Loading and live restaurants by id. */
  readonly #byId = new Map<string, LiveRestaurant<S>>();
  /** Releases still unsubscribing: a new load of the same restaurant waits for its release to finish. */
  readonly #releasing = new Map<string, Promise<void>>();
  readonly #overBudget: (err: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  /** The estimated bytes all live restaurants may take; a change applies at the next check. */
  budgetBytes: number;

  constructor(options: LiveRestaurantsOptions<S>) {
    this.#o = options;
    this.budgetBytes = options.budgetBytes;
    this.#overBudget = throttledWarn(options.logger, 'memory budget exceeded by restaurants that all have clients', 10_000);
  }

  start(): void {
    this.#timer = setInterval(() => this.sweep(), this.#o.budgetCheckMs ?? 1000);
    this.#timer.unref();
  }

  /** Lets every restaurant go (shutdown): timers cleared, channels unsubscribed. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#byId.values()];
    for (const r of all) {
      clearTimeout(r.releaseTimer);
      r.state = 'released';
    }
    this.#byId.clear();
    await Promise.allSettled([...all.map((r) => r.loaded.catch(() => undefined).then(() => r.live.stop())), ...this.#releasing.values()]);
  }

  /** Loading and live restaurants. */
  get size(): number {
    return this.#byId.size;
  }

  /** Whether the restaurant is loading or live here (then it exists: no registry read needed). */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The live restaurant (loaded), if it is. */
  get(id: string): LiveRestaurant<S> | undefined {
    const r = this.#byId.get(id);
    return r?.state === 'live' ? r : undefined;
  }

  values(): IterableIterator<LiveRestaurant<S>> {
    return this.#byId.values();
  }

  /** Holds the restaurant, loading it unless it is loading or live already; rejects when the load fails. */
  async acquire(id: string): Promise<RestaurantLease<S>> {
    const r = this.#byId.get(id) ?? this.#load(id);
    this.#hold(r);
    r.leases++;
    try {
      await r.loaded;
    } catch (err) {
      r.leases--;
      throw err;
    }
    return new RestaurantLease(r, () => this.unlease(r));
  }

  /** A hold on a restaurant that is live now, without waiting; undefined when it is not. */
  tryAcquire(id: string): RestaurantLease<S> | undefined {
    const r = this.get(id);
    if (!r) return undefined;
    this.#hold(r);
    r.leases++;
    return new RestaurantLease(r, () => this.unlease(r));
  }

  /** A lease gave its hold back without becoming a connection. */
  unlease(r: LiveRestaurant<S>): void {
    r.leases--;
    this.#unhold(r);
  }

  /** A lease became this connection: the hold is now the connection's. */
  attach(r: LiveRestaurant<S>): void {
    r.leases--;
    r.connectionCount++;
  }

  /** A connection ended: its hold goes. */
  detach(r: LiveRestaurant<S>): void {
    r.connectionCount--;
    this.#unhold(r);
  }

  /** The estimated bytes of every live restaurant. */
  estimatedBytes(): number {
    let total = 0;
    for (const r of this.#byId.values()) if (r.state === 'live') total += r.estimatedBytes;
    return total;
  }

  /** Every live restaurant's view is fed (loading ones do not count: nobody is served from them yet). */
  get allReady(): boolean {
    for (const r of this.#byId.values()) if (r.state === 'live' && !r.live.ready) return false;
    return true;
  }

  /** The periodic pass: the budget kept, the gauges and the feeds' gap fills brought up to date. */
  sweep(): void {
    this.enforceBudget();
    for (const r of this.#byId.values()) this.#countGaps(r);
  }

  /**
   * Over budget: restaurants without clients are released, least recently used first; if that is not enough, the
   * rings of the least recently used restaurants are shrunk (their resumes then read Redis: exact, only slower). A
   * restaurant with clients is never released.
   */
  enforceBudget(): void {
    const { metrics } = this.#o;
    const budgetBytes = this.budgetBytes;
    let total = this.estimatedBytes();
    if (total > budgetBytes) {
      const byLastUse = (a: LiveRestaurant<S>, b: LiveRestaurant<S>) => a.lastUsed - b.lastUsed;
      const live = [...this.#byId.values()].filter((r) => r.state === 'live').sort(byLastUse);
      for (const r of live) {
        if (total <= budgetBytes) break;
        if (r.holders > 0) continue;
        total -= r.estimatedBytes;
        this.#release(r, true);
      }
      for (const r of live) {
        if (total <= budgetBytes) break;
        const ring = r.live.ring;
        if (r.state !== 'live' || ring.size === 0) continue;
        const before = ring.bytes;
        ring.shrink(ring.newestWithin(Math.max(0, before - (total - budgetBytes))));
        if (ring.bytes === before) continue;
        total -= before - ring.bytes;
        metrics.restaurantRingShrinks.inc();
      }
      if (total > budgetBytes) this.#overBudget(new Error(`${total} estimated bytes for a budget of ${budgetBytes}`));
    }
    metrics.restaurantBytes.set(total);
  }

  #load(id: string): LiveRestaurant<S> {
    const { logFor, wiring, metrics, logger } = this.#o;
    const r = new LiveRestaurant<S>(id, logFor(id), wiring);
    this.#byId.set(id, r);
    metrics.restaurantsLive.set(this.#byId.size);
    const releasing = this.#releasing.get(id);
    r.loaded = (async () => {
      // The same restaurant's last release finishes unsubscribing before this load subscribes again.
      await releasing;
      await r.live.start();
    })().then(
      () => {
        if (r.state === 'released') return;
        r.state = 'live';
        metrics.restaurantLoads.inc();
        logger.debug({ restaurant: id, live: this.#byId.size }, 'restaurant loaded');
        this.enforceBudget();
      },
      async (err: Error) => {
        if (this.#byId.get(id) === r) this.#byId.delete(id);
        r.state = 'released';
        metrics.restaurantsLive.set(this.#byId.size);
        logger.warn({ restaurant: id, err: err.message }, 'restaurant could not be loaded');
        await r.live.stop().catch(() => undefined);
        throw err;
      },
    );
    // Every load has an acquire awaiting it; this keeps a failure nobody awaits any more from being unhandled.
    r.loaded.catch(() => undefined);
    return r;
  }

  #hold(r: LiveRestaurant<S>): void {
    clearTimeout(r.releaseTimer);
    r.releaseTimer = undefined;
    r.lastUsed = performance.now();
  }

  #unhold(r: LiveRestaurant<S>): void {
    r.lastUsed = performance.now();
    if (r.holders > 0 || r.state === 'released') return;
    clearTimeout(r.releaseTimer);
    r.releaseTimer = setTimeout(() => this.#release(r, false), this.#o.graceMs);
    r.releaseTimer.unref();
  }

  /** Drops the restaurant at once: off the map (a new client loads it afresh), then its channel is unsubscribed. */
  #release(r: LiveRestaurant<S>, evicted: boolean): void {
    if (this.#byId.get(r.id) !== r || r.holders > 0) return;
    const { metrics, logger } = this.#o;
    clearTimeout(r.releaseTimer);
    r.releaseTimer = undefined;
    this.#byId.delete(r.id);
    r.state = 'released';
    this.#countGaps(r);
    metrics.restaurantsLive.set(this.#byId.size);
    metrics.restaurantReleases.inc();
    if (evicted) metrics.restaurantEvictions.inc();
    logger.debug({ restaurant: r.id, evicted, live: this.#byId.size }, 'restaurant released');
    const done: Promise<void> = r.loaded
      .catch(() => undefined)
      .then(() => r.live.stop())
      .catch((err: Error) => logger.warn({ restaurant: r.id, err: err.message }, 'restaurant release failed'))
      .finally(() => {
        if (this.#releasing.get(r.id) === done) this.#releasing.delete(r.id);
      });
    this.#releasing.set(r.id, done);
  }

  #countGaps(r: LiveRestaurant<S>): void {
    const gaps = r.live.gapsFilled;
    if (gaps > r.gapsCounted) {
      this.#o.metrics.feedGapsFilled.inc(gaps - r.gapsCounted);
      r.gapsCounted = gaps;
    }
  }
}
