// Assembles one dish service: Redis, the event log, orders, background jobs and the HTTP app, with a stop in reverse order.
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EventLog } from '@dish-live/broker';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { closeServer, listen, serverUrl } from './http-server.js';
import { BackgroundJobs } from './jobs.js';
import { createMetrics } from './metrics.js';
import { Orders } from './orders.js';
import { connectRedis, redactRedisUrl, waitReady } from './redis.js';
import { stopAll } from './shutdown.js';
import type { Random } from './simulator.js';

export interface DishService {
  url: string;
  app: Express;
  server: Server;
  redis: Redis;
  eventLog: EventLog;
  readonly stop: () => Promise<void>;
}

export interface StartOptions {
  /** The simulator's random source (tests make it reproducible). */
  random?: Random;
  /** How long start waits for Redis before listening without it. */
  redisWaitMs?: number;
}

export async function startDishService(config: Config, logger: Logger, options: StartOptions = {}): Promise<DishService> {
  if (config.apiTokens.length === 0) logger.warn('DISH_API_TOKENS is empty: every write is refused with 401');
  const metrics = createMetrics();
  const redis = connectRedis(config.redisUrl, logger);
  const eventLog = new EventLog(redis, {
    prefix: config.keyPrefix,
    streamMaxLen: config.streamMaxLen,
    salesBucketMs: config.salesBucketMs,
    snapshotSalesWindowMs: config.snapshotSalesWindowMs,
  });
  const orders = new Orders(eventLog, redis);
  const jobs = new BackgroundJobs({ config, redis, eventLog, orders, metrics, logger, random: options.random });
  if (await waitReady(redis, options.redisWaitMs ?? 3000)) await jobs.ensure();
  else logger.warn({ redis: redactRedisUrl(config.redisUrl) }, 'redis not reachable yet; answering 503 until it is');
  const app = createApp({ config, eventLog, redis, orders, metrics, logger });
  let server: Server;
  try {
    server = await listen(app, config.port, config.host);
  } catch (err) {
    // A port in use must not leave the worker and Redis connections holding the process open.
    await stopAll(logger, [['jobs', () => jobs.stop()], ['redis', () => Promise.resolve(redis.disconnect())]]);
    throw err;
  }
  const url = serverUrl(server, config.host);
  logger.info({ url }, 'dish service listening');
  return {
    url,
    app,
    server,
    redis,
    eventLog,
    stop: () =>
      stopAll(logger, [
        ['http', () => closeServer(server)],
        ['jobs', () => jobs.stop()],
        ['redis', () => redis.quit().catch(() => redis.disconnect())],
      ]),
  };
}
