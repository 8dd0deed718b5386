// The upgrade from the first wave: a Redis holding the first version's keys (written here exactly as its scripts wrote
// them), a dish service SIGKILLed half-way through moving them, started again: nothing lost, every key under
// `{r:default}:` with its value and expiry, the old routes answering the old data, new writes chained after it.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderFingerprint } from '@dish-live/broker';
import { spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import type { ChatMessageEvent, Dish, OrderItem, PollResponse, SalesPage } from '@dish-live/protocol';
import { killAllStarted, startDish, supervise, type ServiceProcess, type SupervisedProcess } from '@dish-live/test-support';

const TOKEN = 'upgrade-test-token-93c1';
/** The first version's sizes in a day of use: a full stream, a menu, a week of order outcomes, an hour of sales. */
const DISHES = 60;
const EVENTS = 5000;
/** Order outcomes kept for days: most of the keys, and what makes the move take long enough to be cut. */
const OLD_ORDERS = 100_000;
/** How long after its first progress line the first start is killed. */
const KILL_AFTER_MS = 250;
const CHAT_CAP = 50;
const BUCKET_MS = 10_000;
const DAY_MS = 24 * 3600_000;
const WEEK_MS = 7 * DAY_MS;

let server: RedisServerProcess;
let redis: Redis;

beforeAll(async () => {
  // A Redis of its own: the first version had no key prefix, and a keyspace this size would slow every other file's scans.
  server = await spawnRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  await killAllStarted();
  redis?.disconnect();
  await server?.stop();
});

interface OldDish {
  id: string;
  name: string;
  category: string;
  price: number;
  stock: number;
  sold: number;
  version: number;
  updatedAt: number;
}

/** As the first version's `dish_json` wrote it: this key order, numbers as integers. */
const dishJson = (d: OldDish) =>
  `{"id":${JSON.stringify(d.id)},"name":${JSON.stringify(d.name)},"category":${JSON.stringify(d.category)},"price":${d.price},"stock":${d.stock},"sold":${d.sold},"version":${d.version},"updatedAt":${d.updatedAt}}`;

interface Written {
  dishes: OldDish[];
  ids: string[];
  last: string;
  /** orderId → the outcome JSON as stored (with its fingerprint), and the items it was for. */
  orders: Map<string, { json: string; items: OrderItem[] }>;
  salesTotal: number;
  salesFrom: number;
}

/**
 * Fills Redis as the first version's scripts did (write-dish.lua, apply-order.lua, append-event.lua of the first
 * wave): keys without a tag or prefix, a stream of {type, ts, prev, data} chained by prev, `dish:last`, the dish set
 * and hashes, sales buckets with an expiry and their index, the recent chat list, order outcomes with an expiry.
 */
async function writeFirstWave(now: number): Promise<Written> {
  const categories = ['川菜', '粤菜', '点心', '汤', '面'];
  const dishes: OldDish[] = [];
  const ids: string[] = [];
  const orders = new Map<string, { json: string; items: OrderItem[] }>();
  const buckets = new Map<number, Map<string, number>>();
  const chat: string[] = [];
  let prev = '0-0';
  let salesTotal = 0;
  const start = now - 2 * 3600_000;
  const salesFrom = now - 3600_000 - ((now - 3600_000) % BUCKET_MS);
  let pipeline = redis.pipeline();
  const flush = async () => {
    await pipeline.exec();
    pipeline = redis.pipeline();
  };

  for (let i = 0; i < EVENTS; i++) {
    const ts = start + i * 1000;
    const id = `${ts}-0`;
    let type: string;
    let data: string;
    if (i < DISHES) {
      const dish: OldDish = { id: `dish-${i}`, name: `菜 ${i}`, category: categories[i % categories.length]!, price: 1000 + i * 10, stock: 10_000, sold: 0, version: 1, updatedAt: ts };
      dishes.push(dish);
      type = 'dish.created';
      data = `{"dish":${dishJson(dish)}}`;
    } else if (i % 10 === 0) {
      type = 'chat.message';
      data = `{"author":"kitchen","text":${JSON.stringify(`message ${i}`)}}`;
    } else if (i % 10 === 5) {
      const dish = dishes[i % DISHES]!;
      dish.price += 10;
      dish.version++;
      dish.updatedAt = ts;
      type = 'dish.updated';
      data = `{"dish":${dishJson(dish)}}`;
    } else {
      const dish = dishes[i % DISHES]!;
      const qty = 1 + (i % 3);
      const orderId = `o-${i}`;
      dish.stock -= qty;
      dish.sold += qty;
      dish.version++;
      dish.updatedAt = ts;
      type = 'dish.sold';
      data = `{"dish":${dishJson(dish)},"qty":${qty},"orderId":${JSON.stringify(orderId)}}`;
      const items = [{ dishId: dish.id, qty }];
      const json = `{"orderId":${JSON.stringify(orderId)},"status":"applied","items":[{"dishId":${JSON.stringify(dish.id)},"qty":${qty}}],"events":["${id}"],"at":${ts},"fingerprint":"${orderFingerprint(items)}"}`;
      orders.set(orderId, { json, items });
      pipeline.set(`order:${orderId}`, json, 'PX', WEEK_MS - (now - ts));
      const bucket = ts - (ts % BUCKET_MS);
      const counts = buckets.get(bucket) ?? new Map<string, number>();
      counts.set('total', (counts.get('total') ?? 0) + qty);
      counts.set(`c:${dish.category}`, (counts.get(`c:${dish.category}`) ?? 0) + qty);
      buckets.set(bucket, counts);
      if (bucket >= salesFrom) salesTotal += qty;
    }
    pipeline.xadd('dish:events', id, 'type', type, 'ts', String(ts), 'prev', prev, 'data', data);
    if (type === 'chat.message') chat.unshift(`{"id":"${id}","prev":"${prev}","type":"${type}","ts":${ts},"data":${data}}`);
    ids.push(id);
    prev = id;
    if (i % 1000 === 999) await flush();
  }
  pipeline.set('dish:last', prev);
  for (const dish of dishes) {
    pipeline.hset(`dish:${dish.id}`, 'id', dish.id, 'name', dish.name, 'category', dish.category, 'price', String(dish.price),
      'stock', String(dish.stock), 'sold', String(dish.sold), 'version', String(dish.version), 'updatedAt', String(dish.updatedAt));
    pipeline.sadd('dishes', dish.id);
  }
  for (const [bucket, counts] of buckets) {
    pipeline.hset(`sales:${bucket}`, Object.fromEntries([...counts].map(([k, v]) => [k, String(v)])));
    pipeline.pexpire(`sales:${bucket}`, DAY_MS - (now - bucket));
    pipeline.zadd('sales:buckets', String(bucket), String(bucket));
  }
  pipeline.lpush('chat:recent', ...chat.slice(0, CHAT_CAP).reverse());
  await flush();

  // The week's other outcomes, their events long trimmed from the stream: rejected orders, as apply-order.lua kept them.
  for (let i = 0; i < OLD_ORDERS; i++) {
    const orderId = `old-${i}`;
    const dishId = dishes[i % DISHES]!.id;
    const at = now - WEEK_MS + 3600_000 + i * 1000;
    const items = [{ dishId, qty: 5 }];
    const json = `{"orderId":"${orderId}","status":"rejected","reason":"out_of_stock","dishId":"${dishId}","at":${at},"fingerprint":"${orderFingerprint(items)}"}`;
    if (i < 20) orders.set(orderId, { json, items });
    pipeline.set(`order:${orderId}`, json, 'PX', WEEK_MS - (now - at));
    if (i % 5000 === 4999) await flush();
  }
  await flush();
  return { dishes, ids, last: prev, orders, salesTotal, salesFrom };
}

/** Every key of the first layout: anything not under a tag (`{…}`) and not BullMQ's. */
async function firstWaveKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'COUNT', 5000);
    cursor = next;
    for (const key of page) if (!key.startsWith('{') && !key.startsWith('bull:')) keys.push(key);
  } while (cursor !== '0');
  return keys;
}

