// The delivery worker: WEBHOOK_CONCURRENCY attempts at once, each bounded by WEBHOOK_TIMEOUT_MS; a failed attempt goes
// back to the queue as a delayed job (its wait holds no slot), a refused one fails for good.
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { RedisClient } from '@dish-live/broker';
import { throttledWarn, type Logger, type RedisTarget } from '@dish-live/server';
import { attemptDelivery, backoffMs, type AlertJob, type AttemptOutcome, type DeliveryDeps } from '@dish-live/webhooks';
import type { NotifierMetrics } from './metrics.js';
import { ALERT_QUEUE, BACKOFF_TYPE, bullPrefix } from './queue.js';

export interface WorkerDeps {
  redis: RedisClient;
  /** Where the worker's own blocking connection goes. */
  target: RedisTarget;
  keyPrefix: string;
  delivery: DeliveryDeps;
  maxAttempts: number;
  backoffMs: number;
  concurrency: number;
  lockMs: number;
  metrics: NotifierMetrics;
  logger: Logger;
  instance: string;
}

/** Thrown for an attempt the queue retries (or, on the last, gives up on): its message is the delivery log's. */
class AttemptFailed extends Error {
  override name = 'AttemptFailed';
}

/**
 * An attempt whose worker died (SIGKILL mid-POST) runs again once its lock lapses: the receiver may then see its
 * webhook-id twice, which Standard Webhooks receivers drop. A few such restarts are allowed before the job fails.
 */
const MAX_STALLED = 5;

export function startDeliveryWorker(deps: WorkerDeps): Worker<AlertJob, AttemptOutcome> {
  const worker = new Worker<AlertJob, AttemptOutcome>(
    ALERT_QUEUE,
    async (job) => {
      const attempt = job.attemptsMade + 1;
      const result = await attemptDelivery(job.data, attempt, job.opts.attempts ?? deps.maxAttempts, deps.delivery);
      deps.metrics.countAttempt(result.outcome, attempt, result.ms === undefined ? undefined : result.ms / 1000);
      if (result.outcome === 'refused') throw new UnrecoverableError(result.error ?? 'refused by the address guard');
      if (result.outcome === 'retrying' || result.outcome === 'failed') {
        throw new AttemptFailed(result.error ?? `HTTP ${result.status ?? '?'}`);
      }
      return result.outcome;
    },
    {
      connection: workerConnection(deps.target, deps.instance),
      prefix: bullPrefix(deps.keyPrefix, deps.redis),
      concurrency: deps.concurrency,
      lockDuration: deps.lockMs,
      stalledInterval: deps.lockMs,
      maxStalledCount: MAX_STALLED,
      // The wait before a retry is a delayed job in Redis, not a sleep in a slot: a dead receiver's retries never
      // keep a live one's alerts waiting.
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) => (type === BACKOFF_TYPE ? backoffMs(attemptsMade, deps.backoffMs) : 0),
      },
    },
  );
  worker.on('error', throttledWarn(deps.logger, 'delivery worker error'));
  worker.on('failed', (job, err) => {
    if (!job || err instanceof AttemptFailed) return;
    deps.logger.warn({ restaurant: job.data.restaurant, webhook: job.data.webhookId, alert: job.data.alertId, err: err.message }, 'delivery job failed');
  });
  return worker;
}

/** The worker blocks on Redis and must retry for ever, as BullMQ requires. */
function workerConnection(target: RedisTarget, instance: string): ConnectionOptions {
  const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);
  const options = { connectionName: `dish-live:notifier-worker:${instance}`, maxRetriesPerRequest: null, retryStrategy };
  if ('url' in target) return { url: target.url, ...options };
  return new Cluster(target.clusterNodes, { redisOptions: options, scaleReads: 'master', clusterRetryStrategy: retryStrategy });
}

/**
 * Lets the attempts in flight finish (each is bounded by WEBHOOK_TIMEOUT_MS) within `graceMs`, then cuts them: a job
 * cut short is tried again once its lock lapses.
 */
export async function closeWorker(worker: Worker, redisUp: boolean, graceMs: number): Promise<void> {
  const closing = worker.close(!redisUp);
  if (await settles(closing, graceMs)) return;
  await worker.disconnect();
  await settles(closing, 1000);
}

async function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = sleep(ms, false, { ref: false });
  return Promise.race([promise.then(() => true, () => true), timeout]);
}
