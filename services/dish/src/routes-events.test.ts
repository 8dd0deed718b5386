// Reading the log over HTTP against real Redis: snapshot, the polling endpoint, sales history across a restart, chat.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import type { OrderOutcome } from '@dish-live/broker';
import type { ChatMessageEvent, DishEvent, PollResponse, SalesHistory, SalesPage, Snapshot } from '@dish-live/protocol';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, BEHIND_LOOPBACK_PROXY, call, eventually, inspect, startTestService, testConfig, type Answer } from './dish.test-helpers.js';

const redis = testRedis('dish-events');
let service: DishService;
let base: string;
const check = inspect(redis);

beforeAll(async () => {
  service = await startTestService(testConfig(redis));
  base = service.url;
  for (const [id, category] of [['kungpao', '川菜'], ['duck', '京菜'], ['siu', '粤菜']] as const) {
    await call(base, 'POST', '/api/dishes', { json: { id, name: id, category, price: 1000, stock: 100 }, headers: AUTH });
  }
});

afterAll(async () => {
  await service.stop();
  check.client.disconnect();
});

/** The contract's digest of the whole menu now, computed here from the log's own read. */
async function digestNow(): Promise<string> {
  const dishes = (await check.log.dishes()).dishes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lines = dishes.map((d) => `${d.id}:${d.version}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

const poll = (query: string) => call<PollResponse & Record<string, unknown>>(base, 'GET', `/api/events${query}`);

async function chat(text: string): Promise<ChatMessageEvent> {
  const res = await call<ChatMessageEvent>(base, 'POST', '/api/chat', { json: { author: 'kitchen', text } });
  expect(res.status).toBe(201);
  return res.body;
}

describe('GET /api/snapshot', () => {
  it('answers every dish, the sales history and the id of the last event included', async () => {
    const res = await call<Snapshot>(base, 'GET', '/api/snapshot');
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(await check.log.lastId());
    expect(res.body.dishes.map((d) => d.id)).toEqual(['duck', 'kungpao', 'siu']);
    expect(res.body.sales.bucketMs).toBe(10_000);
  });
});

describe('GET /api/events (polling)', () => {
  it('answers a snapshot when since is absent', async () => {
    const res = await poll('');
    expect(res.status).toBe(200);
    expect(res.body.recovered).toBe(false);
    if (res.body.recovered) return;
    expect(res.body.snapshot.id).toBe(await check.log.lastId());
    expect(res.body.snapshot.dishes).toHaveLength(3);
    expect(res.body.snapshot.digest).toBe(await digestNow());
    expect(Object.keys(res.body).sort()).toEqual(['recovered', 'snapshot']);
  });

  it('answers exactly the events after an id, in order, chained by prev', async () => {
    const from = await check.log.lastId();
    const a = await chat('one');
    const b = await chat('two');
    const c = await chat('three');
    const res = await poll(`?since=${from}`);
    expect(res.body).toEqual({ recovered: true, events: [a, b, c], last: c.id, more: false, digest: await digestNow() });
    expect(a.prev).toBe(from);
    expect(b.prev).toBe(a.id);

    const after = await poll(`?since=${a.id}`);
    expect(after.body).toMatchObject({ recovered: true, last: c.id, more: false });
    expect((after.body as { events: DishEvent[] }).events.map((e) => e.id)).toEqual([b.id, c.id]);
  });

  it('answers no events and last = since when nothing is new', async () => {
    const last = await check.log.lastId();
    expect((await poll(`?since=${last}`)).body).toEqual({ recovered: true, events: [], last, more: false, digest: await digestNow() });
  });

  it('replays from 0-0 while the stream was never trimmed', async () => {
    const res = await poll('?since=0-0');
    expect(res.body.recovered).toBe(true);
    const events = (res.body as { events: DishEvent[] }).events;
    expect(events[0]?.prev).toBe('0-0');
    expect(events.filter((e) => e.type === 'dish.created')).toHaveLength(3);
  });

  it('cuts at limit and says more', async () => {
    const res = await poll('?since=0-0&limit=2');
    expect(res.body).toMatchObject({ recovered: true, more: true });
    // Before the log's first checkpoint the state at a cut page's end is not known cheaply: no digest, never a walk.
    expect(res.body).not.toHaveProperty('digest');
    const events = (res.body as { events: DishEvent[]; last: string }).events;
    expect(events).toHaveLength(2);
    expect((res.body as { last: string }).last).toBe(events[1]!.id);
    const next = await poll(`?since=${events[1]!.id}&limit=10000`);
    expect((next.body as { events: DishEvent[] }).events[0]?.prev).toBe(events[1]!.id);
  });

  it('proves a page the limit cut with the state at its end, from the nearest checkpoint', async () => {
    // Past a checkpoint (one every 250 events): the digest of each cut page's end, as the log read it then.
    const digests = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      await check.log.updateDish('duck', { price: 1000 + i });
      digests.set(await check.log.lastId(), await digestNow());
    }
    const ids = [...digests.keys()];
    const res = await poll(`?since=${ids[270]}&limit=5`);
    expect(res.body).toMatchObject({ recovered: true, more: true, last: ids[275] });
    expect(res.body.digest).toBe(digests.get(ids[275]!));
  });

  it('answers a snapshot, not an error, for a garbage, future or in-between since', async () => {
    const last = await check.log.lastId();
    const [ms, seq] = last.split('-');
    for (const since of ['garbage', '1-2-3', `${Number(ms) + 60_000}-0`, `${ms}-${Number(seq) + 5}`, '1-0', 'x'.repeat(200)]) {
      const res = await poll(`?since=${encodeURIComponent(since)}`);
      expect(res.status, since).toBe(200);
      expect(res.body.recovered, since).toBe(false);
    }
    expect((await poll('?since=a&since=b')).body.recovered).toBe(false);
  });

  it('refuses a bad limit with a 400 problem naming limit', async () => {
    for (const limit of ['0', '-1', 'abc', '10001', '1.5', '']) {
      const res = await call<ProblemBody>(base, 'GET', `/api/events?since=0-0&limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors?.[0]?.path).toBe('limit');
    }
    expect((await poll('?limit=10000')).status).toBe(200);
  });

  it('answers a snapshot once the since id was trimmed from the stream', async () => {
    const small = testRedis('dish-events-trim');
    const trimmed = await startTestService(testConfig(small, { streamMaxLen: 100 }));
    try {
      const first = (await call<ChatMessageEvent>(trimmed.url, 'POST', '/api/chat', { json: { author: 'a', text: 'first' } })).body;
      for (let i = 0; i < 400; i++) await call(trimmed.url, 'POST', '/api/chat', { json: { author: 'a', text: `n${i}` } });
      const stale = await call<PollResponse>(trimmed.url, 'GET', `/api/events?since=${first.id}`);
      expect(stale.body.recovered).toBe(false);
      const fromZero = await call<PollResponse>(trimmed.url, 'GET', '/api/events?since=0-0');
      expect(fromZero.body.recovered).toBe(false);
    } finally {
      await trimmed.stop();
    }
  });
});

