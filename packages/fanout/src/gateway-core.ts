// What every gateway starts the same way before its transport: logger, Redis, the restaurants' logs, metrics,
// admission, hub.
import { ClusterChannels, EventLog, Restaurants, ShardSubscriber, type Channels, type RedisClient } from '@dish-live/broker';
import {
  checkFileLimit, connectBlocking, connectRedis, ConnectionLimits, createInstanceId, createLogger, durability, Gate, redisTarget,
  SubscriptionAuth, type Logger,
} from '@dish-live/server';
import type { Cluster } from 'ioredis';
import type { GatewayConfig } from './gateway-env.js';
import { Hub } from './hub.js';
import { createMetrics, type FanoutMetrics } from './metrics.js';
import type { Sink, Transport } from './transport.js';

export interface GatewayCore<S extends Sink> {
  instance: string;
  log: Logger;
  auth: SubscriptionAuth;
  /** Who may connect: a transport asks it with what it read off the request. */
  gate: Gate;
  /**
   * The gate's connection counts. A transport may give a slot back here by its address instead of keeping the
   * admission's `release` (a closure per client) for the socket's whole life; it must then do so exactly once.
   */
  limits: ConnectionLimits;
  redis: RedisClient;
  metrics: FanoutMetrics;
  hub: Hub<S>;
  /** Closes both Redis connections. */
  quitRedis: () => Promise<void>;
}

/** The feed connection's CLIENT SETNAME, per instance (tests kill exactly this connection). */
export const feedConnectionName = (instance: string) => `dish-live:feed:${instance}`;

/**
 * Starts the shared part of a gateway; resolves once Redis answered. Restaurants are loaded as their first clients
 * come, not here.
 */
export async function startGatewayCore<S extends Sink>(
  service: 'ws-gateway' | 'sse-gateway',
  config: GatewayConfig,
  transport: Transport<S>,
  { strictQuery }: { strictQuery: boolean },
): Promise<GatewayCore<S>> {
  const instance = createInstanceId();
  const log = createLogger(service, config.LOG_LEVEL, instance);
  const auth = await SubscriptionAuth.create(config);
  checkFileLimit(config.MAX_CONNECTIONS, log);
  const target = redisTarget(config);
  const redis = connectRedis(target, log, { name: `dish-live:cmd:${instance}`, failFast: false });
  const { channels, quit: quitChannels } = subscribe(target, redis, log, instance);
  const writes = durability(config);
  const logFor = (restaurant: string) =>
    new EventLog(redis, {
      prefix: config.KEY_PREFIX,
      restaurant,
      durability: writes,
      streamMaxLen: config.STREAM_MAXLEN,
      historyRetentionMs: config.HISTORY_RETENTION_MS,
      salesBucketMs: config.SALES_BUCKET_MS,
      snapshotSalesWindowMs: config.SNAPSHOT_SALES_WINDOW_MS,
    });
  const registry = new Restaurants(redis, config.KEY_PREFIX);
  const metrics = createMetrics(transport.name);
  const hub = new Hub<S>({
    logFor, channels, transport, logger: log, metrics, instance,
    ringSize: config.RING_SIZE, softLimitBytes: config.SOFT_LIMIT_BYTES, hardLimitBytes: config.HARD_LIMIT_BYTES, tickMs: config.TICK_MS, coalesceMs: config.COALESCE_MS,
    restaurantGraceMs: config.RESTAURANT_GRACE_MS, restaurantBudgetBytes: config.RESTAURANT_MEMORY_BUDGET_MB * 1024 * 1024,
  });
  const limits = new ConnectionLimits(config.MAX_CONNECTIONS, config.MAX_CONNECTIONS_PER_IP);
  const gate = new Gate({
    allowedOrigins: config.ALLOWED_ORIGINS,
    trustProxy: config.TRUST_PROXY,
    limits,
    auth,
    strictQuery,
    // A restaurant live here exists: a reconnect storm to it reads nothing from the registry.
    restaurantExists: (restaurant) => hub.isLive(restaurant) || registry.exists(restaurant),
    onRefused: (reason) => metrics.disconnects.labels(transport.name, `refused_${reason}`).inc(),
  });
  // Listening means Redis answered, as when the gateway loaded its one view before listening.
  await redis.ping();
  await hub.start();
  return {
    instance, log, auth, gate, limits, redis, metrics, hub,
    async quitRedis() {
      await Promise.allSettled([redis.quit(), quitChannels()]);
    },
  };
}

/**
 * The sharded subscriptions: one connection to a standalone Redis, or on a cluster one per primary that owns a live
 * restaurant's slot (each named like the standalone one, so operators and tests find them by CLIENT LIST).
 */
function subscribe(target: ReturnType<typeof redisTarget>, redis: RedisClient, log: Logger, instance: string): { channels: Channels; quit: () => Promise<unknown> } {
  const name = feedConnectionName(instance);
  if ('url' in target) {
    const subscriber = connectBlocking(target.url, log, name);
    return { channels: new ShardSubscriber(subscriber), quit: () => subscriber.quit() };
  }
  const channels = new ClusterChannels(redis as Cluster, { connect: (node) => connectBlocking(node, log, name) });
  return { channels, quit: () => channels.close() };
}
