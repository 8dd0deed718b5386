// The parts that need Redis before they can start: the order queue and worker, the seed, the simulator. Started once
// Redis answers (at start, or later when it comes back), so the HTTP side runs, and answers 503, without it.
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventLog, OrderOutcome } from '@dish-live/broker';
import type { Config } from './config.js';
import { settlesWithin } from './deadline.js';
import { DEMO_MENU } from './menu.js';
import type { Metrics } from './metrics.js';
import { createOrderQueue, startOrderWorker, type OrderJob, type Orders } from './orders.js';
import { seedMenu } from './seed.js';
import { startSimulation, type Simulation } from './sim-scheduler.js';
import type { Random } from './simulator.js';
import { closeWorker } from './worker-close.js';

export interface JobsDeps {
  config: Pick<Config, 'keyPrefix' | 'orderConcurrency' | 'orderLockMs' | 'seedMenu' | 'simRate' | 'redisUrl'>;
  redis: Redis;
  eventLog: EventLog;
  orders: Orders;
  metrics: Metrics;
  logger: Logger;
  random?: Random;
}

export class BackgroundJobs {
  #queue: Queue<OrderJob> | undefined;
  #worker: Worker<OrderJob, OrderOutcome> | undefined;
  #seeded = false;
  #simulation: Simulation | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  readonly #onReady = () => void this.ensure();

  constructor(private readonly deps: JobsDeps) {
    deps.redis.on('ready', this.#onReady);
  }

  /** Starts whatever has not started yet; safe to call again after a failure (it is, on every reconnect). */
  ensure(): Promise<void> {
    this.#starting ??= this.#start().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { config, redis, eventLog, orders, metrics, logger } = this.deps;
    if (this.#stopped || redis.status !== 'ready') return;
    try {
      if (!this.#queue) {
        this.#queue = createOrderQueue(redis, config.keyPrefix, logger);
        orders.attach(this.#queue);
        this.#worker = startOrderWorker({
          redis, redisUrl: config.redisUrl, eventLog, metrics, logger, keyPrefix: config.keyPrefix, concurrency: config.orderConcurrency,
          lockMs: config.orderLockMs,
        });
      }
      if (config.seedMenu && !this.#seeded) {
        const result = await seedMenu(redis, eventLog, DEMO_MENU);
        this.#seeded = true;
        logger.info({ result }, 'demo menu seed');
      }
      if (!this.#simulation && !this.#stopped) {
        this.#simulation = await startSimulation({
          redis, redisUrl: config.redisUrl, eventLog, metrics, logger, keyPrefix: config.keyPrefix, rate: config.simRate, random: this.deps.random,
        });
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'background start failed; retrying when redis is back');
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.deps.redis.off('ready', this.#onReady);
    // A start stuck on a Redis that went away must not hold the stop.
    if (this.#starting) await settlesWithin(this.#starting, 2000);
    const redisUp = this.deps.redis.status === 'ready';
    await this.#simulation?.stop(redisUp);
    if (this.#worker) await closeWorker(this.#worker, redisUp);
    await this.#queue?.close();
  }
}
