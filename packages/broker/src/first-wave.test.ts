import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { EventLog, MigrationConflictError, migrateFirstWave } from './index.js';

const { url, prefix } = testRedis('first-wave');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(url);
});
afterAll(async () => {
  await redis.quit();
});

/** The first wave's layout, as its scripts wrote it: keys without a restaurant tag, under the deployment prefix. */
async function fillFirstWave(p: string, events: number): Promise<{ last: string }> {
  let prev = '0-0';
  const ts = Date.now();
  await redis.hset(`${p}dish:mapo`, { id: 'mapo', name: 'Mapo', category: 'Sichuan', price: '2800', stock: '9', sold: '1', version: String(events), updatedAt: String(ts) });
  await redis.sadd(`${p}dishes`, 'mapo');
  for (let i = 0; i < events; i++) {
    const dish = `{"id":"mapo","name":"Mapo","category":"Sichuan","price":2800,"stock":9,"sold":1,"version":${i + 1},"updatedAt":${ts}}`;
    prev = await redis.xadd(`${p}dish:events`, '*', 'type', i === 0 ? 'dish.created' : 'dish.updated', 'ts', String(ts), 'prev', prev, 'data', `{"dish":${dish}}`) as string;
  }
  await redis.set(`${p}dish:last`, prev);
  const bucket = ts - (ts % 10_000);
  await redis.zadd(`${p}sales:buckets`, bucket, String(bucket));
  await redis.hset(`${p}sales:${bucket}`, { total: '1', 'c:Sichuan': '1' });
  await redis.pexpire(`${p}sales:${bucket}`, 3_600_000);
  await redis.lpush(`${p}chat:recent`, '{"id":"1-0","prev":"0-0","type":"chat.message","ts":1,"data":{"author":"a","text":"b"}}');
  await redis.set(`${p}order:o-1`, '{"orderId":"o-1","status":"applied","items":[],"events":[],"at":1}', 'PX', 3_600_000);
  return { last: prev };
}

describe('the first wave\'s keys, moved into default', () => {
  it('moves every key with its value and expiry, resumes a run stopped half-way, and runs once', async () => {
    const p = `${prefix}a:`;
    const { last } = await fillFirstWave(p, 50);
    const before = (await redis.keys(`${p}*`)).sort();
    expect(before).toHaveLength(8);
    // A run stopped half-way: some keys already moved, the rest not.
    await redis.rename(`${p}dish:mapo`, `${p}{r:default}:dish:mapo`);
    await redis.rename(`${p}sales:buckets`, `${p}{r:default}:sales:buckets`);

    const progress: number[] = [];
    const result = await migrateFirstWave(redis, p, ({ moved }) => progress.push(moved));
    expect(result).toEqual({ moved: 6, alreadyCurrent: false });
    expect(progress.at(-1)).toBe(6);
    const after = (await redis.keys(`${p}*`)).filter((k) => !k.includes('{dl:')).sort();
    expect(after).toEqual(before.map((k) => `${p}{r:default}:${k.slice(p.length)}`).sort());
    const bucketKey = after.find((k) => /sales:\d+$/.test(k))!;
    expect(await redis.pttl(bucketKey)).toBeGreaterThan(3_000_000);
    expect(await redis.pttl(`${p}{r:default}:order:o-1`)).toBeGreaterThan(3_000_000);

    // The log reads as before, and a new write chains after the old last id.
    const log = new EventLog(redis, { prefix: p });
    expect(await log.lastId()).toBe(last);
    const replay = await log.replay('0-0', 1000);
    expect(replay.recovered && replay.events.length).toBe(50);
    expect(await log.orderOutcome('o-1')).toBeDefined();
    const next = await log.appendChat({ author: 'x', text: 'after the upgrade' });
    expect(next.prev).toBe(last);

    expect(await migrateFirstWave(redis, p)).toEqual({ moved: 0, alreadyCurrent: true });
  });

  it('never overwrites: a key under both names stops it, naming the key', async () => {
    const p = `${prefix}b:`;
    await fillFirstWave(p, 3);
    await redis.set(`${p}{r:default}:dish:last`, 'newer');
    await expect(migrateFirstWave(redis, p)).rejects.toBeInstanceOf(MigrationConflictError);
    expect(await redis.get(`${p}{r:default}:dish:last`)).toBe('newer');
  });

  it('on an empty Redis records the layout and moves nothing', async () => {
    expect(await migrateFirstWave(redis, `${prefix}c:`)).toEqual({ moved: 0, alreadyCurrent: false });
    expect(await migrateFirstWave(redis, `${prefix}c:`)).toEqual({ moved: 0, alreadyCurrent: true });
  });
});
