// The contract checked where it is produced: what every Lua script writes, publishes and answers is parsed with the
// protocol's own schemas, so the envelope built in lib.lua and the TypeScript types cannot drift apart.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, waitFor } from '@dish-live/test-support';
import { chatMessageSchema, dishEventSchema, dishSchema, salesPageSchema, snapshotSchema } from '@dish-live/protocol';
import { envelopeJson, eventFromEntry, type StreamEntry } from './decode.js';
import { EventLog } from './event-log.js';

const { url, prefix } = testRedis('scripts-contract');
let redis: Redis;
let subscriber: Redis;
let log: EventLog;
const published: string[] = [];

beforeAll(async () => {
  redis = new Redis(url);
  subscriber = new Redis(url);
  log = new EventLog(redis, { prefix });
  subscriber.on('message', (_channel: string, message: string) => published.push(message));
  await subscriber.subscribe(log.keys.channel);
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
});