const countKeys = async (pattern: string) => {
  let n = 0;
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    n += page.length;
  } while (cursor !== '0');
  return n;
};

interface KeyRecord {
  value: string;
  expiresAt: number;
}

/** Each key's exact value (the SHA-1 of its DUMP) and absolute expiry (PEXPIRETIME: -1 without one). */
async function record(keys: readonly string[], name: (key: string) => string = (k) => k): Promise<Map<string, KeyRecord>> {
  const out = new Map<string, KeyRecord>();
  for (let i = 0; i < keys.length; i += 5000) {
    const chunk = keys.slice(i, i + 5000);
    const pipeline = redis.pipeline();
    for (const key of chunk) {
      pipeline.dumpBuffer(name(key));
      pipeline.call('PEXPIRETIME', name(key));
    }
    const replies = (await pipeline.exec()) ?? [];
    chunk.forEach((key, j) => {
      const dump = replies[2 * j]![1] as Buffer | null;
      const expiresAt = replies[2 * j + 1]![1] as number;
      out.set(key, { value: dump ? createHash('sha1').update(dump).digest('hex') : 'missing', expiresAt });
    });
  }
  return out;
}

/** The dish service from source, not waited for: it is to be killed while it still moves keys. */
function launchDish(): SupervisedProcess {
  return supervise({
    name: 'dish (upgrading)',
    command: process.execPath,
    args: ['--import', 'tsx', 'services/dish/src/main.ts'],
    env: {
      PATH: process.env.PATH ?? '',
      TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
      HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', REDIS_URL: server.url, DISH_API_TOKENS: TOKEN, SEED_MENU: 'true', SIM_RATE: '0',
    },
    killAfterMs: 0,
  });
}

const PROGRESS = 'moving the first wave keys into restaurant default';

