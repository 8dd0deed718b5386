// Restaurants in one dish service against real Redis: their routes and 404s, creation and its token, write scope,
// orders and caches kept apart per restaurant.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, type OrderOutcome } from '@dish-live/broker';
import { compareStreamIds, type ChatMessageEvent, type Dish, type PollResponse } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import type { ProblemBody } from './http-errors.js';
import { jobIdFor, ORDER_QUEUE } from './orders.js';
import type { DishService } from './service.js';
import { AUTH, call, eventually, inspect, startTestService, testConfig } from './dish.test-helpers.js';

const redis = testRedis('dish-restaurants');
let service: DishService;
let base: string;
const check = inspect(redis);
const logOf = (restaurant: string) => new EventLog(check.client, { prefix: redis.prefix, restaurant });

beforeAll(async () => {
  // Chat limited to a burst of 2 (and almost no refill), to see that each restaurant has its own budget.
  service = await startTestService(testConfig(redis, { chatRate: { burst: 2, perSecond: 0.001 } }));
  base = service.url;
});

afterAll(async () => {
  await service.stop();
  check.client.disconnect();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates a restaurant with the deployment token; its write token. */
async function createRestaurant(id: string, name = `Restaurant ${id}`): Promise<string> {
  const res = await call<{ id: string; name: string; token: string }>(base, 'POST', '/api/restaurants', { json: { id, name }, headers: AUTH });
  expect(res.status, res.text).toBe(201);
  return res.body.token;
}

const dishBody = (id: string, stock = 10) => ({ id, name: `dish ${id}`, category: '面', price: 1200, stock });

async function createDish(restaurant: string, id: string, stock = 10, headers: Record<string, string> = AUTH): Promise<void> {
  const res = await call(base, 'POST', `/api/restaurants/${restaurant}/dishes`, { json: dishBody(id, stock), headers });
  expect(res.status, res.text).toBe(201);
}

async function outcomeOf(path: string): Promise<OrderOutcome> {
  return eventually(`the outcome at ${path}`, async () => {
    const res = await call<OrderOutcome>(base, 'GET', path);
    return res.status === 200 ? res.body : undefined;
  });
}

describe('routes with a restaurant', () => {
  it('answers 404 restaurant-not-found for an unknown or malformed restaurant, on reads and writes alike', async () => {
    const paths = ['/dishes', '/dishes/x', '/orders/o-1', '/events?since=0-0', '/snapshot', '/sales', '/sales/history', ''];
    for (const rid of ['nope', 'Not-Valid', '-dash', 'x'.repeat(41), '%E4%B8%AD']) {
      for (const path of paths) {
        const res = await call<ProblemBody>(base, 'GET', `/api/restaurants/${rid}${path}`);
        expect(res.status, `${rid}${path}`).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ type: 'urn:dish-live:problem:restaurant-not-found', title: 'Restaurant not found' });
      }
      const write = await call<ProblemBody>(base, 'POST', `/api/restaurants/${rid}/dishes`, { json: dishBody('ghost'), headers: AUTH });
      expect(write.status).toBe(404);
      expect(write.body.type).toBe('urn:dish-live:problem:restaurant-not-found');
    }
    expect(await check.client.keys(`${redis.prefix}{r:nope}*`)).toEqual([]);
  });

  it('serves default under both its routes, the same data', async () => {
    const created = await call(base, 'POST', '/api/dishes', { json: dishBody('both-routes'), headers: AUTH });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/dishes/both-routes');
    const old = await call<Dish[]>(base, 'GET', '/api/dishes');
    const named = await call<Dish[]>(base, 'GET', '/api/restaurants/default/dishes');
    expect(named.status).toBe(200);
    expect(named.body).toEqual(old.body);
    expect(old.body.map((d) => d.id)).toContain('both-routes');
    const viaNamed = await call(base, 'POST', '/api/restaurants/default/dishes', { json: dishBody('named-route'), headers: AUTH });
    expect(viaNamed.headers.get('location')).toBe('/api/restaurants/default/dishes/named-route');
    expect((await call(base, 'GET', '/api/dishes/named-route')).status).toBe(200);
    expect((await call(base, 'GET', '/api/restaurants/default')).body).toEqual({ id: 'default', name: 'Default' });
  });

  it('answers an unknown path under a known restaurant with 404 route-not-found', async () => {
    const res = await call<ProblemBody>(base, 'GET', '/api/restaurants/default/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('urn:dish-live:problem:route-not-found');
  });
});

describe('GET and POST /api/restaurants', () => {
  it('creates a restaurant with a deployment token: 201, its token shown once, listed sorted, 409 when it exists', async () => {
    const before = await call<{ id: string; name: string }[]>(base, 'GET', '/api/restaurants');
    expect(before.status).toBe(200);
    expect(before.body).toContainEqual({ id: 'default', name: 'Default' });

    const res = await call<{ id: string; name: string; token: string }>(base, 'POST', '/api/restaurants', {
      json: { id: 'zz-noodles', name: '  Noodle Bar  ' },
      headers: AUTH,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/restaurants/zz-noodles');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['id', 'name', 'token']);
    expect(res.body).toMatchObject({ id: 'zz-noodles', name: 'Noodle Bar' });
    expect(res.body.token).toMatch(/^rt_[A-Za-z0-9_-]{20,}$/);
    await createRestaurant('aa-dumplings', 'Dumplings');

    const list = await call<{ id: string; name: string }[]>(base, 'GET', '/api/restaurants');
    const ids = list.body.map((r) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(list.body).toContainEqual({ id: 'zz-noodles', name: 'Noodle Bar' });
    expect(list.body).toContainEqual({ id: 'aa-dumplings', name: 'Dumplings' });
    expect(list.text).not.toContain(res.body.token);
    expect((await call(base, 'GET', '/api/restaurants/zz-noodles')).body).toEqual({ id: 'zz-noodles', name: 'Noodle Bar' });
    // Nowhere in Redis either: the registry keeps the token's digest only.
    for (const key of await check.client.keys(`${redis.prefix}{dl:restaurants}*`)) {
      const type = await check.client.type(key);
      const values = type === 'hash' ? Object.entries(await check.client.hgetall(key)).flat() : [String(await check.client.get(key))];
      for (const v of values) expect(v).not.toContain(res.body.token);
    }

    for (const id of ['zz-noodles', 'default']) {
      const again = await call<ProblemBody>(base, 'POST', '/api/restaurants', { json: { id, name: 'Again' }, headers: AUTH });
      expect(again.status).toBe(409);
      expect(again.body.type).toBe('urn:dish-live:problem:restaurant-exists');
    }
    expect((await call(base, 'GET', '/api/restaurants/zz-noodles')).body).toEqual({ id: 'zz-noodles', name: 'Noodle Bar' });
  });

  it('refuses creation without a token (401), with a wrong one or a restaurant token (403), and bad bodies (400)', async () => {
    const restaurantToken = await createRestaurant('token-holder');
    const body = { id: 'never-made', name: 'Never' };
    const missing = await call<ProblemBody>(base, 'POST', '/api/restaurants', { json: body });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call(base, 'POST', '/api/restaurants', { json: body, headers: bearer('wrong-token') })).status).toBe(403);
    const scoped = await call<ProblemBody>(base, 'POST', '/api/restaurants', { json: body, headers: bearer(restaurantToken) });
    expect(scoped.status).toBe(403);
    expect(scoped.body.detail).toMatch(/restaurant token/);
    for (const bad of [{ id: 'Upper', name: 'x' }, { id: 'ok-id', name: '' }, { id: 'ok-id', name: 'x', extra: 1 }, { name: 'x' }, { id: '-x', name: 'x' }]) {
      const res = await call<ProblemBody>(base, 'POST', '/api/restaurants', { json: bad, headers: AUTH });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const ids = (await call<{ id: string }[]>(base, 'GET', '/api/restaurants')).body.map((r) => r.id);
    expect(ids).not.toContain('never-made');
    expect(ids).not.toContain('ok-id');
    expect((await call(base, 'PUT', '/api/restaurants', { json: body, headers: AUTH })).status).toBe(405);
  });
});

describe('write scope', () => {
  let tokenA: string;
  beforeAll(async () => {
    tokenA = await createRestaurant('scope-a');
    await createRestaurant('scope-b');
    await createDish('scope-b', 'b-dish', 10);
  });

  it("lets a restaurant token write its own restaurant, Location under the restaurant's path", async () => {
    const res = await call(base, 'POST', '/api/restaurants/scope-a/dishes', { json: dishBody('a-dish'), headers: bearer(tokenA) });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/restaurants/scope-a/dishes/a-dish');
    const patched = await call<Dish>(base, 'PATCH', '/api/restaurants/scope-a/dishes/a-dish', { json: { price: 1500 }, headers: bearer(tokenA) });
    expect(patched.status).toBe(200);
    expect(patched.body.price).toBe(1500);
  });

  it("refuses a restaurant token on another restaurant's writes with 403 forbidden-restaurant, and changes nothing", async () => {
    const b = logOf('scope-b');
    const dflt = logOf('default');
    const lastB = await b.lastId();
    const lastDefault = await dflt.lastId();
    const dishB = await b.getDish('b-dish');
    const writes: [string, string, unknown?][] = [
      ['POST', '/api/restaurants/scope-b/dishes', dishBody('intruder')],
      ['PATCH', '/api/restaurants/scope-b/dishes/b-dish', { stock: 0 }],
      ['DELETE', '/api/restaurants/scope-b/dishes/b-dish'],
      ['POST', '/api/restaurants/scope-b/orders', { orderId: 'steal-1', items: [{ dishId: 'b-dish', qty: 5 }] }],
      ['POST', '/api/dishes', dishBody('intruder')],
      ['POST', '/api/orders', { orderId: 'steal-2', items: [{ dishId: 'both-routes', qty: 1 }] }],
    ];
    for (const [method, path, json] of writes) {
      const res = await call<ProblemBody>(base, method, path, { json, headers: bearer(tokenA) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.type).toBe('urn:dish-live:problem:forbidden-restaurant');
    }
    expect(await b.lastId()).toBe(lastB);
    expect(await dflt.lastId()).toBe(lastDefault);
    expect(await b.getDish('b-dish')).toEqual(dishB);
    expect(await b.getDish('intruder')).toBeUndefined();
    expect(await b.orderOutcome('steal-1')).toBeUndefined();
    expect((await call(base, 'GET', '/api/restaurants/scope-b/orders/steal-1')).status).toBe(404);
  });

  it('lets a deployment token write every restaurant', async () => {
    const res = await call(base, 'PATCH', '/api/restaurants/scope-b/dishes/b-dish', { json: { stock: 12 }, headers: AUTH });
    expect(res.status).toBe(200);
    await createDish('scope-a', 'from-deployment');
  });
});

describe('orders per restaurant', () => {
  beforeAll(async () => {
    await createRestaurant('orders-a');
    await createRestaurant('orders-b');
    await createDish('orders-a', 'noodle', 5);
    await createDish('orders-b', 'noodle', 5);
  });

  it('treats the same orderId in two restaurants as two orders, each applied once to its own restaurant', async () => {
    const order = { orderId: 'same-1', items: [{ dishId: 'noodle', qty: 2 }] };
    const [a, b] = await Promise.all(['orders-a', 'orders-b'].map((r) => call(base, 'POST', `/api/restaurants/${r}/orders`, { json: order, headers: AUTH })));
    expect(a!.status).toBe(202);
    expect(b!.status).toBe(202);
    expect(a!.headers.get('location')).toBe('/api/restaurants/orders-a/orders/same-1');
    const outcomeA = await outcomeOf('/api/restaurants/orders-a/orders/same-1');
    const outcomeB = await outcomeOf('/api/restaurants/orders-b/orders/same-1');
    expect(outcomeA.status).toBe('applied');
    expect(outcomeB.status).toBe('applied');
    for (const [restaurant, outcome] of [['orders-a', outcomeA], ['orders-b', outcomeB]] as const) {
      const log = logOf(restaurant);
      expect(await log.getDish('noodle')).toMatchObject({ stock: 3, sold: 2 });
      // One sale in each restaurant's own log, the one its outcome names.
      const replay = await log.replay('0-0', 1000);
      const sold = replay.recovered ? replay.events.filter((e) => e.type === 'dish.sold' && e.data.orderId === 'same-1') : [];
      expect(sold.map((e) => e.id)).toEqual(outcome.status === 'applied' ? outcome.events : ['not applied']);
    }
    // Unknown in default, where nobody sent it.
    expect((await call(base, 'GET', '/api/orders/same-1')).status).toBe(404);

    // Idempotent per restaurant: the same again answers the stored outcome and sells nothing.
    const again = await call<OrderOutcome>(base, 'POST', '/api/restaurants/orders-a/orders', { json: order, headers: AUTH });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(outcomeA);
    expect(await logOf('orders-a').getDish('noodle')).toMatchObject({ stock: 3, sold: 2 });
    // Reused with other items in one restaurant: refused there; the other restaurant's same id is its own business.
    const reused = await call(base, 'POST', '/api/restaurants/orders-b/orders', { json: { orderId: 'same-1', items: [{ dishId: 'noodle', qty: 1 }] }, headers: AUTH });
    expect(reused.status).toBe(409);

    const queue = new Queue(ORDER_QUEUE, { connection: { url: redis.url }, prefix: `${redis.prefix}bull` });
    try {
      const jobA = await queue.getJob(jobIdFor('same-1', 'orders-a'));
      const jobB = await queue.getJob(jobIdFor('same-1', 'orders-b'));
      expect(jobA?.data).toMatchObject({ orderId: 'same-1', restaurant: 'orders-a' });
      expect(jobB?.data).toMatchObject({ orderId: 'same-1', restaurant: 'orders-b' });
      expect(jobA!.id).not.toBe(jobB!.id);
    } finally {
      await queue.close();
    }
  });

  it('applies a job queued by the first version, which names no restaurant, to default', async () => {
    await call(base, 'POST', '/api/dishes', { json: dishBody('first-wave-dish', 4), headers: AUTH });
    const queue = new Queue(ORDER_QUEUE, { connection: { url: redis.url }, prefix: `${redis.prefix}bull` });
    try {
      // Exactly what the first version queued: its job id, and data without a restaurant.
      await queue.add('order', { orderId: 'fw-1', items: [{ dishId: 'first-wave-dish', qty: 3 }] }, { jobId: 'order-fw-1' });
    } finally {
      await queue.close();
    }
    expect(await outcomeOf('/api/orders/fw-1')).toMatchObject({ status: 'applied', items: [{ dishId: 'first-wave-dish', qty: 3 }] });
    expect(await logOf('default').getDish('first-wave-dish')).toMatchObject({ stock: 1, sold: 3 });
    // The same order sent again through the API is the same order, not a second sale.
    const again = await call(base, 'POST', '/api/orders', { json: { orderId: 'fw-1', items: [{ dishId: 'first-wave-dish', qty: 3 }] }, headers: AUTH });
    expect(again.status).toBe(200);
    expect(await logOf('default').getDish('first-wave-dish')).toMatchObject({ stock: 1, sold: 3 });
  });

  it('labels metrics by the route pattern, not by restaurant', async () => {
    const res = await call(base, 'GET', '/metrics');
    expect(res.text).toMatch(/http_requests_total\{method="POST",route="\/api\/restaurants\/:rid\/orders",status="202"\} \d+/);
    expect(res.text).toMatch(/http_requests_total\{method="GET",route="\/api\/restaurants\/:rid\/orders\/:id",status="200"\} \d+/);
    expect(res.text).not.toMatch(/route="\/api\/restaurants\/orders-a/);
  });
});

describe('caches and limits per restaurant', () => {
  beforeAll(async () => {
    await createRestaurant('cache-c');
    await createRestaurant('cache-d');
    await createDish('cache-c', 'only-in-c');
    await createDish('cache-d', 'only-in-d');
  });

  it("never answers one restaurant's request from another's cached answer, even when their last ids are equal", async () => {
    const c = logOf('cache-c');
    const d = logOf('cache-d');
    // Two streams written in the same millisecond get the same ids; make it so, with the later of the two (a read
    // ends at the last id, so an earlier one would hide the other stream's own event).
    const [realC, realD] = [await c.lastId(), await d.lastId()];
    const lastC = compareStreamIds(realC, realD) >= 0 ? realC : realD;
    await check.client.set(c.keys.last, lastC);
    await check.client.set(d.keys.last, lastC);
    expect(await d.lastId()).toBe(lastC);

    const dishesC = await call<Dish[]>(base, 'GET', '/api/restaurants/cache-c/dishes');
    const dishesD = await call<Dish[]>(base, 'GET', '/api/restaurants/cache-d/dishes');
    expect(dishesC.body.map((x) => x.id)).toEqual(['only-in-c']);
    expect(dishesD.body.map((x) => x.id)).toEqual(['only-in-d']);

    const pollC = await call<PollResponse>(base, 'GET', '/api/restaurants/cache-c/events?since=0-0');
    const pollD = await call<PollResponse>(base, 'GET', '/api/restaurants/cache-d/events?since=0-0');
    expect(pollC.body.recovered).toBe(true);
    expect(pollC.text).toContain('only-in-c');
    expect(pollD.body.recovered).toBe(true);
    expect(pollD.text).toContain('only-in-d');
    expect(pollD.text).not.toContain('only-in-c');
  });

  it('keeps chat in its restaurant and counts its rate limit per restaurant', async () => {
    const say = (restaurant: string, text: string) =>
      call<ChatMessageEvent>(base, 'POST', `/api/restaurants/${restaurant}/chat`, { json: { author: 'kitchen', text } });
    expect((await say('cache-c', 'one')).status).toBe(201);
    expect((await say('cache-c', 'two')).status).toBe(201);
    expect((await say('cache-c', 'three')).status).toBe(429);
    // The same client's budget in another restaurant is untouched.
    expect((await say('cache-d', 'hello d')).status).toBe(201);
    const snapshotD = await call<{ chat: ChatMessageEvent[] }>(base, 'GET', '/api/restaurants/cache-d/snapshot');
    expect(snapshotD.body.chat.map((m) => m.data.text)).toEqual(['hello d']);
  });
});
