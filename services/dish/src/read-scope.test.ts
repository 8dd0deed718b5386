// Read scope with subscription keys set: every read of a restaurant needs a token naming it (401 without, 403 for
// another restaurant); the list, probes and metrics stay public; writes are judged by their write token alone.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollResponse } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, call, eventually, startTestService, testConfig } from './dish.test-helpers.js';

const SECRET = 'read-scope-test-secret-of-32-chars-or-more';
const redis = testRedis('dish-read-scope');
let service: DishService;
let base: string;

const readToken = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + 300).sign(new TextEncoder().encode(secret));

beforeAll(async () => {
  service = await startTestService(testConfig(redis, { subscribe: { SUBSCRIBE_JWT_SECRET: SECRET } }));
  base = service.url;
  for (const id of ['read-a', 'read-b']) {
    expect((await call(base, 'POST', '/api/restaurants', { json: { id, name: id }, headers: AUTH })).status).toBe(201);
  }
  // A write carries its write token in Authorization and needs no subscription token.
  const created = await call(base, 'POST', '/api/restaurants/read-a/dishes', {
    json: { id: 'secret-recipe', name: 'secret recipe', category: '汤', price: 900, stock: 5 },
    headers: AUTH,
  });
  expect(created.status, created.text).toBe(201);
  expect((await call(base, 'POST', '/api/restaurants/read-a/orders', { json: { orderId: 'o-a', items: [{ dishId: 'secret-recipe', qty: 1 }] }, headers: AUTH })).status).toBe(202);
  expect((await call(base, 'POST', '/api/restaurants/read-a/chat', { json: { author: 'a', text: 'for a only' } })).status).toBe(201);
  // Settled, so its read answers one status throughout.
  await eventually('the order of read-a applied', () => service.scopes.get('read-a').log.orderOutcome('o-a'));
});

afterAll(async () => {
  await service.stop();
});

/** Every GET of a restaurant's API, under its path. */
const READS = ['', '/dishes', '/dishes/secret-recipe', '/snapshot', '/events', '/events?since=0-0', '/sales', '/sales/history', '/orders/o-a'];

describe('reads with subscription keys set', () => {
  it('answers 401 without a token or with a bad one, on every read of a restaurant, REST and polling', async () => {
    const forged = await readToken({ restaurants: ['read-a'] }, 'another-secret-that-is-long-enough-to-sign');
    for (const path of READS) {
      for (const headers of [{}, { authorization: 'Bearer not-a-jwt' }, { authorization: `Bearer ${forged}` }] as Record<string, string>[]) {
        const res = await call<ProblemBody>(base, 'GET', `/api/restaurants/read-a${path}`, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.type).toBe('urn:dish-live:problem:unauthorized');
        expect(res.text).not.toContain('secret-recipe');
      }
    }
    // The first wave's routes read default: the same rule.
    expect((await call(base, 'GET', '/api/dishes')).status).toBe(401);
    expect((await call(base, 'GET', '/api/events?since=0-0')).status).toBe(401);
  });

  it("answers 403 forbidden-restaurant to a token for another restaurant, and 200 to one naming it (header or ?token=)", async () => {
    const forB = await readToken({ restaurants: ['read-b'] });
    const forA = await readToken({ restaurants: ['read-a'] });
    const forAll = await readToken({ restaurants: ['*'] });
    for (const path of READS) {
      const url = `/api/restaurants/read-a${path}`;
      const refused = await call<ProblemBody>(base, 'GET', url, { headers: { authorization: `Bearer ${forB}` } });
      expect(refused.status, path).toBe(403);
      expect(refused.body.type).toBe('urn:dish-live:problem:forbidden-restaurant');
      expect(refused.text).not.toContain('secret-recipe');
      const viaQuery = `${url}${path.includes('?') ? '&' : '?'}token=${forB}`;
      expect((await call(base, 'GET', viaQuery)).status, `${path} ?token=`).toBe(403);

      const allowed = await call(base, 'GET', url, { headers: { authorization: `Bearer ${forA}` } });
      expect(allowed.status, `${path} → ${allowed.text.slice(0, 200)}`).toBe(200);
      expect((await call(base, 'GET', `${url}${path.includes('?') ? '&' : '?'}token=${forA}`)).status, `${path} ?token=`).toBe(allowed.status);
      expect((await call(base, 'GET', url, { headers: { authorization: `Bearer ${forAll}` } })).status).toBe(allowed.status);
    }
    const polled = await call<PollResponse>(base, 'GET', `/api/restaurants/read-a/events?since=0-0&token=${forA}`);
    expect(polled.body.recovered).toBe(true);
    expect(polled.text).toContain('secret-recipe');
  });

  it('lets a token without a restaurants claim (the first wave\'s) read default only', async () => {
    const firstWave = await readToken({});
    expect((await call(base, 'GET', '/api/dishes', { headers: { authorization: `Bearer ${firstWave}` } })).status).toBe(200);
    expect((await call(base, 'GET', '/api/restaurants/default/snapshot', { headers: { authorization: `Bearer ${firstWave}` } })).status).toBe(200);
    expect((await call(base, 'GET', '/api/restaurants/read-a/dishes', { headers: { authorization: `Bearer ${firstWave}` } })).status).toBe(403);
  });

  it('keeps the restaurant list, probes and metrics public, and 404 for an unknown restaurant', async () => {
    const list = await call<{ id: string }[]>(base, 'GET', '/api/restaurants');
    expect(list.status).toBe(200);
    expect(list.body.map((r) => r.id)).toEqual(expect.arrayContaining(['default', 'read-a', 'read-b']));
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await call(base, 'GET', path)).status, path).toBe(200);
    expect((await call(base, 'GET', '/api/restaurants/no-such/dishes')).status).toBe(404);
  });

  it('judges writes by their write token, never as a subscription token', async () => {
    const res = await call(base, 'PATCH', '/api/restaurants/read-a/dishes/secret-recipe', { json: { stock: 9 }, headers: AUTH });
    expect(res.status, res.text).toBe(200);
    expect((await call(base, 'POST', '/api/restaurants/read-b/chat', { json: { author: 'b', text: 'hi' } })).status).toBe(201);
  });
});

describe('reads without subscription keys', () => {
  it('stay public, as in the first wave', async () => {
    const open = await startTestService(testConfig(redis));
    try {
      expect((await call(open.url, 'GET', '/api/restaurants/read-a/dishes')).status).toBe(200);
      expect((await call(open.url, 'GET', '/api/restaurants/read-a/events?since=0-0')).status).toBe(200);
      expect((await call(open.url, 'GET', '/api/dishes')).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
