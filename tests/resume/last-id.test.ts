// Resume: a client that reconnects with its last id gets exactly what it missed, in order; too old an id gets a snapshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, type RedisClient } from '@dish-live/broker';
import type { ResumedMessage, SnapshotMessage } from '@dish-live/protocol';
import { events, SseClient, startGateway, testRedis, waitFor, WsClient, type Gateway, type Received } from '@dish-live/test-support';

const { env: redisEnv, prefix, durability, connect: connectRedis } = testRedis('gw-resume');
let redis: RedisClient;
let log: EventLog;
/** Small ring: resumes come from Redis. */
let wsRedis: Gateway;
/** Default ring: resumes come from memory. */
let sseRing: Gateway;
let wsRing: Gateway;
let sseRedis: Gateway;

beforeAll(async () => {
  redis = connectRedis();
  // A small stream window so that old ids fall out of it.
  log = new EventLog(redis, { prefix, durability, streamMaxLen: 100 });
  for (let i = 0; i < 5; i++) await log.createDish({ id: `d${i}`, name: `Dish ${i}`, category: 'c', price: 100, stock: 1000 });
  const env = { ...redisEnv, KEY_PREFIX: prefix };
  [wsRedis, sseRedis, wsRing, sseRing] = await Promise.all([
    startGateway('ws', { ...env, RING_SIZE: '10' }),
    startGateway('sse', { ...env, RING_SIZE: '10' }),
    startGateway('ws', env),
    startGateway('sse', env),
  ]);
});

afterAll(async () => {
  await Promise.all([wsRedis, sseRedis, wsRing, sseRing].map((g) => g?.stop()));
  redis?.disconnect();
});

const connect = (g: Gateway, since?: string): Received & { opened: Promise<void>; close(): void } =>
  g.kind === 'ws'
    ? new WsClient(since ? `${g.url}?since=${since}` : g.url)
    : new SseClient(g.url, since ? { 'Last-Event-ID': since } : {});

async function fiftyChanges(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    await log.updateDish(`d${i % 5}`, { stock: 900 - i });
    ids.push(await log.lastId());
  }
  return ids;
}

describe('resume', () => {
  for (const which of ['wsRedis', 'sseRedis', 'wsRing', 'sseRing'] as const) {
    it(`replays exactly the 50 missed changes in order after resumed (${which})`, async () => {
      const g = { wsRedis, sseRedis, wsRing, sseRing }[which];
      const first = connect(g);
      await first.opened;
      const snap = (await waitFor('snapshot', () => first.messages[0])) as SnapshotMessage;
      first.close();
      const missed = await fiftyChanges();
      const again = connect(g, snap.id);
      await again.opened;
      await waitFor('50 replayed events', () => events(again).length >= 50, 10_000, () => again.messages.length);
      const resumed = again.messages[0] as ResumedMessage;
      expect(resumed).toMatchObject({ type: 'resumed', recovered: true, id: snap.id });
      const got = events(again);
      expect(got.map((e) => e.id)).toEqual(missed);
      expect(got[0]!.prev).toBe(snap.id);
      for (let i = 1; i < got.length; i++) expect(got[i]!.prev).toBe(got[i - 1]!.id);
      // And it is live afterwards.
      await log.updateDish('d0', { price: 101 });
      await waitFor('a live event after the replay', () => events(again).length === 51, 5000);
      again.close();
    });
  }

  it('answers an id older than the stream window with a snapshot, recovered: false', async () => {
    const old = await log.lastId();
    for (let i = 0; i < 400; i++) await log.updateDish(`d${i % 5}`, { price: 200 + i });
    const first = await redis.xrange(log.keys.events, '-', '+', 'COUNT', 1);
    expect(first[0]![0] > old).toBe(true);
    for (const g of [wsRedis, sseRedis]) {
      const c = connect(g, old);
      await c.opened;
      const snap = (await waitFor('snapshot', () => c.messages[0])) as SnapshotMessage;
      expect(snap).toMatchObject({ type: 'snapshot', recovered: false, id: await log.lastId() });
      c.close();
    }
  });

  it('answers a malformed or future id with a snapshot, never an error', async () => {
    for (const g of [wsRedis, sseRedis, wsRing, sseRing]) {
      for (const since of ['garbage', '99999999999999-0']) {
        const c = connect(g, since);
        await c.opened;
        const first = await waitFor('snapshot', () => c.messages[0]);
        expect(first).toMatchObject({ type: 'snapshot', recovered: false });
        c.close();
      }
    }
  });
});
