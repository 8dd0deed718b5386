// Orders: accepted over HTTP into one BullMQ queue for every restaurant (jobId from the restaurant and the orderId, so a
// duplicate is queued once), applied by a worker to the restaurant the job names.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { orderFingerprint, OrderMismatchError, type EventLog, type OrderOutcome } from '@dish-live/broker';
import type { RedisClient } from '@dish-live/broker';
import { DEFAULT_RESTAURANT, isRestaurantId, type OrderInput, type OrderItem } from '@dish-live/protocol';
import { throttledWarn, type RedisTarget } from '@dish-live/server';
import { countOrder, type Metrics } from './metrics.js';
import { RedisUnavailableError } from './http-errors.js';
import { workerConnection } from './worker-connection.js';

export const ORDER_QUEUE = 'dish-orders';

export interface OrderJob {
  orderId: string;
  items: OrderItem[];
  /** Absent in jobs queued by the first wave, which had one restaurant: they are `default`'s. */
  restaurant?: string;
}

/** The restaurant a job is for; the first wave's jobs carry none. */
export const jobRestaurant = (job: OrderJob): string => job.restaurant ?? DEFAULT_RESTAURANT;

export type OrderStatus =
  | { kind: 'done'; outcome: OrderOutcome }
  | { kind: 'queued'; state: string }
  | { kind: 'failed' }
  | { kind: 'unknown' };

export type SubmitResult = { orderId: string; outcome?: OrderOutcome };

/**
 * BullMQ refuses integer-looking ids and ':' in custom ids; percent-encoding keeps the mapping one-to-one. `default`
 * keeps the first wave's form, so an order queued before the upgrade is still found by its id; any other restaurant
 * adds `@<rid>@`, which no encoded orderId can hold (`@` is always encoded, and a restaurant id has none).
 */
export function jobIdFor(orderId: string, restaurant: string = DEFAULT_RESTAURANT): string {
  const encoded = encodeURIComponent(orderId);
  return restaurant === DEFAULT_RESTAURANT ? `order-${encoded}` : `order@${restaurant}@${encoded}`;
}

/** The BullMQ key prefix: under the service's own key prefix, so tests and tenants do not share queues. */
/**
 * BullMQ's key prefix. On a cluster it is a hash tag, as BullMQ requires, so that each of its scripts touches one slot;
 * a standalone Redis keeps the first wave's prefix, so an upgrade finds the jobs still queued under it.
 */
export function bullPrefix(keyPrefix: string, redis: RedisClient): string {
  return redis.isCluster ? `${keyPrefix}{dl:bull}` : `${keyPrefix}bull`;
}

export class Orders {
  #queue: Queue<OrderJob> | undefined;

  constructor(private readonly redis: RedisClient) {}

  /** The queue exists once Redis has been reached; until then orders are refused with a 503. */
  attach(queue: Queue<OrderJob>): void {
    this.#queue = queue;
  }

  /**
   * Queues an order, or returns the final outcome when its id has one already (nothing is queued again). The same
   * orderId with other items is refused (OrderMismatchError), as a payment API treats a reused idempotency key.
   */
  async submit(log: EventLog, input: OrderInput): Promise<SubmitResult> {
    const orderId = input.orderId ?? randomUUID();
    const restaurant = log.keys.restaurant;
    const fingerprint = orderFingerprint(input.items);
    const stored = await log.orderOutcome(orderId);
    if (stored) {
      // Outcomes kept before fingerprints existed cannot tell; they answer as they always did.
      if (stored.fingerprint !== undefined && stored.fingerprint !== fingerprint) throw new OrderMismatchError(orderId);
      return { orderId, outcome: stored.outcome };
    }
    const queue = this.#ready();
    const jobId = jobIdFor(orderId, restaurant);
    await queue.add('order', { orderId, items: input.items, restaurant }, { jobId });
    // A job already queued under this id keeps its own items; ours were not added. Tell the client if they differ.
    const queued = await queue.getJob(jobId);
    if (queued && orderFingerprint(queued.data.items) !== fingerprint) throw new OrderMismatchError(orderId);
    return { orderId };
  }

