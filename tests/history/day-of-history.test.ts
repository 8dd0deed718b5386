// A day of sales history (8,640 buckets) must not make any read, snapshot or start cost more: counted in Redis commands
// and bytes, never in time (issue 11 §1).
import { setPriority } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerKeys } from '@dish-live/broker';
import { LIMITS, type Dish, type ServerMessage, type Snapshot } from '@dish-live/protocol';
import { spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import { SseClient, startGateway, startService, waitFor, WsClient, type Gateway, type ServiceProcess } from '@dish-live/test-support';

/**
 * A Redis of this file's own, at a high scheduling priority: SLOWLOG measures wall time, and on a loaded two-core
 * machine a Redis that is merely descheduled logs even a single HGETALL at 20 ms. Raised above the rest, what it
 * logs is what the commands cost. (Where the priority cannot be raised, as a non-root user, it runs as it is.)
 */
let server: RedisServerProcess;
const redis = { url: '', prefix: 'history:' };
const keys = brokerKeys(redis.prefix);
const BUCKET_MS = 10_000;
const DAY_BUCKETS = 8_640;
/** The buckets of the snapshot window (60 min of 10 s), one more for a window that does not start on an edge. */
const WINDOW_BUCKETS = LIMITS.snapshotSalesWindowMs / BUCKET_MS + 1;
let env: Record<string, string>;

let client: Redis;
let dish: ServiceProcess;
let dishes: Dish[];
const started: { stop(): Promise<unknown> }[] = [];

/** Counts the commands Redis runs on this file's keys (scripts' own commands included), through MONITOR. */
class KeyCommandCounter {
  #count = 0;
  #last = 0;
  #seen: string[] = [];
  readonly #monitor: Promise<{ disconnect(): void }>;

  /** `ignore`: commands that come with time rather than with the action (a gateway's periodic last-id check). */
  constructor(private readonly ignore: (args: string[]) => boolean = () => false) {
    const conn = new Redis(redis.url);
    this.#monitor = conn.monitor().then((monitor) => {
      monitor.on('monitor', (_time: string, args: string[]) => {
        // The order queue's worker polls its own keys on its own clock (BullMQ, `<prefix>bull:`): not the read's work.
        if (args.some((a) => a.startsWith(redis.prefix) && !a.startsWith(`${redis.prefix}bull:`)) && !this.ignore(args)) {
          this.#count++;
          this.#last = Date.now();
          this.#seen.push(args.slice(0, 2).join(' '));
        }
      });
      conn.disconnect();
      return monitor;
    });
  }

  ready(): Promise<unknown> {
    return this.#monitor;
  }

  /** The commands `action` caused, once MONITOR has been quiet for a moment. */
  async during(action: () => Promise<unknown>): Promise<number> {
    await this.#quiet();
    const before = this.#count;
    this.#seen = [];
    await action();
    await this.#quiet();
    return this.#count - before;
  }

  /** The commands the last `during` counted (command and first key): what a failed bound prints. */
  get seen(): string {
    return this.#seen.join('; ');
  }

  async #quiet(): Promise<void> {
    await waitFor('MONITOR to go quiet', () => Date.now() - this.#last > 150, 10_000);
  }

  async stop(): Promise<void> {
    (await this.#monitor).disconnect();
  }
}

/** Writes a day of closed sales buckets the way the order script does: a hash each and the index. */
async function writeDayOfBuckets(categories: string[]): Promise<void> {
  const newest = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS;
  const pipeline = client.pipeline();
  for (let i = 0; i < DAY_BUCKETS; i++) {
    const t = newest - i * BUCKET_MS;
    pipeline.hset(keys.salesBucket(t), 'total', String(categories.length * 3), ...categories.flatMap((c) => [`c:${c}`, '3']));
    pipeline.pexpire(keys.salesBucket(t), 25 * 3_600_000);
    pipeline.zadd(keys.salesIndex, t, String(t));
  }
  await pipeline.exec();
}

/** What the biggest snapshot may weigh: the menu, a full window of buckets, 50 chat messages of the longest text. */
function snapshotBound(): number {
  const bucket = { t: Date.now(), total: 999_999, byCategory: Object.fromEntries(dishes.map((d) => [d.category, 999_999])) };
  const chat = { id: '1700000000000-10', prev: '1700000000000-9', type: 'chat.message', ts: Date.now(), data: { author: 'a'.repeat(40), text: 'x'.repeat(500) } };
  return JSON.stringify(dishes).length + WINDOW_BUCKETS * (JSON.stringify(bucket).length + 1) + LIMITS.recentChat * (JSON.stringify(chat).length + 1) + 1024;
}

beforeAll(async () => {
  server = await spawnRedisServer();
  try {
    setPriority(server.pid, -15);
  } catch (err) {
    console.log(`[day-of-history] redis-server priority left as it is: ${(err as Error).message}`);
  }
  redis.url = server.url;
  env = { REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, SALES_BUCKET_MS: String(BUCKET_MS) };
  client = new Redis(redis.url);
  dish = await startService('dish', { ...env, DISH_API_TOKENS: 'history-token' }, { timeoutMs: 30_000 });
  started.push(dish);
  await waitFor('the seeded menu', async () => (await fetch(`${dish.url}/api/dishes`)).ok, 30_000);
  dishes = (await (await fetch(`${dish.url}/api/dishes`)).json()) as Dish[];
  expect(dishes.length).toBeGreaterThan(0);
  await writeDayOfBuckets([...new Set(dishes.map((d) => d.category))]);
  expect(await client.zcard(keys.salesIndex)).toBe(DAY_BUCKETS);
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  client.disconnect();
  await server.stop();
});

