// The parts that need Redis before they can start: the key layout upgrade, the order queue and worker, the simulated
// restaurants, the seed, the simulator. Started once Redis answers (at start, or later when it comes back), so the HTTP
// side runs, and answers 503, without it.
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { MigrationConflictError, type OrderOutcome, type Restaurants } from '@dish-live/broker';
import type { RedisClient } from '@dish-live/broker';
import { DEFAULT_RESTAURANT } from '@dish-live/protocol';
import type { Config } from './config.js';
import { settlesWithin } from './deadline.js';
import { DEMO_MENU } from './menu.js';
import type { Metrics } from './metrics.js';
import { createOrderQueue, startOrderWorker, type OrderJob, type Orders } from './orders.js';
import type { RestaurantScopes } from './restaurant-scopes.js';
import { seedMenu } from './seed.js';
import { registerRestaurants } from './sim-restaurants.js';
import { startSimulation, type Simulation } from './sim-scheduler.js';
import type { Random } from './simulator.js';
import { upgradeLayout } from './upgrade.js';
import { closeWorker } from './worker-close.js';

export interface JobsDeps {
  config: Pick<Config, 'keyPrefix' | 'orderConcurrency' | 'orderLockMs' | 'seedMenu' | 'simRate' | 'simRestaurants' | 'redis'>;
  redis: RedisClient;
  scopes: RestaurantScopes;
  registry: Restaurants;
  orders: Orders;
  metrics: Metrics;
  logger: Logger;
  random?: Random;
}

export class BackgroundJobs {
  #layoutCurrent = false;
  /** A start that cannot go on without a person (two copies of one key): kept, so the service says so. */
  #fatal: Error | undefined;
  #queue: Queue<OrderJob> | undefined;
  #worker: Worker<OrderJob, OrderOutcome> | undefined;
  #registered = false;
  #seeded = false;
  #simulation: Simulation | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  readonly #onReady = () => void this.ensure();

  constructor(private readonly deps: JobsDeps) {
    deps.redis.on('ready', this.#onReady);
  }

  /** True once the first wave's keys (if any) are `default`'s: before, nothing may read or write a restaurant. */
  get layoutCurrent(): boolean {
    return this.#layoutCurrent;
  }

  get fatal(): Error | undefined {
    return this.#fatal;
  }

  /** Starts whatever has not started yet; safe to call again after a failure (it is, on every reconnect). */
  ensure(): Promise<void> {
    this.#starting ??= this.#start().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { config, redis, scopes, registry, orders, metrics, logger } = this.deps;
    if (this.#stopped || this.#fatal || redis.status !== 'ready') return;
    try {
      // First: an order worker, a seed or the simulator writing into `default` before its old keys moved would make
      // the move collide with them.
      if (!this.#layoutCurrent) {
        await upgradeLayout(redis, config.keyPrefix, registry, logger);
        this.#layoutCurrent = true;
      }
      if (!this.#queue) {
        this.#queue = createOrderQueue(redis, config.keyPrefix, logger);
        orders.attach(this.#queue);
        this.#worker = startOrderWorker({
          redis, target: config.redis, logOf: (id) => scopes.get(id).log, metrics, logger, keyPrefix: config.keyPrefix,
          concurrency: config.orderConcurrency, lockMs: config.orderLockMs,
        });
      }
      if (!this.#registered) {
        await registerRestaurants(registry, config.simRestaurants, logger);
        this.#registered = true;
      }
      if (config.seedMenu && !this.#seeded) {
        for (const id of new Set([DEFAULT_RESTAURANT, ...config.simRestaurants])) {
          const result = await seedMenu(redis, scopes.get(id).log, DEMO_MENU);
          logger.info({ result, restaurant: id }, 'demo menu seed');
        }
        this.#seeded = true;
      }
      if (!this.#simulation && !this.#stopped) {
        this.#simulation = await startSimulation({
          redis, target: config.redis, logOf: (id) => scopes.get(id).log, metrics, logger, keyPrefix: config.keyPrefix,
          restaurants: config.simRestaurants, rate: config.simRate, random: this.deps.random,
        });
      }
    } catch (err) {
      if (err instanceof MigrationConflictError) {
        this.#fatal = err;
        logger.error({ err: err.message }, 'the key layout upgrade cannot go on: remove one of the two keys it names, then restart');
        return;
      }
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
