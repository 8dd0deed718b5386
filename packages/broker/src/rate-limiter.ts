// Rate limits kept in Redis, so every replica of a service counts against the same budget.
import type { RedisClient } from './redis-client.js';
import { defineScripts, type ScriptClient } from './scripts.js';

export interface RateLimit {
  /** Tokens available at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export class RateLimiter {
  readonly #redis: ScriptClient;

  constructor(
    redis: RedisClient,
    private readonly prefix = '',
  ) {
    this.#redis = defineScripts(redis);
  }

  /** Takes one token from the bucket named `name` (e.g. `write:ip:1.2.3.4`). */
  take(name: string, limit: RateLimit): Promise<RateDecision> {
    return this.takeAll([name], limit);
  }

  /**
   * Takes one token from each named bucket, or none when any is empty: then the wait is the longest of theirs. On a
   * standalone Redis that is one call, and a refused request spends nothing. Bucket keys carry no hash tag (a tag
   * shared by all would put every client's budget in one slot), so on a cluster each bucket is a call of its own, in
   * order, and a request refused by a later bucket has spent a token of the earlier ones.
   */
  async takeAll(names: readonly string[], limit: RateLimit): Promise<RateDecision> {
    const keys = names.map((name) => `${this.prefix}rate:${name}`);
    if (!this.#redis.isCluster) return this.#take(keys, limit);
    for (const key of keys) {
      const decision = await this.#take([key], limit);
      if (!decision.allowed) return decision;
    }
    return { allowed: true };
  }

  async #take(keys: string[], limit: RateLimit): Promise<RateDecision> {
    const [allowed, wait] = (await this.#redis.dishLiveRateLimit(keys.length, ...keys, limit.burst, limit.perSecond)) as [number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
  }
}
