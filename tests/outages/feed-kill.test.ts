// The gateway's pub/sub connection killed mid-stream: the feed fills the gap from the stream and no client misses an event.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { feedConnectionName } from '@dish-live/fanout';
import type { SnapshotMessage } from '@dish-live/protocol';
import { events, SseClient, startGateway, testRedis, waitFor, WsClient, type Gateway } from '@dish-live/test-support';

const { url, prefix } = testRedis('gw-feed-kill');
let redis: Redis;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  await log.createDish({ id: 'x', name: 'X', category: 'c', price: 100, stock: 1_000_000 });
  [ws, sse] = await Promise.all([startGateway('ws', { REDIS_URL: url, KEY_PREFIX: prefix }), startGateway('sse', { REDIS_URL: url, KEY_PREFIX: prefix })]);
});

afterAll(async () => {
  await Promise.all([ws?.stop(), sse?.stop()]);
  redis?.disconnect();
});

/** Kills exactly this gateway's subscriber connection, found by the name it gives itself. */
async function killFeed(instance: string): Promise<void> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${feedConnectionName(instance)} `));
  if (!line) throw new Error(`no feed connection named ${feedConnectionName(instance)} in CLIENT LIST`);
  const id = /\bid=(\d+)/.exec(line)![1]!;
  await redis.call('CLIENT', 'KILL', 'ID', id);
}

describe('feed connection killed', () => {
  it('loses no event for any client when the gateway’s subscriber is killed mid-stream', async () => {
    const clients = [new WsClient(ws.url), new WsClient(ws.url), new SseClient(sse.url), new SseClient(sse.url)];
    await Promise.all(clients.map((c) => c.opened));
    for (const c of clients) await waitFor('snapshot', () => c.messages[0]);
    const instances = new Set(clients.map((c) => (c.messages[0] as SnapshotMessage).instance));
    expect(instances.size).toBe(2);
    const written: string[] = [];
    for (let i = 0; i < 300; i++) {
      // A write pipeline keeps flowing while the subscriber is down: those events exist only in the stream.
      if (i === 100 || i === 200) for (const instance of instances) await killFeed(instance);
      await log.updateDish('x', { stock: 500_000 + i });
      written.push(await log.lastId());
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    for (const c of clients) await waitFor('all 300 events', () => events(c).length >= 300, 15_000, () => events(c).length);
    for (const c of clients) {
      const got = events(c);
      expect(got.map((e) => e.id)).toEqual(written);
      for (let i = 1; i < got.length; i++) expect(got[i]!.prev).toBe(got[i - 1]!.id);
      c.close();
    }
  });
});