  async status(log: EventLog, orderId: string): Promise<OrderStatus> {
    const stored = await log.orderOutcome(orderId);
    if (stored) return { kind: 'done', outcome: stored.outcome };
    const job = await this.#ready().getJob(jobIdFor(orderId, log.keys.restaurant));
    if (!job) {
      // The job may have completed between the two reads.
      const late = await log.orderOutcome(orderId);
      return late ? { kind: 'done', outcome: late.outcome } : { kind: 'unknown' };
    }
    const state = await job.getState();
    if (state === 'failed') return { kind: 'failed' };
    return { kind: 'queued', state };
  }

  #ready(): Queue<OrderJob> {
    if (!this.#queue || this.redis.status !== 'ready') throw new RedisUnavailableError();
    return this.#queue;
  }
}

export function createOrderQueue(redis: RedisClient, keyPrefix: string, logger: Logger): Queue<OrderJob> {
  const queue = new Queue<OrderJob>(ORDER_QUEUE, {
    connection: redis,
    prefix: bullPrefix(keyPrefix, redis),
    defaultJobOptions: {
      // The apply is idempotent by orderId, so a retry after a Redis hiccup cannot apply an order twice;
      // eight attempts span about a minute of trouble.
      attempts: 8,
      backoff: { type: 'exponential', delay: 250 },
      // Kept for a day so a duplicate submitted meanwhile finds its job instead of queueing another.
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  // Without a listener BullMQ prints every connection error to stderr.
  queue.on('error', throttledWarn(logger, 'order queue error'));
  return queue;
}

export interface OrderWorkerDeps {
  redis: RedisClient;
  /** Where the worker's own blocking connection goes. */
  target: RedisTarget;
  /** The event log of a restaurant known to exist (a job is queued only for one). */
  logOf: (restaurant: string) => EventLog;
  metrics: Metrics;
  logger: Logger;
  keyPrefix: string;
  concurrency: number;
  /** ORDER_LOCK_MS: how long a job stays with a worker that stopped renewing its lock (a killed process). */
  lockMs: number;
}

/**
 * A job whose worker died is found by another worker's stalled check once its lock has lapsed and is applied
 * again; `applyOrder` is final per orderId, so a second run returns the first outcome instead of selling twice.
 * That makes re-running safe, so a job may stall a few times (worker crashes, long event-loop stalls) before it is
 * given up as failed.
 */
const MAX_STALLED = 5;

export function startOrderWorker(deps: OrderWorkerDeps): Worker<OrderJob, OrderOutcome> {
  const worker = new Worker<OrderJob, OrderOutcome>(
    ORDER_QUEUE,
    async (job) => {
      const restaurant = jobRestaurant(job.data);
      // Only this service queues these jobs; a malformed one is failed rather than given a log of its own.
      if (!isRestaurantId(restaurant)) throw new Error(`order job ${job.id} names no restaurant id`);
      const { outcome, replayed } = await deps.logOf(restaurant).applyOrder(job.data.orderId, job.data.items);
      if (!replayed) countOrder(deps.metrics, 'api', outcome);
      return outcome;
    },
    {
      connection: workerConnection(deps.target),
      prefix: bullPrefix(deps.keyPrefix, deps.redis),
      concurrency: deps.concurrency,
      lockDuration: deps.lockMs,
      stalledInterval: deps.lockMs,
      maxStalledCount: MAX_STALLED,
    },
  );
  worker.on('error', throttledWarn(deps.logger, 'order worker error'));
  worker.on('failed', (job, err) =>
    deps.logger.warn({ orderId: job?.data.orderId, restaurant: job && jobRestaurant(job.data), err: err.message }, 'order attempt failed'),
  );
  return worker;
}
