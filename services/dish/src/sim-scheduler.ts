// Runs the demo simulator as a BullMQ job scheduler: one schedule in Redis however many replicas run, ticks on a worker.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DishNotFoundError, type EventLog } from '@dish-live/broker';
import { throttledWarn } from '@dish-live/server';
import { countOrder, type Metrics } from './metrics.js';
import { bullPrefix } from './orders.js';
import { workerConnectionOptions } from './worker-connection.js';
import { planActions, tickPlan, type Random, type SimAction, type TickPlan } from './simulator.js';
import { closeWorker } from './worker-close.js';

export const SIM_QUEUE = 'dish-sim';
export const SIM_SCHEDULER_ID = 'demo-simulator';

interface TickJob {
  actions: number;
}

export interface SimulationDeps {
  redis: Redis;
  redisUrl: string;
  eventLog: EventLog;
  metrics: Metrics;
  logger: Logger;
  keyPrefix: string;
  /** Actions per second; 0 removes the schedule (whichever replica started last decides). */
  rate: number;
  random?: Random;
}

export interface Simulation {
  /** Stops this replica's ticks; the schedule stays in Redis for the other replicas. */
  stop(redisUp: boolean): Promise<void>;
}

export async function startSimulation(deps: SimulationDeps): Promise<Simulation> {
  const prefix = bullPrefix(deps.keyPrefix);
  const queue = new Queue<TickJob>(SIM_QUEUE, { connection: deps.redis, prefix });
  queue.on('error', throttledWarn(deps.logger, 'simulator queue error'));
  let plan: TickPlan | undefined;
  try {
    plan = await schedule(queue, deps.rate);
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
      const { dishes } = await deps.eventLog.dishes();
      for (const action of planActions(dishes, job.data.actions, random)) await apply(action, deps);
    },
    { connection: workerConnectionOptions(deps.redisUrl), prefix, concurrency: 1 },
  );
  worker.on('error', throttledWarn(deps.logger, 'simulator worker error'));
  deps.logger.info({ rate: deps.rate, everyMs, actionsPerTick }, 'simulator scheduled');
  return {
    async stop(redisUp) {
      await closeWorker(worker, redisUp);
      await queue.close();
    },
  };
}

/** One schedule in Redis for every replica; a rate of 0 removes it. */
async function schedule(queue: Queue<TickJob>, rate: number): Promise<TickPlan | undefined> {
  if (!(rate > 0)) {
    await queue.removeJobScheduler(SIM_SCHEDULER_ID);
    return undefined;
  }
  const plan = tickPlan(rate);
  await queue.upsertJobScheduler(
    SIM_SCHEDULER_ID,
    { every: plan.everyMs },
    { name: 'tick', data: { actions: plan.actionsPerTick }, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  return plan;
}

async function apply(action: SimAction, deps: SimulationDeps): Promise<void> {
  try {
    switch (action.kind) {
      case 'order': {
        const orderId = `sim-${randomUUID()}`;
        const { outcome } = await deps.eventLog.applyOrder(orderId, action.items);
        countOrder(deps.metrics, 'simulator', outcome);
        // Outcomes are kept for days so clients can ask again; nobody asks about a simulated order, and at a few
        // orders a second they would fill Redis meanwhile.
        await deps.redis.del(deps.eventLog.keys.order(orderId));
        return;
      }
      case 'restock':
        await deps.eventLog.updateDish(action.dishId, { stock: action.stock });
        return;
      case 'price':
        await deps.eventLog.updateDish(action.dishId, { price: action.price });
        return;
    }
  } catch (err) {
    // A dish deleted since the tick read the menu is simply skipped.
    if (!(err instanceof DishNotFoundError)) throw err;
  }
}