describe('POST /api/chat', () => {
  it('answers 201 with the chat.message event, markup kept as text', async () => {
    const text = '<script>alert("x")</script> & <b>辣</b>\nsecond line';
    const res = await call<ChatMessageEvent>(base, 'POST', '/api/chat', { json: { author: '  王师傅 ', text } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'chat.message', data: { author: '王师傅', text } });
    expect(res.body.id).toBe(await check.log.lastId());
    const polled = await poll(`?since=${res.body.prev}`);
    expect((polled.body as { events: DishEvent[] }).events).toEqual([res.body]);
  });

  it('accepts 1 and 500 characters and refuses 0, 501, a long author, control characters and unknown fields', async () => {
    expect((await call(base, 'POST', '/api/chat', { json: { author: 'a', text: 'x' } })).status).toBe(201);
    expect((await call(base, 'POST', '/api/chat', { json: { author: 'a'.repeat(40), text: '字'.repeat(500) } })).status).toBe(201);
    const last = await check.log.lastId();
    const bad: [unknown, string][] = [
      [{ author: 'a', text: '' }, 'text'],
      [{ author: 'a', text: '   ' }, 'text'],
      [{ author: 'a', text: 'x'.repeat(501) }, 'text'],
      [{ author: 'a'.repeat(41), text: 'x' }, 'author'],
      [{ author: '', text: 'x' }, 'author'],
      [{ author: 'a', text: 'bell\u0007' }, 'text'],
      [{ author: 'a', text: 'x', room: 'all' }, 'room'],
      [{ author: 'a', text: 42 }, 'text'],
      [{ text: 'x' }, 'author'],
    ];
    for (const [json, field] of bad) {
      const res = await call<ProblemBody>(base, 'POST', '/api/chat', { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.errors?.map((e) => e.path)).toContain(field);
    }
    expect((await call(base, 'POST', '/api/chat', { raw: '{"author":' })).status).toBe(400);
    expect(await check.log.lastId()).toBe(last);
  });

  it('needs the write token only when CHAT_REQUIRES_TOKEN is set', async () => {
    const guarded = await startTestService(testConfig(redis, { chatRequiresToken: true }));
    try {
      expect((await call(guarded.url, 'POST', '/api/chat', { json: { author: 'a', text: 'x' } })).status).toBe(401);
      expect((await call(guarded.url, 'POST', '/api/chat', { json: { author: 'a', text: 'x' }, headers: AUTH })).status).toBe(201);
    } finally {
      await guarded.stop();
    }
  });
});

describe('chat rate limit', () => {
  it('allows a burst per client address, then answers 429 with Retry-After, shared by every replica', async () => {
    const limited = testConfig(redis, { ...BEHIND_LOOPBACK_PROXY, chatRate: { burst: 3, perSecond: 0.2 } });
    const a = await startTestService(limited);
    const b = await startTestService(limited);
    try {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      const post = (url: string, ip: string) => call<ProblemBody>(url, 'POST', '/api/chat', { json: { author: 'a', text: 'x' }, headers: from(ip) });
      expect((await post(a.url, '203.0.113.7')).status).toBe(201);
      expect((await post(b.url, '203.0.113.7')).status).toBe(201);
      expect((await post(a.url, '203.0.113.7')).status).toBe(201);
      const last = await check.log.lastId();
      const refused = await post(b.url, '203.0.113.7');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await check.log.lastId()).toBe(last);
      // Another client (as the trusted proxy on loopback reports it) has a budget of its own.
      expect((await post(a.url, '198.51.100.1')).status).toBe(201);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('GET /api/sales/history', () => {
  it('accumulates sales per category and keeps them across a restart on the same Redis', async () => {
    const orders = [
      { orderId: 'sales-1', items: [{ dishId: 'kungpao', qty: 2 }, { dishId: 'duck', qty: 1 }] },
      { orderId: 'sales-2', items: [{ dishId: 'kungpao', qty: 3 }] },
      { orderId: 'sales-3', items: [{ dishId: 'siu', qty: 4 }] },
    ];
    for (const json of orders) expect((await call(base, 'POST', '/api/orders', { json, headers: AUTH })).status).toBe(202);
    for (const { orderId } of orders) {
      await eventually(`order ${orderId}`, async () => {
        const res = await call<OrderOutcome>(base, 'GET', `/api/orders/${orderId}`);
        return res.status === 200 ? res.body : undefined;
      });
    }
    const totals = (history: SalesHistory) => {
      const byCategory: Record<string, number> = {};
      let total = 0;
      for (const bucket of history.buckets) {
        total += bucket.total;
        for (const [category, n] of Object.entries(bucket.byCategory)) byCategory[category] = (byCategory[category] ?? 0) + n;
      }
      return { total, byCategory };
    };
    const before = await call<SalesHistory>(base, 'GET', '/api/sales/history');
    expect(before.status).toBe(200);
    expect(before.body.bucketMs).toBe(10_000);
    expect(totals(before.body)).toEqual({ total: 10, byCategory: { 川菜: 5, 京菜: 1, 粤菜: 4 } });

    await service.stop();
    service = await startTestService(testConfig(redis));
    base = service.url;
    const after = await call<SalesHistory>(base, 'GET', '/api/sales/history');
    expect(after.body.buckets).toEqual(before.body.buckets);
  });
});

describe('GET /api/sales', () => {
  it('answers the window by default and older history in pages', async () => {
    const log = check.log;
    const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 3 * 3_600_000;
    // Three hours of buckets, written as the order script writes them.
    const pipeline = check.client.pipeline();
    for (let i = 0; i < 1080; i++) {
      const t = t0 + i * 10_000;
      pipeline.hset(log.keys.salesBucket(t), 'total', '1', 'c:川菜', '1');
      pipeline.zadd(log.keys.salesIndex, t, String(t));
    }
    await pipeline.exec();
    const window = await call<SalesPage>(base, 'GET', '/api/sales');
    expect(window.status).toBe(200);
    expect(window.body.to - window.body.from).toBe(3_600_000);
    expect(window.body.buckets.every((b) => b.t >= window.body.from && b.t < window.body.to)).toBe(true);

    const seen: number[] = [];
    let from: number | undefined = t0;
    let pages = 0;
    while (from !== undefined) {
      const page: Answer<SalesPage> = await call<SalesPage>(base, 'GET', `/api/sales?from=${from}&to=${t0 + 1080 * 10_000}&limit=400`);
      expect(page.status).toBe(200);
      expect(page.body.buckets.length).toBeLessThanOrEqual(400);
      seen.push(...page.body.buckets.filter((b) => b.byCategory['川菜'] === 1).map((b) => b.t));
      from = page.body.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 1080 }, (_, i) => t0 + i * 10_000));
  });

  it.each([
    ['from=abc', 'from'],
    ['from=1.5', 'from'],
    ['to=-1', 'to'],
    ['from=2000&to=1000', 'from'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await call<ProblemBody>(base, 'GET', `/api/sales?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(res.body)).toContain(field);
  });
});
