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
  async take(name: string, limit: RateLimit): Promise<RateDecision> {
    const [allowed, wait] = (await this.#redis.dishLiveRateLimit(
      `${this.prefix}rate:${name}`, limit.burst, limit.perSecond,
    )) as [number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
  }
}
