// The `webhooks` queue: one job per (alert, webhook), its id the message's webhook-id so a page of events read again
// queues nothing twice; the backlog a scrape reads.
import { Queue } from 'bullmq';
import { ReplicationTimeoutError, type RedisClient } from '@dish-live/broker';
import { throttledWarn, type Durability, type Logger } from '@dish-live/server';
import type { AlertJob } from '@dish-live/webhooks';
import type { Backlog } from './metrics.js';

export const ALERT_QUEUE = 'webhooks';
/** The custom backoff the worker computes with backoffMs (exponential from WEBHOOK_BACKOFF_MS, equal jitter). */
export const BACKOFF_TYPE = 'webhook';

/**
 * BullMQ's key prefix, as the dish service's orders have it: on a cluster a hash tag, as BullMQ requires so that each
 * of its scripts touches one slot; on a standalone Redis the plain `bull`.
 */
export function bullPrefix(keyPrefix: string, redis: RedisClient): string {
  return redis.isCluster ? `${keyPrefix}{dl:bull}` : `${keyPrefix}bull`;
}

export function createAlertQueue(redis: RedisClient, keyPrefix: string, maxAttempts: number, logger: Logger): Queue<AlertJob> {
  const queue = new Queue<AlertJob>(ALERT_QUEUE, {
    connection: redis,
    prefix: bullPrefix(keyPrefix, redis),
    defaultJobOptions: {
      attempts: maxAttempts,
      backoff: { type: BACKOFF_TYPE },
      // BullMQ refuses a job id it still holds, and that is what keeps a page of events read again after a crash (its
      // place not yet stored) from queueing its alerts twice: finished jobs are kept a day, far longer than such a
      // page can be behind. The count bounds memory under a flood; 100,000 is many pages of the largest kind (500
      // events × 20 webhooks × 2 alerts), so the duplicate check still covers any page that can be read again.
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
    },
  });
  // Without a listener BullMQ prints every connection error to stderr.
  queue.on('error', throttledWarn(logger, 'alert queue error'));
  return queue;
}

/**
 * Queues jobs in the order given, in one call; a job id the queue already holds is left as it is. With replicas
 * required, resolves only once the queue's replicas have them: the follower stores its place after this, and a
 * failover of the queue's shard must not take back jobs whose place is already stored (their alerts would be lost).
 */
export function jobQueuer(queue: Queue<AlertJob>, redis: RedisClient, keyPrefix: string, durability: Durability) {
  // A write on the queue's slot after the jobs: the replication stream is ordered, so a WAIT that covers it covers them.
  const fence = `${bullPrefix(keyPrefix, redis)}:${ALERT_QUEUE}:replica-fence`;
  return async (jobs: readonly AlertJob[]): Promise<void> => {
    await queue.addBulk(jobs.map((job) => ({ name: job.type, data: job, opts: { jobId: job.messageId } })));
    if (durability.minReplicas === 0) return;
    const replies = await redis.pipeline().incr(fence).wait(durability.minReplicas, durability.replicaTimeoutMs).exec();
    for (const [err] of replies ?? []) if (err) throw err;
    const replicas = Number(replies?.[1]?.[1] ?? 0);
    if (replicas < durability.minReplicas) throw new ReplicationTimeoutError(`{dl:bull} (alert queue)`, replicas, durability.minReplicas);
  };
}

/** How many delayed jobs are looked at for the oldest: they are ordered by when they are due, not by age. */
const DELAYED_SAMPLE = 100;

export function queueBacklog(queue: Queue<AlertJob>): Backlog {
  return {
    async pending() {
      const [counts, waiting, delayed] = await Promise.all([
        queue.getJobCounts('waiting', 'prioritized', 'delayed'),
        queue.getJobs(['waiting', 'prioritized'], 0, 0, true),
        queue.getJobs(['delayed'], 0, DELAYED_SAMPLE - 1, true),
      ]);
      const created = [...waiting, ...delayed].map((job) => job.timestamp).filter((t) => Number.isFinite(t));
      const oldest = created.length > 0 ? Math.min(...created) : undefined;
      return {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        delayed: counts.delayed ?? 0,
        oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
      };
    },
  };
}
