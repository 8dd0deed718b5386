// Assembles one notifier: Redis, the webhook store, the alert queue and its delivery worker, the follower of every log
// with webhooks, and the HTTP probes; stopped in reverse order.
import type { Cluster } from 'ioredis';
import { ClusterChannels, EventLog, ShardSubscriber, type Channels, type RedisClient } from '@dish-live/broker';
import {
  closeServer, connectBlocking, connectRedis, describeRedis, listen, runSteps, type Logger, type RedisTarget,
} from '@dish-live/server';
import { AlertFollower, dnsLookup, NotifierState, WebhookStore } from '@dish-live/webhooks';
import type { Config } from './config.js';
import { createHttpHandler } from './http.js';
import { createMetrics } from './metrics.js';
import { createAlertQueue, jobQueuer, queueBacklog } from './queue.js';
import { closeWorker, startDeliveryWorker } from './worker.js';

export interface Notifier {
  url: string;
  port: number;
  follower: AlertFollower;
  readonly stop: () => Promise<void>;
}

export async function startNotifier(config: Config, logger: Logger, instance: string): Promise<Notifier> {
  if (!config.secretKey) logger.warn({}, 'WEBHOOK_SECRET_KEY is unset: only secrets a dish service stored unsealed (without the key) can be opened');
  // Not fail-fast: nothing here answers a client; a command waits out a short outage instead of failing a step.
  const redis = connectRedis(config.redis, logger, { name: `dish-live:notifier:${instance}`, failFast: false });
  const { channels, quit: quitChannels } = subscribe(config.redis, redis, logger, instance);
  const store = new WebhookStore(redis, config.keyPrefix, config.secretKey);
  const queue = createAlertQueue(redis, config.keyPrefix, config.maxAttempts, logger);
  const follower = new AlertFollower({
    store,
    state: new NotifierState(redis, config.keyPrefix, instance),
    logOf: (restaurant) => new EventLog(redis, { prefix: config.keyPrefix, restaurant, durability: config.durability }),
    enqueue: jobQueuer(queue, redis, config.keyPrefix, config.durability),
    onAlerts: (jobs) => metrics.countAlerts(jobs),
    onPlaceLost: () => metrics.countPlaceLost(),
    channels,
    logger,
  });
  const metrics = createMetrics(queueBacklog(queue), () => follower.restaurants.length);
  const worker = startDeliveryWorker({
    redis, target: config.redis, keyPrefix: config.keyPrefix, maxAttempts: config.maxAttempts, backoffMs: config.backoffMs,
    concurrency: config.concurrency, lockMs: config.lockMs, metrics, logger, instance,
    delivery: { store, allowHosts: config.allowHosts, lookup: dnsLookup(config.dnsServers), timeoutMs: config.timeoutMs, logger },
  });
  const handler = createHttpHandler({
    instance,
    registry: metrics.registry,
    logger,
    ready: () => ({
      ready: redis.status === 'ready' && follower.following,
      details: { redis: redis.status, restaurants: follower.restaurants.length },
    }),
  });
  // Listening first: the probes answer (not ready) while Redis is still away.
  const { server, url, port } = await listen(handler, config.port, config.host);
  logger.info({ url, port, redis: describeRedis(config.redis) }, 'notifier listening');
  await follower.start();
  return {
    url,
    port,
    follower,
    stop: () =>
      runSteps(logger, [
        ['http', () => closeServer(server, 1000)],
        ['follower', () => follower.stop()],
        ['worker', () => closeWorker(worker, redis.status === 'ready', workerGraceMs(config.shutdownGraceMs))],
        ['queue', () => queue.close()],
        ['channels', quitChannels],
        ['redis', () => redis.quit().catch(() => redis.disconnect())],
      ]),
  };
}

/**
 * The part of the grace period the worker's attempts may take: the rest closes the queue and the connections. Never
 * below a second, so a short grace still lets an attempt under way finish rather than cutting it at once.
 */
export function workerGraceMs(shutdownGraceMs: number): number {
  return Math.max(1000, shutdownGraceMs - 3000);
}

/**
 * The wake-up subscriptions: one connection to a standalone Redis, or on a cluster one per primary that owns a
 * followed restaurant's slot, as the gateways subscribe.
 */
function subscribe(target: RedisTarget, redis: RedisClient, logger: Logger, instance: string): { channels: Channels; quit: () => Promise<unknown> } {
  const name = `dish-live:notifier-feed:${instance}`;
  if ('url' in target) {
    const subscriber = connectBlocking(target.url, logger, name);
    return { channels: new ShardSubscriber(subscriber), quit: () => subscriber.quit().catch(() => subscriber.disconnect()) };
  }
  const channels = new ClusterChannels(redis as Cluster, { connect: (node) => connectBlocking(node, logger, name) });
  return { channels, quit: () => channels.close() };
}
