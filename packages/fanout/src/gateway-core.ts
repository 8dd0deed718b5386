// What every gateway starts the same way before its transport: logger, Redis, the restaurants' logs, metrics,
// admission, hub.
import { EventLog, Restaurants, ShardSubscriber } from '@dish-live/broker';
import {
  checkFileLimit, connectBlocking, connectRedis, ConnectionLimits, createInstanceId, createLogger, Gate, SubscriptionAuth,
  type Logger,
} from '@dish-live/server';
import type { Redis } from 'ioredis';
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
  redis: Redis;
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
  const redis = connectRedis(config.REDIS_URL, log, { name: `dish-live:cmd:${instance}`, failFast: false });
  const subscriber = connectBlocking(config.REDIS_URL, log, feedConnectionName(instance));
  const logFor = (restaurant: string) =>
    new EventLog(redis, {
      prefix: config.KEY_PREFIX,
      restaurant,
      streamMaxLen: config.STREAM_MAXLEN,
      salesBucketMs: config.SALES_BUCKET_MS,
      snapshotSalesWindowMs: config.SNAPSHOT_SALES_WINDOW_MS,
    });
  const registry = new Restaurants(redis, config.KEY_PREFIX);
  const metrics = createMetrics(transport.name);
  const hub = new Hub<S>({
    logFor, channels: new ShardSubscriber(subscriber), transport, logger: log, metrics, instance,
    ringSize: config.RING_SIZE, softLimitBytes: config.SOFT_LIMIT_BYTES, hardLimitBytes: config.HARD_LIMIT_BYTES, tickMs: config.TICK_MS, coalesceMs: config.COALESCE_MS,
    restaurantGraceMs: config.RESTAURANT_GRACE_MS, restaurantBudgetBytes: config.RESTAURANT_MEMORY_BUDGET_MB * 1024 * 1024,
  });
  const gate = new Gate({
    allowedOrigins: config.ALLOWED_ORIGINS,
    trustProxy: config.TRUST_PROXY,
    limits: new ConnectionLimits(config.MAX_CONNECTIONS, config.MAX_CONNECTIONS_PER_IP),
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
    instance, log, auth, gate, redis, metrics, hub,
    async quitRedis() {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}