describe('with a day of sales history', () => {
  it('reads dishes, snapshots, polls and sales pages with work bounded by the menu and the window', async () => {
    const counter = new KeyCommandCounter();
    started.push(counter);
    await counter.ready();
    const get = (path: string) => async () => {
      const res = await fetch(`${dish.url}${path}`);
      expect(res.status, path).toBe(200);
      return res.json() as Promise<unknown>;
    };
    const d = dishes.length;
    // The script: SMEMBERS, an HGETALL per dish, GET of the last id; the route's own GET of the last id.
    expect(await counter.during(get('/api/dishes'))).toBeLessThanOrEqual(d + 4);
    expect(await counter.during(get('/api/dishes')), 'an unchanged menu is answered from memory').toBeLessThanOrEqual(2);
    for (const path of ['/api/snapshot', '/api/events']) {
      expect(await counter.during(get(path)), path).toBeLessThanOrEqual(d + WINDOW_BUCKETS + 6);
      // The window's closed buckets never change: read once, then served from memory.
      const again = await counter.during(get(path));
      expect(again, `${path} again: ${counter.seen}`).toBeLessThanOrEqual(d + 8);
    }
    const snapshot = (await get('/api/snapshot')()) as Snapshot;
    expect(snapshot.sales.buckets.length).toBeLessThanOrEqual(WINDOW_BUCKETS);
    expect(snapshot.sales.buckets.length).toBeGreaterThan(WINDOW_BUCKETS - 3);
    expect(JSON.stringify(snapshot).length).toBeLessThan(snapshotBound());

    // A page of the oldest history; the same page again comes from memory (closed buckets never change).
    const from = Date.now() - 24 * 3_600_000;
    const page = `/api/sales?from=${from}&to=${from + 3_600_000}`;
    expect(await counter.during(get(page))).toBeLessThanOrEqual(WINDOW_BUCKETS + 2);
    expect(await counter.during(get(page))).toBeLessThanOrEqual(1);
    await counter.stop();
  });

  it('starts a gateway and sends WS and SSE snapshots bounded by the menu and the window', async () => {
    // A running gateway checks the last id once a second: that comes with time, not with a start.
    const counter = new KeyCommandCounter((args) => args[0]?.toLowerCase() === 'get' && args[1] === keys.last);
    started.push(counter);
    await counter.ready();
    const gateways: Gateway[] = [];
    for (const kind of ['ws', 'sse'] as const) {
      const work = await counter.during(async () => {
        const g = await startGateway(kind, env);
        gateways.push(g);
        started.push(g);
        await waitFor(`${kind}-gateway ready`, async () => (await fetch(`http://127.0.0.1:${g.port}/readyz`)).ok, 20_000);
      });
      // The view's load (the snapshot script's own commands and one read of the window's closed buckets), the feed's
      // subscribe and first catch-up: a day of history would add 8,640 reads here.
      expect(work, `${kind}-gateway start`).toBeLessThanOrEqual(dishes.length + WINDOW_BUCKETS + 25);
    }
    const firstMessage = async (c: WsClient | SseClient) => {
      await waitFor('the snapshot', () => c.messages.length > 0, 10_000);
      c.close();
      return c.messages[0]!;
    };
    const bound = snapshotBound();
    for (const message of [await firstMessage(new WsClient(gateways[0]!.url)), await firstMessage(new SseClient(gateways[1]!.url))]) {
      const snap = message as Extract<ServerMessage, { type: 'snapshot' }>;
      expect(snap.type).toBe('snapshot');
      expect(snap.sales.buckets.length).toBeLessThanOrEqual(WINDOW_BUCKETS);
      expect(JSON.stringify(snap).length, 'a snapshot after a day weighs what one after an hour does').toBeLessThan(bound);
    }
    await counter.stop();
  });

  it('keeps every script of a read burst under 10 ms (SLOWLOG)', async () => {
    const [, threshold] = (await client.config('GET', 'slowlog-log-slower-than')) as [string, string];
    await client.config('SET', 'slowlog-log-slower-than', '10000');
    try {
      const since = (await (await fetch(`${dish.url}/api/events`)).json()) as { snapshot: Snapshot };
      const paths = ['/api/dishes', '/api/snapshot', '/api/events', `/api/events?since=${since.snapshot.id}`, '/api/sales', '/api/sales/history'];
      const started = Date.now();
      await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${dish.url}${paths[i % paths.length]}`).then((r) => expect(r.status).toBe(200))));
      const slow = ((await client.slowlog('GET', 1000)) as [number, number, number, string[]][]).filter(
        ([, at, , args]) => at * 1000 >= started - 1000 && args.some((a) => a.startsWith(redis.prefix)),
      );
      expect(slow.map(([, , micros, args]) => `${micros} µs: ${args.slice(0, 4).join(' ')}`)).toEqual([]);
    } finally {
      await client.config('SET', 'slowlog-log-slower-than', threshold);
    }
  });
});
