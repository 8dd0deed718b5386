// Shared by the dish service's tests: an in-process service on port 0 against the run's real Redis, and a JSON client.
import { Redis } from 'ioredis';
import { EventLog } from '@dish-live/broker';
import { createLogger } from '@dish-live/server';
import type { TestRedis } from '@dish-live/test-support';
import { loadConfig, type Config } from './config.js';

import { startDishService, type DishService, type StartOptions } from './service.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Tests that speak for many client addresses do it as a proxy on loopback would: through a trusted X-Forwarded-For. */
export const BEHIND_LOOPBACK_PROXY: Partial<Config> = { trustProxy: loadConfig({ TRUST_PROXY: '127.0.0.1, ::1' }).trustProxy };

export function testConfig(redis: TestRedis, overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    redis: { url: redis.url },
    durability: { minReplicas: 0, replicaTimeoutMs: 1000 },
    keyPrefix: redis.prefix,
    apiTokens: [TOKEN],
    seedMenu: false,
    // Tests post many chat messages from one address; the limit has a test of its own.
    chatRate: { burst: 10, perSecond: 0 },
    // Likewise writes: the write limits have tests of their own (security.test.ts).
    writeRate: { burst: 10, perSecond: 0 },
    logLevel: (process.env.DISH_TEST_LOG_LEVEL as Config['logLevel'] | undefined) ?? 'silent',
    ...overrides,
  };
}

export async function startTestService(config: Config, options: StartOptions = {}): Promise<DishService> {
  return startDishService(config, createLogger('dish', config.logLevel, 'test'), options);
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One HTTP call; a JSON body is sent as JSON unless `raw` gives the exact bytes. */
export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.json !== undefined) body = JSON.stringify(options.json);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(new URL(path, base), { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A client and event log of the test's own on the same Redis and prefix, to check what the service wrote. */
export function inspect(redis: TestRedis, prefix = redis.prefix): { client: Redis; log: EventLog } {
  const client = new Redis(redis.url);
  return { client, log: new EventLog(client, { prefix }) };
}

/** Waits until `check` returns a value other than undefined, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
