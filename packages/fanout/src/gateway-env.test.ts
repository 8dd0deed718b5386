// Gateway configuration: documented defaults, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv, portEnv } from '@dish-live/server';
import { gatewayEnv } from './gateway-env.js';

const shape = { ...gatewayEnv, PORT: portEnv(8081) };

describe('config', () => {
  it('applies documented defaults', () => {
    const config = loadEnv(shape, {});
    expect(config).toMatchObject({ PORT: 8081, RING_SIZE: 10_000, SOFT_LIMIT_BYTES: 262_144, HARD_LIMIT_BYTES: 4_194_304, ALLOWED_ORIGINS: [], SHUTDOWN_GRACE_MS: 5000, CHAT_REQUIRES_TOKEN: false });
    expect(config).toMatchObject({ MAX_CONNECTIONS: 20_000, MAX_CONNECTIONS_PER_IP: 1000 });
    expect(config).toMatchObject({ RESTAURANT_GRACE_MS: 30_000, RESTAURANT_MEMORY_BUDGET_MB: 256 });
    expect(config.TRUST_PROXY.rules, 'no proxy is trusted unless one is named').toEqual([]);
    expect(config.SUBSCRIBE_JWT_SECRET).toBeUndefined();
    expect(config.SUBSCRIBE_TOKEN_REQUIRED).toBeUndefined();
  });

  it('checks the subscription-token variables', () => {
    expect(loadEnv(shape, { SUBSCRIBE_TOKEN_REQUIRED: 'false' }).SUBSCRIBE_TOKEN_REQUIRED).toBe(false);
    expect(loadEnv(shape, { SUBSCRIBE_TOKEN_REQUIRED: '1' }).SUBSCRIBE_TOKEN_REQUIRED).toBe(true);
    expect(() => loadEnv(shape, { SUBSCRIBE_JWT_SECRET: 'short' })).toThrow(/SUBSCRIBE_JWT_SECRET="\*\*\*"/);
    expect(() => loadEnv(shape, { SUBSCRIBE_JWT_PUBLIC_KEY: 'not a pem' })).toThrow(/SUBSCRIBE_JWT_PUBLIC_KEY/);
    expect(() => loadEnv(shape, { SUBSCRIBE_TOKEN_REQUIRED: 'yes' })).toThrow(/SUBSCRIBE_TOKEN_REQUIRED/);
    expect(() => loadEnv(shape, { MAX_CONNECTIONS_PER_IP: '0' })).toThrow(/MAX_CONNECTIONS_PER_IP/);
    expect(() => loadEnv(shape, { TRUST_PROXY: 'a b' })).toThrow(/TRUST_PROXY/);
  });

  it('checks the restaurant variables: a grace a timer can hold, a budget of at least 1 MiB', () => {
    expect(loadEnv(shape, { RESTAURANT_GRACE_MS: '0', RESTAURANT_MEMORY_BUDGET_MB: '1' })).toMatchObject({ RESTAURANT_GRACE_MS: 0, RESTAURANT_MEMORY_BUDGET_MB: 1 });
    expect(() => loadEnv(shape, { RESTAURANT_GRACE_MS: '-1' })).toThrow(/RESTAURANT_GRACE_MS="-1"/);
    expect(() => loadEnv(shape, { RESTAURANT_GRACE_MS: String(2 ** 31) })).toThrow(/RESTAURANT_GRACE_MS: expected an integer from 0 to 2147483647/);
    expect(() => loadEnv(shape, { RESTAURANT_MEMORY_BUDGET_MB: '0' })).toThrow(/RESTAURANT_MEMORY_BUDGET_MB="0"/);
    expect(() => loadEnv(shape, { RESTAURANT_MEMORY_BUDGET_MB: '256MB' })).toThrow(/RESTAURANT_MEMORY_BUDGET_MB="256MB"/);
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
});
