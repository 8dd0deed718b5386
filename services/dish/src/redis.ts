// Redis connections: the request client fails fast when Redis is away; the worker client waits, as BullMQ requires.
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How long a command may take before the request fails instead of hanging. */
const COMMAND_TIMEOUT_MS = 5000;

/**
 * The client behind every HTTP request and the BullMQ producers. No offline queue: while Redis is down a command
 * is rejected at once (a 503), not parked until a client gives up.
 */
export function connectRedis(url: string, log: Logger, name = 'dish'): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  logConnectionErrors(redis, log);
  return redis;
}

/** Options for BullMQ workers, which block on Redis and must retry forever (`maxRetriesPerRequest: null`). */
export function workerConnectionOptions(url: string): ConnectionOptions {
  return { url, connectionName: 'dish-worker', maxRetriesPerRequest: null, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) };
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Resolves true once the client is ready, false after `timeoutMs` (Redis may come later; the service runs anyway). */
export function waitReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

const UNAVAILABLE = /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|LOADING|MaxRetriesPerRequest/;

/** True for the errors ioredis raises when it cannot reach Redis (as opposed to a command Redis refused). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || UNAVAILABLE.test(err.message);
}

/** A down Redis makes ioredis emit an error per reconnect attempt; log the first of a run and the recovery. */
function logConnectionErrors(redis: Redis, log: Logger): void {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message }, 'redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (down) log.info('redis reachable again');
    down = false;
  });
}
