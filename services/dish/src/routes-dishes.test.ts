// The dishes resource over HTTP against real Redis: CRUD, ETag/If-Match, write tokens, and problem+json for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import type { Dish } from '@dish-live/protocol';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, call, inspect, startTestService, testConfig, TOKEN } from './dish.test-helpers.js';

const redis = testRedis('dish-routes');
let service: DishService;
let base: string;
const check = inspect(redis);

const mapo = { id: 'mapo-tofu', name: '麻婆豆腐', category: '川菜', price: 3200, stock: 20 };

beforeAll(async () => {
  service = await startTestService(testConfig(redis, { apiTokens: [TOKEN, 'second-token'] }));
  base = service.url;
  const created = await call<Dish>(base, 'POST', '/api/dishes', { json: mapo, headers: AUTH });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await service.stop();
  check.client.disconnect();
});

/** The dish and the log's last id, to prove a refused request changed nothing. */
async function state(id = 'mapo-tofu') {
  return { dish: await check.log.getDish(id), last: await check.log.lastId() };
}

describe('dishes CRUD', () => {
  it('creates a dish with 201, Location and ETag, and refuses the same id again with 409', async () => {
    const res = await call<Dish>(base, 'POST', '/api/dishes', {
      json: { id: 'char-siu', name: '叉烧', category: '粤菜', price: 4600, stock: 10 },
      headers: AUTH,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/dishes/char-siu');
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({ id: 'char-siu', name: '叉烧', price: 4600, stock: 10, sold: 0, version: 1 });

    const before = await state('char-siu');
    const again = await call<ProblemBody>(base, 'POST', '/api/dishes', {
      json: { id: 'char-siu', name: 'other', category: 'x', price: 1, stock: 1 },
      headers: AUTH,
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.body.title).toBe('Dish exists');
    expect(await state('char-siu')).toEqual(before);
  });

  it('generates an id when none is given', async () => {
    const res = await call<Dish>(base, 'POST', '/api/dishes', {
      json: { name: '酸辣汤', category: '汤', price: 1800, stock: 5 },
      headers: AUTH,
    });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(res.headers.get('location')).toBe(`/api/dishes/${res.body.id}`);
  });

  it('lists dishes and reads one with its ETag, publicly', async () => {
    const list = await call<Dish[]>(base, 'GET', '/api/dishes');
    expect(list.status).toBe(200);
    expect(list.body.map((d) => d.id)).toContain('mapo-tofu');
    const one = await call<Dish>(base, 'GET', '/api/dishes/mapo-tofu');
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toBe(`"${one.body.version}"`);
    expect(one.body.name).toBe('麻婆豆腐');
  });

  it('patches with If-Match (bare or quoted), bumps the version, and answers 409 to a stale version', async () => {
    const current = (await call<Dish>(base, 'GET', '/api/dishes/mapo-tofu')).body;
    const bare = await call<Dish>(base, 'PATCH', '/api/dishes/mapo-tofu', {
      json: { price: 3400 },
      headers: { ...AUTH, 'if-match': String(current.version) },
    });
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ price: 3400, version: current.version + 1 });
    expect(bare.headers.get('etag')).toBe(`"${current.version + 1}"`);

    const quoted = await call<Dish>(base, 'PATCH', '/api/dishes/mapo-tofu', {
      json: { stock: 25, name: '麻婆豆腐（微辣）' },
      headers: { ...AUTH, 'if-match': `"${current.version + 1}"` },
    });
    expect(quoted.status).toBe(200);
    expect(quoted.body).toMatchObject({ stock: 25, name: '麻婆豆腐（微辣）', version: current.version + 2 });

    const before = await state();
    const stale = await call<ProblemBody>(base, 'PATCH', '/api/dishes/mapo-tofu', {
      json: { price: 1 },
      headers: { ...AUTH, 'if-match': `"${current.version}"` },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ status: 409, title: 'Version conflict', currentVersion: current.version + 2 });
    expect(await state()).toEqual(before);
  });

  it('patches without If-Match (last writer wins)', async () => {
    const res = await call<Dish>(base, 'PATCH', '/api/dishes/mapo-tofu', { json: { category: '川菜' }, headers: AUTH });
    expect(res.status).toBe(200);
  });

  it('deletes a dish (204), then it is 404 and its stale If-Match delete is refused', async () => {
    await call(base, 'POST', '/api/dishes', {
      json: { id: 'to-delete', name: '回锅肉', category: '川菜', price: 4200, stock: 3 },
      headers: AUTH,
    });
    const conflict = await call(base, 'DELETE', '/api/dishes/to-delete', { headers: { ...AUTH, 'if-match': '"7"' } });
    expect(conflict.status).toBe(409);
    expect((await call(base, 'GET', '/api/dishes/to-delete')).status).toBe(200);
    const del = await call(base, 'DELETE', '/api/dishes/to-delete', { headers: { ...AUTH, 'if-match': '1' } });
    expect(del.status).toBe(204);
    const gone = await call<ProblemBody>(base, 'GET', '/api/dishes/to-delete');
    expect(gone.status).toBe(404);
    expect(gone.body.title).toBe('Dish not found');
    expect((await call(base, 'DELETE', '/api/dishes/to-delete', { headers: AUTH })).status).toBe(404);
    expect((await call(base, 'PATCH', '/api/dishes/to-delete', { json: { price: 1 }, headers: AUTH })).status).toBe(404);
  });
});

describe('write tokens', () => {
  it('refuses a write without a token with 401 and WWW-Authenticate, and changes nothing', async () => {
    const before = await state();
    const res = await call<ProblemBody>(base, 'PATCH', '/api/dishes/mapo-tofu', { json: { price: 1 } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const notBearer = await call(base, 'POST', '/api/dishes', { json: mapo, headers: { authorization: `Basic ${TOKEN}` } });
    expect(notBearer.status).toBe(401);
    expect(await state()).toEqual(before);
  });

  it('refuses a wrong token with 403 and accepts every configured token', async () => {
    const before = await state();
    for (const wrong of ['nope', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await call(base, 'DELETE', '/api/dishes/mapo-tofu', { headers: { authorization: `Bearer ${wrong}` } });
      expect(res.status).toBe(403);
    }
    expect(await state()).toEqual(before);
    const second = await call(base, 'PATCH', '/api/dishes/mapo-tofu', {
      json: { stock: 20 },
      headers: { authorization: 'Bearer second-token' },
    });
    expect(second.status).toBe(200);
  });

  it('refuses every write with 401 when no token is configured', async () => {
    const none = await startTestService(testConfig(redis, { apiTokens: [] }));
    try {
      const res = await call<ProblemBody>(none.url, 'PATCH', '/api/dishes/mapo-tofu', { json: { price: 1 }, headers: AUTH });
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/DISH_API_TOKENS/);
      const bare = await call(none.url, 'PATCH', '/api/dishes/mapo-tofu', { json: { price: 1 } });
      expect(bare.status).toBe(401);
      expect((await call(none.url, 'GET', '/api/dishes/mapo-tofu')).status).toBe(200);
    } finally {
      await none.stop();
    }
  });
});

describe('bad input answers problem+json and changes nothing', () => {
  const cases: { name: string; method: string; path: string; raw?: string; json?: unknown; headers?: Record<string, string>; status: number; field?: string }[] = [
    { name: 'malformed JSON', method: 'PATCH', path: '/api/dishes/mapo-tofu', raw: '{"price": 12', status: 400 },
    { name: 'a JSON string instead of an object', method: 'PATCH', path: '/api/dishes/mapo-tofu', raw: '"price"', status: 400 },
    { name: 'an array instead of an object', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: [{ price: 1 }], status: 400 },
    { name: 'a wrong type', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { price: '12' }, status: 400, field: 'price' },
    { name: 'a fractional price', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { price: 12.5 }, status: 400, field: 'price' },
    { name: 'a negative stock', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { stock: -1 }, status: 400, field: 'stock' },
    { name: 'a negative price', method: 'POST', path: '/api/dishes', json: { ...mapo, id: 'neg', price: -5 }, status: 400, field: 'price' },
    { name: 'a price over the limit', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { price: 10_000_001 }, status: 400, field: 'price' },
    { name: 'an unknown field', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { price: 100, sold: 0 }, status: 400, field: 'sold' },
    { name: 'an unknown field on create', method: 'POST', path: '/api/dishes', json: { ...mapo, id: 'extra', version: 9 }, status: 400, field: 'version' },
    { name: 'an empty patch', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: {}, status: 400 },
    { name: 'an empty name', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { name: '   ' }, status: 400, field: 'name' },
    { name: 'a missing field on create', method: 'POST', path: '/api/dishes', json: { id: 'half', name: 'x' }, status: 400, field: 'category' },
    { name: 'a bad id on create', method: 'POST', path: '/api/dishes', json: { ...mapo, id: 'has space' }, status: 400, field: 'id' },
    { name: 'a body over 64 KB', method: 'PATCH', path: '/api/dishes/mapo-tofu', raw: JSON.stringify({ name: 'x'.repeat(70_000) }), status: 413 },
    { name: 'no body', method: 'PATCH', path: '/api/dishes/mapo-tofu', status: 400 },
    { name: 'a non-JSON body', method: 'PATCH', path: '/api/dishes/mapo-tofu', raw: 'price=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
    { name: 'a malformed If-Match', method: 'PATCH', path: '/api/dishes/mapo-tofu', json: { price: 1 }, headers: { 'if-match': 'yesterday' }, status: 400, field: 'If-Match' },
    { name: 'an unknown dish', method: 'PATCH', path: '/api/dishes/no-such-dish', json: { price: 1 }, status: 404 },
    { name: 'a malformed percent-encoding in the path', method: 'GET', path: '/api/dishes/%ZZ', status: 400 },
    { name: 'a body that does not decompress', method: 'PATCH', path: '/api/dishes/mapo-tofu', raw: 'not gzip', headers: { 'content-encoding': 'gzip' }, status: 400 },
    { name: 'a body in another charset', method: 'PATCH', path: '/api/dishes/mapo-tofu', raw: '{"price":1}', headers: { 'content-type': 'application/json; charset=latin1' }, status: 415 },
    { name: 'an unknown route', method: 'GET', path: '/api/nothing-here', status: 404 },
    { name: 'an unknown method', method: 'PUT', path: '/api/dishes/mapo-tofu', json: { price: 1 }, status: 405 },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.status}`, async () => {
      const before = await state();
      const res = await call<ProblemBody>(base, c.method, c.path, {
        ...(c.raw !== undefined ? { raw: c.raw } : {}),
        ...(c.json !== undefined ? { json: c.json } : {}),
        headers: { ...AUTH, ...c.headers },
      });
      expect(res.status, res.text).toBe(c.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.status).toBe(c.status);
      for (const key of ['type', 'title', 'detail'] as const) expect(typeof res.body[key]).toBe('string');
      if (c.field) expect(res.body.errors?.map((e) => e.path)).toContain(c.field);
      expect(await state()).toEqual(before);
      expect(await check.log.getDish('neg')).toBeUndefined();
    });
  }

  it('a 405 names the allowed methods', async () => {
    const res = await call(base, 'PUT', '/api/dishes/mapo-tofu', { json: {}, headers: AUTH });
    expect(res.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
  });
});
