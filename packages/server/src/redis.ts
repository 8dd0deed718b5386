// Redis connections for every service, named for operators, with errors logged once per outage rather than per retry.
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** How long a fail-fast command may take before the request fails instead of hanging. */
const COMMAND_TIMEOUT_MS = 5000;

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);

export interface RedisOptions {
  /** CLIENT SETNAME, so operators (and tests) can find the connection. */
  name: string;
  /**
   * Behind requests: no offline queue, so while Redis is down a command is rejected at once (a 503), not parked
   * until a client gives up. Off for a gateway's command client, whose reads wait out a short blip instead.
   */
  failFast: boolean;
}

export function connectRedis(url: string, log: Logger, { name, failFast }: RedisOptions): Redis {
  const redis = new Redis(
    url,
    failFast
      ? { connectionName: name, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: 2000, retryStrategy }
      : { connectionName: name },
  );
  logOutages(redis, log, name);
  return redis;
}

/**
 * A connection that blocks (SUBSCRIBE): it must retry for ever (`maxRetriesPerRequest: null`), and soon (ioredis'
 * default backoff, from 50 ms) since a live feed is down while it is away.
 */
export function connectBlocking(url: string, log: Logger, name: string): Redis {
  const redis = new Redis(url, { connectionName: name, maxRetriesPerRequest: null });
  logOutages(redis, log, name);
  return redis;
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
function logOutages(redis: Redis, log: Logger, connection: string): void {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message, connection }, 'redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (down) log.info({ connection }, 'redis reachable again');
    down = false;
  });
}
