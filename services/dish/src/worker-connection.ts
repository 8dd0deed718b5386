// The connection BullMQ workers use: they block on Redis and must retry for ever, as BullMQ requires.
import type { ConnectionOptions } from 'bullmq';

export function workerConnectionOptions(url: string): ConnectionOptions {
  return { url, connectionName: 'dish-worker', maxRetriesPerRequest: null, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) };
}
