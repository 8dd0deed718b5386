import { describe, expect, it } from 'vitest';
import { ConfigError } from '@dish-live/server';
import { loadConfig } from './config.js';

describe("the notifier's configuration", () => {
  it('has the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3001, host: '0.0.0.0', redis: { url: 'redis://127.0.0.1:6379' }, keyPrefix: '', secretKey: undefined,
      maxAttempts: 8, backoffMs: 1000, timeoutMs: 5000, concurrency: 32, dnsServers: [],
    });
    expect(config.allowHosts.size).toBe(0);
  });

  it('reads the webhook variables', () => {
    const config = loadConfig({
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1:8080, [::1]:9', WEBHOOK_DNS_SERVERS: '127.0.0.1:5353', WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_BACKOFF_MS: '20', WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_CONCURRENCY: '4', WEBHOOK_SECRET_KEY: 'a'.repeat(64),
    });
    expect([...config.allowHosts]).toEqual(['127.0.0.1:8080', '[::1]:9']);
    expect(config).toMatchObject({ dnsServers: ['127.0.0.1:5353'], maxAttempts: 3, backoffMs: 20, timeoutMs: 300, concurrency: 4 });
    expect(config.secretKey?.length).toBe(32);
  });

  it('names every bad variable, and never shows the secret key', () => {
    const secret = 'not-a-key-but-secret-looking-0123456789';
    let error: ConfigError | undefined;
    try {
      loadConfig({ WEBHOOK_ALLOW_HOSTS: 'no-port', WEBHOOK_MAX_ATTEMPTS: '0', WEBHOOK_TIMEOUT_MS: '5s', WEBHOOK_SECRET_KEY: secret });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems.map((p) => p.variable).sort()).toEqual(['WEBHOOK_ALLOW_HOSTS', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_SECRET_KEY', 'WEBHOOK_TIMEOUT_MS']);
    expect(error?.message).not.toContain(secret);
  });
});
