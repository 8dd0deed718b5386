// Configuration errors name the variable; origins and the chat bucket behave as documented.
import { describe, expect, it } from 'vitest';
import { ConfigError, gatewayEnv, loadEnv, originAllowed, portEnv } from './config.js';
import { TokenBucket } from './rate-limit.js';

const shape = { ...gatewayEnv, PORT: portEnv(8081) };

describe('config', () => {
  it('applies documented defaults', () => {
    const config = loadEnv(shape, {});
    expect(config).toMatchObject({ PORT: 8081, RING_SIZE: 10_000, SOFT_LIMIT_BYTES: 262_144, HARD_LIMIT_BYTES: 4_194_304, ALLOWED_ORIGINS: '*', SHUTDOWN_GRACE_MS: 5000 });
  });

  it('names every bad variable', () => {
    expect(() => loadEnv(shape, { PORT: 'eighty', RING_SIZE: '0' })).toThrow(ConfigError);
    try {
      loadEnv(shape, { PORT: 'eighty', RING_SIZE: '0', REDIS_URL: 'localhost' });
    } catch (err) {
      expect((err as Error).message).toMatch(/PORT="eighty"/);
      expect((err as Error).message).toMatch(/RING_SIZE="0"/);
      expect((err as Error).message).toMatch(/REDIS_URL="localhost"/);
    }
  });

  it('checks origins against the list, * allowing all', () => {
    expect(originAllowed('*', 'http://x')).toBe(true);
    expect(originAllowed('http://a, http://b', 'http://b')).toBe(true);
    expect(originAllowed('http://a,http://b', 'http://c')).toBe(false);
    expect(originAllowed('http://a', undefined)).toBe(true);
  });

  it('rate-limits with a token bucket', () => {
    let now = 0;
    const bucket = new TokenBucket(5, 10, () => now);
    const first = Array.from({ length: 12 }, () => bucket.take());
    expect(first.filter(Boolean).length).toBe(10);
    now += 1000;
    expect(Array.from({ length: 6 }, () => bucket.take()).filter(Boolean).length).toBe(5);
  });
});
