// Configuration from the environment: defaults, and errors that name the variable.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, isTrusted } from '@dish-live/server';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const { trustProxy, ...config } = loadConfig({});
    expect(trustProxy.rules, 'no proxy is trusted unless one is named').toEqual([]);
    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      redis: { url: 'redis://127.0.0.1:6379' },
      durability: { minReplicas: 0, replicaTimeoutMs: 1000 },
      apiTokens: [],
      simRate: 0,
      streamMaxLen: 100_000,
      historyRetentionMs: 86_400_000,
      salesBucketMs: 10_000,
      keyPrefix: '',
      logLevel: 'info',
      orderConcurrency: 8,
      chatRequiresToken: false,
      seedMenu: true,
      chatRate: { burst: 10, perSecond: 1 },
      writeRate: { burst: 200, perSecond: 50 },
      allowedOrigins: [],
      orderLockMs: 30_000,
      snapshotSalesWindowMs: 3_600_000,
      simRestaurants: ['default'],
      subscribe: { SUBSCRIBE_JWT_SECRET: undefined, SUBSCRIBE_JWT_PUBLIC_KEY: undefined, SUBSCRIBE_TOKEN_REQUIRED: undefined },
      webhooks: { secretKey: undefined, allowHosts: new Set(), dnsServers: [], resolveTimeoutMs: 5000 },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      REDIS_URL: 'rediss://:secret@redis.internal:6380/2',
      DISH_API_TOKENS: ' one , two,,',
      SIM_RATE: '2.5',
      STREAM_MAXLEN: '5000',
      HISTORY_RETENTION_MS: '3600000',
      SALES_BUCKET_MS: '60000',
      KEY_PREFIX: 'tenant-a:',
      LOG_LEVEL: 'debug',
      ORDER_CONCURRENCY: '4',
      CHAT_REQUIRES_TOKEN: 'true',
      SEED_MENU: '0',
      CHAT_RATE_BURST: '5',
      CHAT_RATE_PER_SEC: '0.5',
      WRITE_RATE_BURST: '20',
      WRITE_RATE_PER_SEC: '2.5',
      ALLOWED_ORIGINS: 'https://Dash.example.com, http://localhost:5173',
      ORDER_LOCK_MS: '2000',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
      SNAPSHOT_SALES_WINDOW_MS: '900000',
      SIM_RESTAURANTS: 'default, demo-noodles,demo-noodles, 7-bar',
      SUBSCRIBE_JWT_SECRET: 's'.repeat(32),
      SUBSCRIBE_TOKEN_REQUIRED: 'false',
    });
    expect(config).toMatchObject({
      port: 8080,
      apiTokens: ['one', 'two'],
      simRate: 2.5,
      streamMaxLen: 5000,
      historyRetentionMs: 3_600_000,
      keyPrefix: 'tenant-a:',
      logLevel: 'debug',
      orderConcurrency: 4,
      chatRequiresToken: true,
      seedMenu: false,
      chatRate: { burst: 5, perSecond: 0.5 },
      writeRate: { burst: 20, perSecond: 2.5 },
      allowedOrigins: ['https://dash.example.com', 'http://localhost:5173'],
      orderLockMs: 2000,
      snapshotSalesWindowMs: 900_000,
      simRestaurants: ['default', 'demo-noodles', '7-bar'],
      subscribe: { SUBSCRIBE_JWT_SECRET: 's'.repeat(32), SUBSCRIBE_TOKEN_REQUIRED: false },
    });
    expect(['10.1.2.3', '192.168.1.1', '192.168.1.2'].map((a) => isTrusted(a, config.trustProxy))).toEqual([true, true, false]);
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, *' }).allowedOrigins).toBe('*');
    const hashed = `sha256:${'ab'.repeat(32)}`;
    expect(loadConfig({ DISH_API_TOKENS: `plain, ${hashed}` }).apiTokens).toEqual(['plain', hashed]);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', SIM_RATE: '' })).toMatchObject({ port: 3000, simRate: 0 });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['REDIS_URL', 'localhost:6379'],
    ['SIM_RATE', '-1'],
    ['SIM_RATE', 'fast'],
    ['STREAM_MAXLEN', '10'],
    ['LOG_LEVEL', 'loud'],
    ['ORDER_CONCURRENCY', '0'],
    ['CHAT_REQUIRES_TOKEN', 'maybe'],
    ['CHAT_RATE_BURST', '0'],
    ['CHAT_RATE_PER_SEC', 'lots'],
    ['TRUST_PROXY', 'everyone!'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'loopback'],
    ['DISH_API_TOKENS', 'good, sha256:abc'],
    ['DISH_API_TOKENS', `sha256:${'g'.repeat(64)}`],
    ['WRITE_RATE_BURST', '0'],
    ['WRITE_RATE_PER_SEC', '-2'],
    ['ALLOWED_ORIGINS', 'https://a.example/path'],
    ['ALLOWED_ORIGINS', 'a.example'],
    ['ORDER_LOCK_MS', '10'],
    ['SIM_RESTAURANTS', 'Demo'],
    ['SIM_RESTAURANTS', 'a,-b'],
    ['SIM_RESTAURANTS', ' , '],
    ['SIM_RESTAURANTS', 'x'.repeat(41)],
    ['SUBSCRIBE_JWT_SECRET', 'short'],
    ['SUBSCRIBE_JWT_PUBLIC_KEY', 'not a pem'],
    ['SUBSCRIBE_TOKEN_REQUIRED', 'maybe'],
    ['WEBHOOK_ALLOW_HOSTS', 'hooks.example'],
    ['WEBHOOK_ALLOW_HOSTS', '127.0.0.1:99999'],
    ['WEBHOOK_DNS_SERVERS', 'dns.example'],
    ['WEBHOOK_SECRET_KEY', 'too-short'],
    ['WEBHOOK_SECRET_KEY', 'ab'.repeat(31)],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [variable]: value });
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
      expect((err as Error).message).toContain(`${variable}: `);
    }
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT: .*; LOG_LEVEL: /);
    expect(() => loadConfig({ PORT: 'x', WEBHOOK_SECRET_KEY: 'y' })).toThrow(/PORT: .*; WEBHOOK_SECRET_KEY: /);
  });

  it('reads the webhook variables, and never shows a bad WEBHOOK_SECRET_KEY', () => {
    const key = randomBytes(32);
    const { webhooks } = loadConfig({
      WEBHOOK_SECRET_KEY: key.toString('base64'),
      WEBHOOK_ALLOW_HOSTS: '127.1:9000, [::1]:443',
      WEBHOOK_DNS_SERVERS: '127.0.0.1:5353 [::1]:53',
      WEBHOOK_TIMEOUT_MS: '800',
    });
    expect(webhooks).toEqual({
      secretKey: key, allowHosts: new Set(['127.0.0.1:9000', '[::1]:443']), dnsServers: ['127.0.0.1:5353', '[::1]:53'], resolveTimeoutMs: 800,
    });
    expect(loadConfig({ WEBHOOK_SECRET_KEY: key.toString('hex') }).webhooks.secretKey).toEqual(key);

    const leaked = `${key.toString('base64').slice(0, 40)}!!!!`;
    try {
      loadConfig({ WEBHOOK_SECRET_KEY: leaked });
      expect.unreachable('a bad key must stop the start');
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([{ variable: 'WEBHOOK_SECRET_KEY', value: '***', message: expect.stringMatching(/32 bytes/) as string }]);
      expect((err as Error).message).not.toContain(leaked.slice(0, 20));
    }
  });
});
