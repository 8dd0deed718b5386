// Writes dish events at a fixed rate: through the broker (EventLog.updateDish) or by PATCH through the dish service.
import type { Redis } from 'ioredis';
import { EventLog } from '@dish-live/broker';
import { BENCH_DISH_ID } from './loadgen/message.js';
import { LatencyHistogram } from './loadgen/stats.js';

/** One event's write; resolves with the bench dish's version after it (the sequence number). */
type Write = () => Promise<number>;

export interface PublishResult {
  sent: number;
  /** Events per second actually written (below the target when writes could not keep up). */
  rate: number;
  lastSeq: number;
  /** Round trip of each write (PATCH in end-to-end runs). */
  writeLatency: LatencyHistogram;
}

/** A closed-loop run: failed writes are counted rather than ending it (a refused write is an answer too). */
export interface SaturateResult extends PublishResult {
  failed: number;
  firstError?: string;
}

const BENCH_DISH = { id: BENCH_DISH_ID, name: 'Mapo tofu (bench)', category: 'Sichuan', price: 1000, stock: 500 };
/** A bound on unanswered writes: past it the publisher is the bottleneck and says so by its achieved rate. */
const MAX_IN_FLIGHT = 2000;

export class Publisher {
  readonly #write: Write;
  lastSeq = 0;
  /** The sequence number the next write is meant to get (writes only vary the price; the version they answer is the truth). */
  #issued = -1;
  #inFlight = 0;
  /** Per restaurant, the bench dish's newest version (a publisher spread over restaurants); empty otherwise. */
  readonly versions = new Map<string, number>();

  private constructor(write: (seq: number) => Promise<number>) {
    this.#write = () => {
      if (this.#issued < this.lastSeq) this.#issued = this.lastSeq;
      return write(++this.#issued);
    };
  }

  /** Through the project's broker: the Lua script updates the dish, appends to the stream and publishes. */
  static async broker(redis: Redis, prefix: string): Promise<Publisher> {
    const log = new EventLog(redis, { prefix });
    const existing = await log.getDish(BENCH_DISH_ID);
    const dish = existing ?? (await log.createDish(BENCH_DISH));
    const p = new Publisher(async (seq) => (await log.updateDish(BENCH_DISH_ID, { price: 1000 + (seq % 9000) })).version);
    p.lastSeq = dish.version;
    return p;
  }

  /**
   * Through the broker, spread over restaurants: event k goes to `restaurants[k % n]` (round robin, so every restaurant
   * gets the same rate), each restaurant's bench dish its own sequence (`versions`). `lastSeq` is then only the highest.
   */
  static spread(redis: Redis, prefix: string, restaurants: readonly string[]): Promise<Publisher> {
    return Publisher.over(restaurants.map((restaurant) => new EventLog(redis, { prefix, restaurant })), restaurants);
  }

  /**
   * As `spread`, over logs made by the caller (`logs[i]` is `restaurants[i]`'s): each on whatever client and with
   * whatever durability it was made with (the cluster scenario: several cluster connections, WRITE_MIN_REPLICAS).
   */
  static async over(logs: readonly EventLog[], restaurants: readonly string[]): Promise<Publisher> {
    const versions = await Promise.all(logs.map(async (log) => ((await log.getDish(BENCH_DISH_ID)) ?? (await log.createDish(BENCH_DISH))).version));
    let next = 0;
    const p = new Publisher(async () => {
      const k = next++;
      const i = k % logs.length;
      // Each restaurant's price steps by one per write of its own, so every write changes the dish.
      const { version } = await logs[i]!.updateDish(BENCH_DISH_ID, { price: 1000 + (Math.floor(k / logs.length) % 9000) });
      const rid = restaurants[i]!;
      if (version > (p.versions.get(rid) ?? -1)) p.versions.set(rid, version);
      return version;
    });
    restaurants.forEach((rid, i) => p.versions.set(rid, versions[i]!));
    p.lastSeq = Math.max(0, ...versions);
    return p;
  }

  /** As a user would: PATCH /api/dishes/:id with a bearer token, the dish service doing the rest. */
  static http(port: number, token: string, startSeq: number): Publisher {
    const p = new Publisher(async (seq) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/dishes/${BENCH_DISH_ID}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ price: 1000 + (seq % 9000) }),
      });
      if (!response.ok) throw new Error(`PATCH answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { version: number }).version;
    });
    p.lastSeq = startSeq;
    return p;
  }

  /** Writes `rate` events per second for `durationMs`, evenly, then waits for the writes still in flight. */
  async run(rate: number, durationMs: number, onTick?: (sent: number) => void): Promise<PublishResult> {
    const writeLatency = new LatencyHistogram();
    const started = performance.now();
    let sent = 0;
    let failure: Error | undefined;
    const pending = new Set<Promise<void>>();
    const one = () => {
      const t0 = performance.now();
      this.#inFlight++;
      const p = this.#write()
        .then((seq) => {
          writeLatency.record(performance.now() - t0);
          if (seq > this.lastSeq) this.lastSeq = seq;
        })
        .catch((err: Error) => {
          failure ??= err;
        })
        .finally(() => {
          this.#inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    };
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        const due = Math.min(Math.floor((rate * Math.min(elapsed, durationMs)) / 1000), Math.round((rate * durationMs) / 1000));
        while (sent < due && this.#inFlight < MAX_IN_FLIGHT && !failure) {
          one();
          sent++;
        }
        onTick?.(sent);
        if (elapsed >= durationMs || failure) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const elapsed = performance.now() - started;
    await Promise.all(pending);
    if (failure) throw failure;
    return { sent, rate: Math.round((sent / elapsed) * 1000), lastSeq: this.lastSeq, writeLatency };
  }

  /**
   * Keeps `concurrency` writes in flight for `durationMs`, each answer sending the next (a closed loop): the most
   * writes/s the path takes, whoever limits it. Writes still in flight at the end are waited for and counted.
   */
  async saturate(concurrency: number, durationMs: number): Promise<SaturateResult> {
    const writeLatency = new LatencyHistogram();
    const started = performance.now();
    const end = started + durationMs;
    let sent = 0;
    let failed = 0;
    let firstError: string | undefined;
    const lane = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const seq = await this.#write();
          writeLatency.record(performance.now() - t0);
          if (seq > this.lastSeq) this.lastSeq = seq;
          sent++;
        } catch (err) {
          failed++;
          firstError ??= (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
    const elapsed = performance.now() - started;
    return { sent, failed, ...(firstError ? { firstError } : {}), rate: Math.round((sent / elapsed) * 1000), lastSeq: this.lastSeq, writeLatency };
  }
}
