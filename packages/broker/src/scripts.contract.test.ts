// The contract checked where it is produced: what every Lua script writes, publishes and answers is parsed with the
// protocol's own schemas, so the envelope built in lib.lua and the TypeScript types cannot drift apart.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, waitFor } from '@dish-live/test-support';
import { chatMessageSchema, dishEventSchema, dishSchema, salesPageSchema, snapshotSchema } from '@dish-live/protocol';
import { envelopeJson, eventFromEntry, type StreamEntry } from './decode.js';
import { EventLog } from './event-log.js';
import { defineScripts } from './scripts.js';

const { url, prefix } = testRedis('scripts-contract');
let redis: Redis;
let subscriber: Redis;
let log: EventLog;
const published: string[] = [];

beforeAll(async () => {
  redis = new Redis(url);
  subscriber = new Redis(url);
  log = new EventLog(redis, { prefix });
  subscriber.on('smessage', (_channel: string, message: string) => published.push(message));
  await subscriber.ssubscribe(log.keys.channel);
});

afterAll(() => {
  subscriber.disconnect();
  redis.disconnect();
});

describe('every script against the protocol', () => {
  it('publishes, stores and answers what the wire contract parses, the same event everywhere', async () => {
    const created = await log.createDish({ id: 'mapo', name: '麻婆豆腐 "hot"', category: '川菜', price: 2800, stock: 3 });
    const updated = await log.updateDish('mapo', { price: 3000 });
    for (const dish of [created, updated]) expect(dishSchema.parse(dish)).toEqual(dish);
    await log.createDish({ id: 'gone', name: 'Gone', category: 'x', price: 1, stock: 1 });
    await log.deleteDish('gone');
    const order = await log.applyOrder('o-1', [{ dishId: 'mapo', qty: 2 }]);
    expect(order.outcome.status).toBe('applied');
    await log.appendChat({ author: 'op', text: 'line\nwith "quotes" and 汉字' });

    const entries = (await redis.xrange(log.keys.events, '-', '+')) as StreamEntry[];
    expect(entries).toHaveLength(6);
    await waitFor('every publish', () => published.length === entries.length, 5000);
    const types = entries.map((entry, i) => {
      const stored = dishEventSchema.parse(eventFromEntry(entry));
      const sent = dishEventSchema.parse(JSON.parse(published[i]!));
      expect(sent, 'the published envelope is the stored event').toEqual(stored);
      expect(envelopeJson(entry), 'replayed JSON is the published string itself').toBe(published[i]);
      return stored.type;
    });
    expect(types).toEqual(['dish.created', 'dish.updated', 'dish.created', 'dish.deleted', 'dish.sold', 'chat.message']);

    const snapshot = await log.snapshot();
    const message = snapshotSchema.parse({ type: 'snapshot', ...snapshot, recovered: false, instance: 'contract' });
    expect(message.id).toBe(entries.at(-1)![0]);
    expect(message.chat.map((c) => chatMessageSchema.parse(c))).toEqual([JSON.parse(published.at(-1)!)]);
    expect(message.sales.buckets.reduce((n, b) => n + b.total, 0)).toBe(2);
    const replayed = await log.replayJson('0-0');
    expect(replayed.recovered && replayed.events).toEqual(published);
    const page = await log.salesPage(Date.now() - 60_000, Date.now() + 1);
    expect(salesPageSchema.parse(page)).toEqual(page);
    expect((await log.dishes()).dishes.map((d) => dishSchema.parse(d))).toEqual(message.dishes);
  });

  it('touches no key it was not given (a cluster refuses that): a read or an order named with stale keys changes nothing', async () => {
    const scripts = defineScripts(redis);
    const k = log.keys;
    const lastBefore = await log.lastId();
    // The menu has "mapo"; a read that did not declare its hash answers `stale` instead of reading it.
    expect(await scripts.dishLiveReadDishes(2, k.last, k.dishIndex, `${k.base}dish:`)).toEqual(['stale', ['mapo']]);
    expect(await scripts.dishLiveReadDishes(3, k.last, k.dishIndex, k.dish('mapo'), `${k.base}dish:`)).toEqual([lastBefore, [expect.arrayContaining(['id', 'mapo'])]]);
    // An order whose sales bucket is not Redis's current one is answered with the right bucket, and not applied.
    const wrong = k.salesBucket(0);
    const reply = (await scripts.dishLiveApplyOrder(
      9, k.events, k.last, k.order('o-stale'), k.salesIndex, wrong, k.historyDishes, k.historyMeta, k.checkpoints, k.dish('mapo'),
      k.channel, log.streamMaxLen, 'o-stale', `${k.base}sales:`, log.salesBucketMs, log.salesRetentionMs, log.orderRetentionMs, 'f',
      log.historyRetentionMs, log.checkpointEvents, log.checkpointMs, 'mapo', '1',
    )) as [string, string];
    expect(reply[0]).toBe('bucket');
    expect(Number(reply[1]) % log.salesBucketMs).toBe(0);
    expect(Math.abs(Number(reply[1]) - Date.now())).toBeLessThan(60_000);
    expect(await log.lastId()).toBe(lastBefore);
    expect(await redis.exists(k.order('o-stale'), wrong)).toBe(0);
  });

  it('reads stay whole while dishes are created beside them (the declared set read again)', async () => {
    const racing = new EventLog(redis, { prefix, restaurant: 'race' });
    let writing = true;
    const writer = (async () => {
      // A menu edited as people edit one, a few times a second at most, here every few ms: reads race it constantly.
      // (A writer creating dishes back to back without pause could starve a read; it answers an error, never a wrong menu.)
      for (let i = 0; i < 60; i++) {
        await racing.createDish({ id: `d${i}`, name: `D${i}`, category: 'c', price: 1, stock: 1 });
        await new Promise((r) => setTimeout(r, 3));
      }
      writing = false;
    })();
    while (writing) {
      const [dishes, snapshot] = await Promise.all([racing.dishes(), racing.snapshot()]);
      for (const read of [dishes, snapshot]) {
        // A read at id X holds exactly the dishes created up to X.
        const upTo = await racing.range('-', read.id, 1000);
        expect(read.dishes.map((d) => d.id).sort()).toEqual(upTo.map((e) => (e.type === 'dish.created' ? e.data.dish.id : '')).sort());
      }
    }
    await writer;
  });
});
