// Runs the demo simulator as BullMQ job schedulers: one schedule per simulated restaurant in Redis however many replicas
// run, ticks on a worker.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { DishNotFoundError, type EventLog } from '@dish-live/broker';
import type { RedisClient } from '@dish-live/broker';
import { DEFAULT_RESTAURANT, isRestaurantId } from '@dish-live/protocol';
import { throttledWarn, type RedisTarget } from '@dish-live/server';
import { countOrder, type Metrics } from './metrics.js';
import { bullPrefix } from './orders.js';
import { workerConnection } from './worker-connection.js';
import { planActions, tickPlan, type Random, type SimAction, type TickPlan } from './simulator.js';
import { closeWorker } from './worker-close.js';

export const SIM_QUEUE = 'dish-sim';
/** `default`'s schedule keeps the first wave's id, so an upgrade replaces it instead of running a second one beside it. */
export const SIM_SCHEDULER_ID = 'demo-simulator';

/** The schedule of one restaurant's simulation. */
export function simSchedulerId(restaurant: string): string {
  return restaurant === DEFAULT_RESTAURANT ? SIM_SCHEDULER_ID : `${SIM_SCHEDULER_ID}@${restaurant}`;
}

interface TickJob {
  actions: number;
  /** Absent in ticks scheduled by the first wave: `default`'s. */
  restaurant?: string;
}

/** Ticks of different restaurants run side by side; more would only queue on the one Redis connection. */
const MAX_CONCURRENT_TICKS = 8;

export interface SimulationDeps {
  redis: RedisClient;
  /** Where the worker's own blocking connection goes. */
  target: RedisTarget;
  /** The event log of a restaurant known to exist. */
  logOf: (restaurant: string) => EventLog;
  metrics: Metrics;
  logger: Logger;
  keyPrefix: string;
  /** The restaurants to drive (SIM_RESTAURANTS); schedules of any other are removed. */
  restaurants: readonly string[];
  /** Actions per second in each restaurant; 0 removes every schedule (whichever replica started last decides). */
  rate: number;
  random?: Random;
}

export interface Simulation {
  /** Stops this replica's ticks; the schedule stays in Redis for the other replicas. */
  stop(redisUp: boolean): Promise<void>;
}

export async function startSimulation(deps: SimulationDeps): Promise<Simulation> {
  const prefix = bullPrefix(deps.keyPrefix, deps.redis);
  const queue = new Queue<TickJob>(SIM_QUEUE, { connection: deps.redis, prefix });
  queue.on('error', throttledWarn(deps.logger, 'simulator queue error'));
  let plan: TickPlan | undefined;
  try {
    plan = await schedule(queue, deps.rate, deps.restaurants);
  } catch (err) {
    // The caller retries when Redis is back; this attempt's queue must not linger.
    await queue.close().catch(() => undefined);
    throw err;
  }
  if (!plan) {
    await queue.close();
    return { stop: async () => {} };
  }
  const { everyMs, actionsPerTick } = plan;
  const random = deps.random ?? Math.random;
  const worker = new Worker<TickJob>(
    SIM_QUEUE,
    async (job) => {
      const restaurant = job.data.restaurant ?? DEFAULT_RESTAURANT;
      if (!isRestaurantId(restaurant)) throw new Error(`simulator tick ${job.id} names no restaurant id`);
      const log = deps.logOf(restaurant);
      const { dishes } = await log.dishes();
      for (const action of planActions(dishes, job.data.actions, random)) await apply(action, log, deps);
    },
    { connection: workerConnection(deps.target), prefix, concurrency: Math.min(MAX_CONCURRENT_TICKS, deps.restaurants.length) },
  );
  worker.on('error', throttledWarn(deps.logger, 'simulator worker error'));
  deps.logger.info({ rate: deps.rate, everyMs, actionsPerTick, restaurants: deps.restaurants }, 'simulator scheduled');
  return {
    async stop(redisUp) {
      await closeWorker(worker, redisUp);
      await queue.close();
    },
  };
}

/**
 * One schedule per restaurant in Redis for every replica, each at `rate`; schedules of restaurants no longer listed
 * are removed, and a rate of 0 removes them all (the replica started last decides, as with one restaurant).
 */
async function schedule(queue: Queue<TickJob>, rate: number, restaurants: readonly string[]): Promise<TickPlan | undefined> {
  const wanted = new Set(rate > 0 ? restaurants.map(simSchedulerId) : []);
  for (const { key } of await queue.getJobSchedulers(0, -1)) {
    if (!wanted.has(key)) await queue.removeJobScheduler(key);
  }
  if (wanted.size === 0) return undefined;
  const plan = tickPlan(rate);
  for (const restaurant of restaurants) {
    await queue.upsertJobScheduler(
      simSchedulerId(restaurant),
      { every: plan.everyMs },
      { name: 'tick', data: { actions: plan.actionsPerTick, restaurant }, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }
  return plan;
}

async function apply(action: SimAction, log: EventLog, deps: SimulationDeps): Promise<void> {
  try {
    switch (action.kind) {
      case 'order': {
        const orderId = `sim-${randomUUID()}`;
        const { outcome } = await log.applyOrder(orderId, action.items);
        countOrder(deps.metrics, 'simulator', outcome);
        // Outcomes are kept for days so clients can ask again; nobody asks about a simulated order, and at a few
        // orders a second they would fill Redis meanwhile.
        await deps.redis.del(log.keys.order(orderId));
        return;
      }
      case 'restock':
        await log.updateDish(action.dishId, { stock: action.stock });
        return;
      case 'price':
        await log.updateDish(action.dishId, { price: action.price });
        return;
    }
  } catch (err) {
    // A dish deleted since the tick read the menu is simply skipped.
    if (!(err instanceof DishNotFoundError)) throw err;
  }
}
