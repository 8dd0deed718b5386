// Two restaurants through one real dish service process: what is written to A never reaches B's polling or dishes,
// A's token cannot write B, and with subscription keys a token for A cannot read B over REST or polling.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dish, DishEvent, PollResponse } from '@dish-live/protocol';
import { killAllStarted, startDish, testRedis, waitFor, type ServiceProcess } from '@dish-live/test-support';

const redis = testRedis('tenants-dish');
const DEPLOYMENT_TOKEN = 'tenants-deployment-token-5e1c';
const SECRET = 'tenants-dish-isolation-secret-0123456789';
const A = 'iso-a';
const B = 'iso-b';

let svc: ServiceProcess;
const tokens: Record<string, string> = {};
const readTokens: Record<string, string> = {};

const readToken = (restaurants: string[]) =>
  new SignJWT({ restaurants })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(SECRET));

interface Answer<T> {
  status: number;
  body: T;
  text: string;
}

async function send<T = Record<string, unknown>>(method: string, path: string, options: { token?: string; json?: unknown } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${svc.url}${path}`, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, text };
}

/** A read of one restaurant with a subscription token naming `as` (by default the restaurant itself). */
const read = <T>(restaurant: string, path: string, as = restaurant) => send<T>('GET', `/api/restaurants/${restaurant}${path}`, { token: readTokens[as] });

/** The restaurant's last event id, from its own polling route. */
async function lastId(restaurant: string): Promise<string> {
  const res = await read<PollResponse>(restaurant, '/events');
  expect(res.status, res.text).toBe(200);
  if (res.body.recovered) throw new Error('a poll without since answers a snapshot');
  return res.body.snapshot.id;
}

async function eventsSince(restaurant: string, since: string): Promise<DishEvent[]> {
  const res = await read<PollResponse>(restaurant, `/events?since=${since}&limit=1000`);
  expect(res.status, res.text).toBe(200);
  if (!res.body.recovered) throw new Error(`${restaurant}: ${since} is no longer in its log`);
  return res.body.events;
}

beforeAll(async () => {
  svc = await startDish({ REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, DISH_API_TOKENS: DEPLOYMENT_TOKEN, SUBSCRIBE_JWT_SECRET: SECRET, CHAT_RATE_PER_SEC: '0' });
  for (const id of [A, B]) {
    const created = await send<{ token: string }>('POST', '/api/restaurants', { token: DEPLOYMENT_TOKEN, json: { id, name: `Restaurant ${id}` } });
    expect(created.status, created.text).toBe(201);
    tokens[id] = created.body.token;
    readTokens[id] = await readToken([id]);
  }
  const dish = await send('POST', `/api/restaurants/${B}/dishes`, { token: tokens[B], json: { id: 'b-soup', name: '酸辣汤', category: '汤', price: 1800, stock: 20 } });
  expect(dish.status, dish.text).toBe(201);
}, 60_000);

afterAll(async () => {
  await killAllStarted();
});

describe('two restaurants in one dish service', () => {
  it("never shows A's writes in B's polling or dishes", async () => {
    const sinceA = await lastId(A);
    const sinceB = await lastId(B);
    const dishesB = await read<Dish[]>(B, '/dishes');

    const writes: [string, string, unknown][] = [
      ['POST', '/dishes', { id: 'a-noodles', name: '担担面', category: '面', price: 2200, stock: 30 }],
      ['POST', '/dishes', { id: 'b-soup', name: 'same id as B has', category: '汤', price: 100, stock: 1 }],
      ['PATCH', '/dishes/a-noodles', { price: 2400 }],
      ['POST', '/orders', { orderId: 'shared-order-id', items: [{ dishId: 'a-noodles', qty: 2 }] }],
      ['POST', '/chat', { author: 'A kitchen', text: 'only for A' }],
    ];
    for (const [method, path, json] of writes) {
      const res = await send(method, `/api/restaurants/${A}${path}`, { token: tokens[A], json });
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
    }
    await waitFor('the order in A applied', async () => (await read(A, '/orders/shared-order-id')).status === 200);

    const inA = await eventsSince(A, sinceA);
    expect(inA.map((e) => e.type)).toEqual(['dish.created', 'dish.created', 'dish.updated', 'dish.sold', 'chat.message']);
    expect(await eventsSince(B, sinceB)).toEqual([]);
    expect(await lastId(B)).toBe(sinceB);
    expect((await read<Dish[]>(B, '/dishes')).body).toEqual(dishesB.body);
    expect((await read(B, '/dishes/a-noodles')).status).toBe(404);
    expect((await read(B, '/orders/shared-order-id')).status).toBe(404);
    const snapshotB = await read<{ chat: unknown[] }>(B, '/snapshot');
    expect(snapshotB.text).not.toContain('only for A');
    expect(snapshotB.text).not.toContain('担担面');
  });

  it("refuses A's token on B's writes with 403, B unchanged", async () => {
    const sinceB = await lastId(B);
    const dishBefore = await read<Dish>(B, '/dishes/b-soup');
    const attempts: [string, string, unknown?][] = [
      ['POST', '/dishes', { id: 'planted', name: 'planted', category: '汤', price: 100, stock: 1 }],
      ['PATCH', '/dishes/b-soup', { stock: 0 }],
      ['DELETE', '/dishes/b-soup'],
      ['POST', '/orders', { orderId: 'drain', items: [{ dishId: 'b-soup', qty: 20 }] }],
    ];
    for (const [method, path, json] of attempts) {
      const res = await send<{ type: string }>(method, `/api/restaurants/${B}${path}`, { token: tokens[A], json });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.type).toBe('urn:dish-live:problem:forbidden-restaurant');
    }
    // Nor default's, through the first wave's routes.
    expect((await send('POST', '/api/dishes', { token: tokens[A], json: { id: 'planted', name: 'p', category: 'c', price: 100, stock: 1 } })).status).toBe(403);

    expect(await eventsSince(B, sinceB)).toEqual([]);
    expect((await read<Dish>(B, '/dishes/b-soup')).body).toEqual(dishBefore.body);
    expect((await read(B, '/dishes/planted')).status).toBe(404);
    expect((await read(B, '/orders/drain')).status).toBe(404);
  });

  it('refuses a read token for A on every read of B, REST and polling, with 403', async () => {
    const sinceB = await lastId(B);
    for (const path of ['/dishes', '/dishes/b-soup', '/snapshot', '/sales', '/events', `/events?since=${sinceB}`, '/orders/x', '']) {
      const asA = await read<{ type: string }>(B, path, A);
      expect(asA.status, `GET ${path} as A`).toBe(403);
      expect(asA.body.type).toBe('urn:dish-live:problem:forbidden-restaurant');
      expect(asA.text).not.toContain('b-soup');
      // Polling clients carry the token in the query (an EventSource or a plain poller sets no header).
      const sep = path.includes('?') ? '&' : '?';
      expect((await send('GET', `/api/restaurants/${B}${path}${sep}token=${readTokens[A]}`)).status, `GET ${path}?token= as A`).toBe(403);
      expect((await send('GET', `/api/restaurants/${B}${path}`)).status, `GET ${path} without a token`).toBe(401);
    }
    expect((await read(B, `/events?since=${sinceB}`)).status).toBe(200);
    // The list of restaurants stays public.
    const list = await send<{ id: string }[]>('GET', '/api/restaurants');
    expect(list.status).toBe(200);
    expect(list.body.map((r) => r.id)).toEqual(expect.arrayContaining(['default', A, B]));
  });
});
