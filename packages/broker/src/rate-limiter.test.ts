import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { RateLimiter } from './index.js';

const { url, prefix } = testRedis('rate-limiter');
const redis = new Redis(url);
const other = new Redis(url);
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit()]);
});

describe('rate limiter', () => {
  it('allows the burst, then refuses with the time until the next token, shared by two replicas', async () => {
    const a = new RateLimiter(redis, prefix);
    const b = new RateLimiter(other, prefix);
    const limit = { burst: 5, perSecond: 2 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await a.take('chat:ip:1', limit));
    decisions.push(await b.take('chat:ip:1', limit));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    const refused = await b.take('chat:ip:1', limit);
    expect(refused.allowed).toBe(false);
    expect(!refused.allowed && refused.retryAfterMs).toBeGreaterThan(0);
    expect(!refused.allowed && refused.retryAfterMs).toBeLessThanOrEqual(500);
    expect((await a.take('chat:ip:2', limit)).allowed).toBe(true);
  });

  it('refills over time', async () => {
    const limiter = new RateLimiter(redis, prefix);
    // A token every 500 ms: the refusal right after the first take holds even on a loaded machine (at 50/s two
    // calls 20 ms apart, as a busy CI run made them, already saw a new token).
    const limit = { burst: 1, perSecond: 2 };
    expect((await limiter.take('refill', limit)).allowed).toBe(true);
    const refused = await limiter.take('refill', limit);
    expect(refused.allowed).toBe(false);
    await new Promise((r) => setTimeout(r, (refused.allowed ? 0 : refused.retryAfterMs) + 5));
    expect((await limiter.take('refill', limit)).allowed).toBe(true);
  });

  it('takes from several buckets at once, or from none: a refusal spends nothing and waits for the emptiest', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const limit = { burst: 2, perSecond: 1 };
    expect((await limiter.take('both:token', limit)).allowed).toBe(true);
    expect((await limiter.take('both:token', limit)).allowed).toBe(true);
    const before = await redis.hgetall(`${prefix}rate:both:ip`);
    const refused = await limiter.takeAll(['both:ip', 'both:token'], limit);
    expect(refused.allowed).toBe(false);
    expect(!refused.allowed && refused.retryAfterMs).toBeGreaterThan(0);
    expect(!refused.allowed && refused.retryAfterMs).toBeLessThanOrEqual(1000);
    // The address's bucket was left as it was: not even created.
    expect(await redis.hgetall(`${prefix}rate:both:ip`)).toEqual(before);
    expect((await limiter.takeAll(['both:ip', 'both:other'], limit)).allowed).toBe(true);
    expect((await limiter.takeAll(['both:ip', 'both:other'], limit)).allowed).toBe(true);
    expect((await limiter.take('both:ip', limit)).allowed).toBe(false);
    expect((await limiter.take('both:other', limit)).allowed).toBe(false);
  });
});
