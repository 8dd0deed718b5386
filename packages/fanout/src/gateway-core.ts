// What every gateway starts the same way before its transport: logger, subscription auth, Redis, event log, metrics, hub.
import { pino } from 'pino';
import { EventLog } from '@dish-live/broker';
import type { z } from 'zod';
import type { gatewayEnv } from './config.js';
import { checkFileLimit } from './file-limit.js';
import { Hub } from './hub.js';
import { createInstanceId } from './instance.js';
import type { Logger } from './logger.js';
import { createMetrics, type FanoutMetrics } from './metrics.js';
import { connectRedis, type GatewayRedis } from './redis.js';
import { SubscriptionAuth } from './subscription-auth.js';
import type { Sink, Transport } from './transport.js';

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnv>>;

export interface GatewayCore<S extends Sink> {
  instance: string;
  log: Logger;
  auth: SubscriptionAuth;
  redis: GatewayRedis;
  eventLog: EventLog;
  metrics: FanoutMetrics;
  hub: Hub<S>;
}

/** Starts the shared part of a gateway; the hub is live (view loaded, feed subscribed) when this resolves. */
export async function startGatewayCore<S extends Sink>(
  service: 'ws-gateway' | 'sse-gateway',
  config: GatewayConfig,
  transport: Transport<S>,
): Promise<GatewayCore<S>> {
  const instance = createInstanceId();
  const log = pino({ level: config.LOG_LEVEL, base: { service, instance } });
  const auth = await SubscriptionAuth.create(config);
  checkFileLimit(config.MAX_CONNECTIONS, log);
  const redis = connectRedis(config.REDIS_URL, instance, log);
  const eventLog = new EventLog(redis.redis, {
    prefix: config.KEY_PREFIX,
    streamMaxLen: config.STREAM_MAXLEN,
    salesBucketMs: config.SALES_BUCKET_MS,
    snapshotSalesWindowMs: config.SNAPSHOT_SALES_WINDOW_MS,
  });
  const metrics = createMetrics(service === 'ws-gateway' ? 'ws' : 'sse');
  const hub = new Hub<S>({
    log: eventLog, subscriber: redis.subscriber, transport, logger: log, metrics, instance,
    ringSize: config.RING_SIZE, softLimitBytes: config.SOFT_LIMIT_BYTES, hardLimitBytes: config.HARD_LIMIT_BYTES, tickMs: config.TICK_MS, coalesceMs: config.COALESCE_MS,
  });
  await hub.start();
  return { instance, log, auth, redis, eventLog, metrics, hub };
}
