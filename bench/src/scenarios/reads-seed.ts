// What the reads scenario writes before it measures: dish events through the broker, and sales buckets laid out
// as the broker keeps them (a hash per bucket, a sorted set of bucket start times).
import type { Redis } from 'ioredis';
import { brokerKeys, EventLog } from '@dish-live/broker';

export interface SalesBucketSeed {
  t: number;
  /** `total` and `c:<category>`, as the broker's order script writes them. */
  fields: Record<string, number>;
}

/** `count` buckets of `bucketMs`, the newest the one `now` falls in, each with a few sales per category. */
export function salesBuckets(now: number, count: number, bucketMs: number, categories: string[]): SalesBucketSeed[] {
  const newest = Math.floor(now / bucketMs) * bucketMs;
  return Array.from({ length: count }, (_, i) => {
    const t = newest - (count - 1 - i) * bucketMs;
    const byCategory = categories.map((c, j) => [`c:${c}`, 1 + ((i + j * 3) % 5)] as const);
    return { t, fields: { total: byCategory.reduce((s, [, n]) => s + n, 0), ...Object.fromEntries(byCategory) } };
  });
}

const PIPELINE = 1000;

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

export async function writeSalesBuckets(redis: Redis, prefix: string, buckets: SalesBucketSeed[], retentionMs: number): Promise<void> {
  const keys = brokerKeys(prefix);
  for (let i = 0; i < buckets.length; i += PIPELINE) {
    const pipeline = redis.pipeline();
    for (const { t, fields } of buckets.slice(i, i + PIPELINE)) {
      pipeline.hset(keys.salesBucket(t), fields).pexpire(keys.salesBucket(t), retentionMs).zadd(keys.salesIndex, t, String(t));
    }
    await exec(pipeline);
  }
}

/** `count` price changes through the broker (the script a PATCH runs), round the menu. */
export async function writeEvents(redis: Redis, prefix: string, dishIds: string[], count: number): Promise<void> {
  const log = new EventLog(redis, { prefix });
  for (let i = 0; i < count; i += PIPELINE / 10) {
    const batch = Array.from({ length: Math.min(PIPELINE / 10, count - i) }, (_, j) => i + j);
    await Promise.all(batch.map((n) => log.updateDish(dishIds[n % dishIds.length]!, { price: 500 + (n % 1000) })));
  }
}

/** The id of the event `back` events before the newest: a poller that is `back` events behind asks from there. */
export async function eventIdBefore(redis: Redis, prefix: string, back: number): Promise<string> {
  const entries = await redis.xrevrange(brokerKeys(prefix).events, '+', '-', 'COUNT', back + 1);
  const id = entries.at(-1)?.[0];
  if (entries.length <= back || !id) throw new Error(`the log holds ${entries.length} events, fewer than ${back + 1}`);
  return id;
}
