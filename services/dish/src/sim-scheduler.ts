// Runs the demo simulator as a BullMQ job scheduler: one schedule in Redis however many replicas run, ticks on a worker.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DishNotFoundError, type EventLog } from '@dish-live/broker';
import { countOrder, type Metrics } from './metrics.js';
import { bullPrefix } from './orders.js';
import { workerConnectionOptions } from './redis.js';
import { planActions, tickPlan, type Random, type SimAction } from './simulator.js';

export const SIM_QUEUE = 'dish-sim';
export const SIM_SCHEDULER_ID = 'demo-simulator';

interface TickJob {
  actions: number;
}

export interface SimulationDeps {
  redis: Redis;
  eventLog: EventLog;
  metrics: Metrics;
  logger: Logger;
  keyPrefix: string;
  /** Actions per second; 0 removes the schedule (whichever replica started last decides). */
  rate: number;
  random?: Random;
}

export interface Simulation {
  stop(): Promise<void>;
}

export async function startSimulation(deps: SimulationDeps): Promise<Simulation> {
  const prefix = bullPrefix(deps.keyPrefix);
  const queue = new Queue<TickJob>(SIM_QUEUE, { connection: deps.redis, prefix });
  if (!(deps.rate > 0)) {
    await queue.removeJobScheduler(SIM_SCHEDULER_ID);
    await queue.close();
    return { stop: async () => {} };
  }
  const { everyMs, actionsPerTick } = tickPlan(deps.rate);
  await queue.upsertJobScheduler(
    SIM_SCHEDULER_ID,
    { every: everyMs },
    { name: 'tick', data: { actions: actionsPerTick }, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  const random = deps.random ?? Math.random;
  const worker = new Worker<TickJob>(
    SIM_QUEUE,
    async (job) => {
      const { dishes } = await deps.eventLog.snapshot();
      for (const action of planActions(dishes, job.data.actions, random)) await apply(action, deps);
    },
    { connection: workerConnectionOptions(deps.redis), prefix, concurrency: 1 },
  );
  worker.on('error', (err) => deps.logger.warn({ err: err.message }, 'simulator worker error'));
  deps.logger.info({ rate: deps.rate, everyMs, actionsPerTick }, 'simulator scheduled');
  return {
    async stop() {
      await worker.close();
      await queue.close();
    },
  };
}

async function apply(action: SimAction, deps: SimulationDeps): Promise<void> {
  try {
    switch (action.kind) {
      case 'order': {
        const { outcome } = await deps.eventLog.applyOrder(`sim-${randomUUID()}`, action.items);
        countOrder(deps.metrics, 'simulator', outcome);
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
