import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, waitFor } from '@dish-live/test-support';
import { ShardSubscriber, type ChannelListener } from './index.js';

const { url, prefix } = testRedis('shard-subscriber');
let redis: Redis;
let connection: Redis;

beforeAll(() => {
  redis = new Redis(url);
  connection = new Redis(url);
});
afterAll(async () => {
  connection.disconnect();
  await redis.quit();
});

const numSub = async (channels: string[]) => {
  const flat = (await redis.call('PUBSUB', 'SHARDNUMSUB', ...channels)) as (string | number)[];
  return flat.filter((_, i) => i % 2 === 1).map(Number);
};

describe('one subscriber connection for many restaurants', () => {
  it('hands each message to its channel only, and releases a channel in Redis when let go', async () => {
    const subscriber = new ShardSubscriber(connection);
    const channels = Array.from({ length: 200 }, (_, i) => `${prefix}{r:r${i}}:dish:events`);
    const heard = new Map<string, string[]>();
    const listener = (channel: string): ChannelListener => ({
      message: (json) => heard.set(channel, [...(heard.get(channel) ?? []), json]),
      ready: () => undefined,
      down: () => undefined,
      error: () => undefined,
    });
    for (const channel of channels) await subscriber.listen(channel, listener(channel));
    expect(subscriber.channelCount).toBe(200);
    expect(await numSub(channels)).toEqual(channels.map(() => 1));
    await expect(subscriber.listen(channels[0]!, listener(channels[0]!))).rejects.toThrow(/already/);

    for (const [i, channel] of channels.entries()) await redis.spublish(channel, `m${i}`);
    await waitFor('every message', () => [...heard.values()].flat().length === 200);
    for (const [i, channel] of channels.entries()) expect(heard.get(channel)).toEqual([`m${i}`]);

    for (const channel of channels.slice(0, 150)) await subscriber.unlisten(channel);
    expect(subscriber.channelCount).toBe(50);
    const counts = await numSub(channels);
    expect(counts.slice(0, 150).every((c) => c === 0)).toBe(true);
    expect(counts.slice(150).every((c) => c === 1)).toBe(true);
    await redis.spublish(channels[0]!, 'late');
    await redis.spublish(channels[199]!, 'still');
    await waitFor('the channel still held', () => heard.get(channels[199]!)?.length === 2);
    expect(heard.get(channels[0]!)).toEqual(['m0']);
    subscriber.close();
  });
});
