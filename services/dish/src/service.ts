// Assembles one dish service: Redis, the restaurants and their event logs, orders, background jobs and the HTTP app,
// with a stop in reverse order.
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { Restaurants, type EventLog } from '@dish-live/broker';
import type { RedisClient } from '@dish-live/broker';
import {
  closeServer, connectRedis, createInstanceId, describeRedis, listen, runSteps, SubscriptionAuth, waitReady,
} from '@dish-live/server';
import { dnsLookup, WebhookStore } from '@dish-live/webhooks';
import { AnswerCache } from './answer-cache.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { BackgroundJobs } from './jobs.js';
import { createMetrics } from './metrics.js';
import { Orders } from './orders.js';
import { RestaurantScopes } from './restaurant-scopes.js';
import type { Random } from './simulator.js';

export interface DishService {
  url: string;
  app: Express;
  server: Server;
  redis: RedisClient;
  /** `default`'s log, which the routes without a restaurant serve. */
  eventLog: EventLog;
  scopes: RestaurantScopes;
  registry: Restaurants;
  readonly stop: () => Promise<void>;
}

export interface StartOptions {
  /** The simulator's random source (tests make it reproducible). */
  random?: Random;
  /** How long start waits for Redis before listening without it. */
  redisWaitMs?: number;
  /** Names this process in logs and probes (default: host, pid and a random suffix). */
  instance?: string;
}

export async function startDishService(config: Config, logger: Logger, options: StartOptions = {}): Promise<DishService> {
  const instance = options.instance ?? createInstanceId();
  if (config.apiTokens.length === 0) logger.warn('DISH_API_TOKENS is empty: every write is refused with 401');
  if (!config.webhooks.secretKey) logger.warn('WEBHOOK_SECRET_KEY is unset: webhook secrets are stored unencrypted');
  const metrics = createMetrics();
  // A bad key stops the start here, before Redis is touched.
  const subscriptionAuth = await SubscriptionAuth.create(config.subscribe);
  const redis = connectRedis(config.redis, logger, { name: 'dish', failFast: true });
  const registry = new Restaurants(redis, config.keyPrefix);
  const scopes = new RestaurantScopes(redis, registry, {
    prefix: config.keyPrefix,
    streamMaxLen: config.streamMaxLen,
    historyRetentionMs: config.historyRetentionMs,
    salesBucketMs: config.salesBucketMs,
    snapshotSalesWindowMs: config.snapshotSalesWindowMs,
    durability: config.durability,
  }, new AnswerCache());
  const orders = new Orders(redis);
  const { secretKey, allowHosts, dnsServers, resolveTimeoutMs } = config.webhooks;
  const webhooks = {
    store: new WebhookStore(redis, config.keyPrefix, secretKey),
    guard: { allowHosts, lookup: dnsLookup(dnsServers) },
    resolveTimeoutMs,
  };
  const jobs = new BackgroundJobs({ config, redis, scopes, registry, orders, metrics, logger, random: options.random });
  if (await waitReady(redis, options.redisWaitMs ?? 3000)) await jobs.ensure();
  else logger.warn({ redis: describeRedis(config.redis) }, 'redis not reachable yet; answering 503 until it is');
  if (jobs.fatal) {
    await runSteps(logger, [['jobs', () => jobs.stop()], ['redis', () => redis.disconnect()]]);
    throw jobs.fatal;
  }
  const app = createApp({
    config, scopes, registry, subscriptionAuth, layoutCurrent: () => jobs.layoutCurrent, redis, orders, webhooks, metrics, logger, instance,
  });
  let server: Server;
  let url: string;
  try {
    ({ server, url } = await listen(app, config.port, config.host));
  } catch (err) {
    // A port in use must not leave the worker and Redis connections holding the process open.
    await runSteps(logger, [['jobs', () => jobs.stop()], ['redis', () => redis.disconnect()]]);
    throw err;
  }
  logger.info({ url }, 'dish service listening');
  return {
    url,
    app,
    server,
    redis,
    eventLog: scopes.default.log,
    scopes,
    registry,
    stop: () =>
      runSteps(logger, [
        ['http', () => closeServer(server)],
        ['jobs', () => jobs.stop()],
        ['redis', () => redis.quit().catch(() => redis.disconnect())],
      ]),
  };
}
