import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicationTimeoutError } from '@dish-live/broker';
import { spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import { createLogger } from '@dish-live/server';
import { waitFor } from '@dish-live/test-support';
import { alertId, alertPayload, webhookMessageId, type AlertJob } from '@dish-live/webhooks';
import { ALERT_QUEUE, bullPrefix, createAlertQueue, jobQueuer } from './queue.js';

// A primary with a replica of its own: WAIT is about replicas, which the shared test Redis does not have.
let primary: RedisServerProcess;
let replica: RedisServerProcess;
let redis: Redis;
let replicaClient: Redis;

beforeAll(async () => {
  [primary, replica] = await Promise.all([spawnRedisServer(), spawnRedisServer()]);
  redis = new Redis(primary.url, { maxRetriesPerRequest: null });
  replicaClient = new Redis(replica.url);
  await replicaClient.replicaof('127.0.0.1', primary.port);
  await waitFor('the replica in sync', async () => /master_link_status:up/.test(await replicaClient.info('replication')), 10_000);
});
afterAll(async () => {
  await Promise.all([redis.quit(), replicaClient.quit()]);
  await Promise.all([primary.stop(), replica.stop()]);
});

function job(n: number): AlertJob {
  const alert = alertId('r1', `${n}-0`, 'dish.sold_out');
  return {
    restaurant: 'r1',
    webhookId: 'wh_aaaaaaaaaaaaaaaa',
    alertId: alert,
    type: 'dish.sold_out',
    messageId: webhookMessageId(alert, 'wh_aaaaaaaaaaaaaaaa'),
    payload: alertPayload({ type: 'dish.sold_out', restaurant: 'r1', dish: { id: 'duck', name: 'Duck', stock: 0 }, eventId: `${n}-0`, ts: n }),
  };
}

describe('queueing alert jobs with replicas required', () => {
  it('resolves once a replica has the jobs, and refuses (so the place does not move) when none confirms in time', async () => {
    const logger = createLogger('notifier-queue-test', 'silent', 'test');
    const queue = createAlertQueue(redis, 'q:', 3, logger);
    const durable = jobQueuer(queue, redis, 'q:', { minReplicas: 1, replicaTimeoutMs: 300 });
    try {
      await durable([job(1), job(2)]);
      const jobKey = `${bullPrefix('q:', redis)}:${ALERT_QUEUE}:${job(2).messageId}`;
      expect(await replicaClient.exists(jobKey)).toBe(1);

      // The replica goes: the jobs are queued on the primary, but the caller is told they are not safe yet.
      await replicaClient.replicaof('NO', 'ONE');
      await waitFor('the primary without replicas', async () => /connected_slaves:0/.test(await redis.info('replication')), 10_000);
      await expect(durable([job(3)])).rejects.toBeInstanceOf(ReplicationTimeoutError);
      // Without replicas required nothing waits.
      await jobQueuer(queue, redis, 'q:', { minReplicas: 0, replicaTimeoutMs: 300 })([job(4)]);
      expect(await queue.getJobCountByTypes('waiting')).toBe(4);
    } finally {
      await queue.close();
    }
  });
});
