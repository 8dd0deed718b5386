// A dish moved out of a filter's categories: the gateway sends the move to that filter's clients too (the event names
// the category it left), they drop the dish, and the proof holds — no gap, no resync, every check agreeing — on WS and
// SSE, while a dish moved in arrives. Without it, each move out cost every filtered client a resync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, type RedisClient } from '@dish-live/broker';
import { connect, type DishClient } from '@dish-live/client';
import { nodeTransports } from '@dish-live/client/node';
import type { Dish } from '@dish-live/protocol';
import { startGateway, testRedis, waitFor, type Gateway } from '@dish-live/test-support';

const { env: redisEnv, prefix, durability, connect: connectRedis } = testRedis('proof-category-move');
let redis: RedisClient;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;
const clients: DishClient[] = [];

beforeAll(async () => {
  redis = connectRedis();
  log = new EventLog(redis, { prefix, durability });
  for (const [id, category] of [['a', 'soup'], ['b', 'soup'], ['c', 'grill']] as const) {
    await log.createDish({ id, name: id.toUpperCase(), category, price: 100, stock: 10 });
  }
  const env = { ...redisEnv, KEY_PREFIX: prefix };
  [ws, sse] = await Promise.all([startGateway('ws', env), startGateway('sse', env)]);
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([ws, sse].map((p) => p?.stop()));
  redis?.disconnect();
});

const soupIds = (dishes: Iterable<Dish>) => [...dishes].filter((d) => d.category === 'soup').map((d) => d.id).sort();

describe('a filtered client and a category move', () => {
  it('drops a dish moved out, takes one moved in, and every check agrees', async () => {
    const open = (g: Gateway) => {
      const client = connect({ transport: g.kind, url: g.url, categories: ['soup'], ...nodeTransports() });
      clients.push(client);
      return client;
    };
    const wsClient = open(ws);
    const sseClient = open(sse);
    for (const client of [wsClient, sseClient]) await waitFor('the snapshot', () => client.store.lastId !== undefined, 10_000);
    expect([...wsClient.store.dishes.keys()].sort()).toEqual(['a', 'b']);

    await log.updateDish('a', { category: 'grill' }); // out of the filter
    await log.updateDish('c', { category: 'soup' }); // into it
    await log.updateDish('b', { stock: 9 });
    const last = await log.lastId();
    const truth = soupIds((await log.dishes()).dishes);
    expect(truth).toEqual(['b', 'c']);
    for (const client of [wsClient, sseClient]) {
      await waitFor('the moves applied', () => client.store.lastId === last, 10_000);
      expect([...client.store.dishes.keys()].sort()).toEqual(truth);
    }
    // A check (every 10 s) compares each client's filtered menu with the gateway's digest of it.
    const checked = (client: DishClient) => client.stats().verified >= 3;
    await waitFor('the links verified', () => checked(wsClient) && checked(sseClient), 15_000);
    await new Promise((r) => setTimeout(r, 11_000));
    for (const client of [wsClient, sseClient]) {
      const stats = client.stats();
      expect({ gaps: stats.gaps, resyncs: stats.resyncs }).toEqual({ gaps: 0, resyncs: 0 });
      expect([...client.store.dishes.keys()].sort()).toEqual(truth);
    }
  }, 60_000);
});