describe('the upgrade of a first-wave Redis', () => {
  it('survives a SIGKILL mid-migration and, started again, loses nothing', { timeout: 180_000 }, async () => {
    const now = Date.now();
    const written = await writeFirstWave(now);
    const oldKeys = await firstWaveKeys();
    expect(oldKeys.length).toBeGreaterThan(OLD_ORDERS + EVENTS / 2);
    const before = await record(oldKeys);

    // First start: killed a quarter of a second after it reports its first batch moved, well inside a move of this
    // size (seconds), so that it dies in the middle of the order keys.
    const first = launchDish();
    const onOutput = (chunk: Buffer) => {
      if (!chunk.toString().includes(PROGRESS)) return;
      first.child.stdout!.off('data', onOutput);
      setTimeout(() => first.kill('SIGKILL'), KILL_AFTER_MS);
    };
    first.child.stdout!.on('data', onOutput);
    const exit = await first.exited;
    expect(exit.signal, `the first start was to be killed mid-migration:\n${first.tail(20)}`).toBe('SIGKILL');
    expect(first.output()).not.toContain('dish service listening');
    const movedAtKill = await countKeys('{r:default}:*');
    const leftAtKill = (await firstWaveKeys()).length;
    console.log(`[upgrade] ${oldKeys.length} first-wave keys; ${movedAtKill} moved when the first start was killed`);
    expect(movedAtKill, 'some keys were moved before the kill').toBeGreaterThan(0);
    expect(leftAtKill, 'some keys were not moved yet').toBeGreaterThan(0);
    expect(movedAtKill + leftAtKill).toBe(oldKeys.length);
    // The log moves last: a half-moved layout is never read as a whole one.
    expect(await redis.exists('dish:events', 'dish:last')).toBe(2);

    // Second start: finishes the move, then serves.
    const svc: ServiceProcess = await startDish({ REDIS_URL: server.url, DISH_API_TOKENS: TOKEN, SEED_MENU: 'true' });

    expect(svc.output()).toContain('key layout upgraded');

    expect(await firstWaveKeys(), 'no key of the first layout is left').toEqual([]);
    const after = await record(oldKeys, (key) => `{r:default}:${key}`);
    let differ = 0;
    for (const [key, was] of before) {
      const now = after.get(key)!;
      if (now.value !== was.value || now.expiresAt !== was.expiresAt) {
        differ++;
        if (differ <= 5) expect({ key, ...now }, `{r:default}:${key} holds what ${key} held`).toEqual({ key, ...was });
      }
    }
    expect(differ, 'keys whose value or expiry changed in the move').toBe(0);

    const call = async <T>(method: string, path: string, json?: unknown): Promise<{ status: number; body: T }> => {
      const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
      if (json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${svc.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
      return { status: res.status, body: (await res.json()) as T };
    };

    // The old routes answer the old data: the menu (not seeded over), polling resumes from an old id.
    const dishes = await call<Dish[]>('GET', '/api/dishes');
    expect(dishes.status).toBe(200);
    expect(dishes.body).toEqual([...written.dishes].sort((a, b) => (a.id < b.id ? -1 : 1)));
    const since = written.ids[EVENTS - 301]!;
    const polled = await call<PollResponse>('GET', `/api/events?since=${since}&limit=1000`);
    expect(polled.body.recovered).toBe(true);
    if (!polled.body.recovered) return;
    expect(polled.body.events.map((e) => e.id)).toEqual(written.ids.slice(EVENTS - 300));
    expect(polled.body.events[0]!.prev).toBe(since);
    expect(polled.body.last).toBe(written.last);

    // Old orders answer their outcome, and the same orderId is still the same order.
    for (const orderId of ['o-61', `o-${EVENTS - 1}`, 'old-0', 'old-19']) {
      const stored = written.orders.get(orderId)!;
      const { fingerprint: _, ...outcome } = JSON.parse(stored.json) as Record<string, unknown>;
      const answered = await call('GET', `/api/orders/${orderId}`);
      expect(answered, orderId).toEqual({ status: 200, body: outcome });
      expect(await call('POST', '/api/orders', { orderId, items: stored.items })).toEqual({ status: 200, body: outcome });
      expect((await call('POST', '/api/orders', { orderId, items: [{ dishId: 'dish-0', qty: 9 }] })).status).toBe(409);
    }

    // The sales of the last hour, from the old buckets.
    const sales = await call<SalesPage>('GET', `/api/sales?from=${written.salesFrom}&to=${now + BUCKET_MS}&limit=1000`);
    expect(sales.status).toBe(200);
    expect(sales.body.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(written.salesTotal);

    // A new write chains after the old last id.
    const chat = await call<ChatMessageEvent>('POST', '/api/chat', { author: 'after', text: 'upgraded' });
    expect(chat.status).toBe(201);
    expect(chat.body.prev).toBe(written.last);
    const resumed = await call<PollResponse>('GET', `/api/events?since=${written.last}`);
    expect(resumed.body).toMatchObject({ recovered: true, events: [{ id: chat.body.id, prev: written.last, type: 'chat.message' }] });
    // `default` is registered, and a restart finds the layout current.
    expect((await call<{ id: string }[]>('GET', '/api/restaurants')).body).toEqual([{ id: 'default', name: 'Default' }]);
    await svc.stop();
    const again = await startDish({ REDIS_URL: server.url, DISH_API_TOKENS: TOKEN });
    expect(again.output()).toContain('key layout is current');
    await again.stop();
  });
});
