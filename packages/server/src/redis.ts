// Redis connections for every service, standalone or a Redis Cluster, named for operators, with errors logged once per
// outage rather than per retry.
import { Cluster, Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface ClusterNode {
  host: string;
  port: number;
}

/** Where Redis is: one URL (REDIS_URL), or any subset of a cluster's nodes (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string } | { clusterNodes: ClusterNode[] };

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

export function connectRedis(target: RedisTarget, log: Logger, { name, failFast }: RedisOptions): Redis | Cluster {
  const options = failFast
    ? { connectionName: name, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: 2000, retryStrategy }
    : { connectionName: name };
  const redis = 'url' in target ? new Redis(target.url, options) : connectCluster(target.clusterNodes, options, failFast);
  logOutages(redis, log, name);
  return redis;
}

/**
 * A cluster client reading and writing on primaries only (a replica may lag: a read there could miss an acknowledged
 * write), refreshing its slot map on MOVED and after a failover.
 */
function connectCluster(nodes: ClusterNode[], redisOptions: Record<string, unknown>, failFast: boolean): Cluster {
  return new Cluster(nodes, {
    redisOptions,
    scaleReads: 'master',
    enableOfflineQueue: !failFast,
    clusterRetryStrategy: retryStrategy,
    // A primary's replica takes over within the cluster's node timeout; commands to its slots wait for that, retried.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    // The slot map is read again now and then, not only on MOVED: the gateways' subscriptions follow it to new owners.
    slotsRefreshInterval: 2000,
  });
}

/**
 * A connection that blocks (SUBSCRIBE) to a standalone Redis or to one node of a cluster: it must retry for ever
 * (`maxRetriesPerRequest: null`), and soon (ioredis' default backoff, from 50 ms) since a live feed is down while it
 * is away.
 */
export function connectBlocking(target: string | ClusterNode, log: Logger, name: string): Redis {
  const options = { connectionName: name, maxRetriesPerRequest: null };
  const redis = typeof target === 'string' ? new Redis(target, options) : new Redis({ ...target, ...options });
  logOutages(redis, log, name);
  return redis;
}

/** The target for logs: the URL without its password, or the cluster's seed nodes. */
export function describeRedis(target: RedisTarget): string {
  return 'url' in target ? redactRedisUrl(target.url) : `cluster ${target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Resolves true once the client is ready, false after `timeoutMs` (Redis may come later; the service runs anyway). */
export function waitReady(redis: Redis | Cluster, timeoutMs: number): Promise<boolean> {
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

const UNAVAILABLE =
  /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|LOADING|MaxRetriesPerRequest|Failed to refresh slots cache|None of startup nodes is available|Too many Cluster redirections|Command aborted due to connection close|Cluster isn't ready|Cluster is disconnected|Socket timeout|^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;

/**
 * True for the errors ioredis raises when it cannot reach Redis (as opposed to a command Redis refused), and a cluster's
 * answers while a slot changes owner (the command was not run).
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || UNAVAILABLE.test(err.message);
}

/** A down Redis makes ioredis emit an error per reconnect attempt; log the first of a run and the recovery. */
function logOutages(redis: Redis | Cluster, log: Logger, connection: string): void {
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
