// The connection BullMQ workers use: they block on Redis and must retry for ever, as BullMQ requires.
import { Cluster } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import type { RedisTarget } from '@dish-live/server';

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);

export function workerConnection(target: RedisTarget): ConnectionOptions {
  const options = { connectionName: 'dish-worker', maxRetriesPerRequest: null, retryStrategy };
  if ('url' in target) return { url: target.url, ...options };
  return new Cluster(target.clusterNodes, { redisOptions: options, scaleReads: 'master', clusterRetryStrategy: retryStrategy });
}
