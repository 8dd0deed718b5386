// Closes a BullMQ worker within a bound: it waits for running jobs while Redis answers and gives up on them when not.
import type { Worker } from 'bullmq';
import { settlesWithin } from './deadline.js';

/**
 * A graceful close waits for the blocking fetch and for running jobs, which never end while Redis is away; then the
 * close is forced (jobs left active are picked up again as stalled by another worker, and orders are idempotent).
 */
export async function closeWorker(worker: Worker, redisUp: boolean, graceMs = 10_000): Promise<void> {
  const closing = worker.close(!redisUp);
  if (await settlesWithin(closing, graceMs)) return;
  await worker.disconnect();
  await settlesWithin(closing, 1000);
}
