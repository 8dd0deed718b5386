// The write API's defences against real Redis: rate limits per address and per token, security headers, CORS, body limits.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, BEHIND_LOOPBACK_PROXY, call, inspect, startTestService, testConfig } from './dish.test-helpers.js';

const redis = testRedis('dish-security');
const check = inspect(redis);
let service: DishService;
let base: string;

const dish = { id: 'dumpling', name: '饺子', category: '点心', price: 1800, stock: 50 };

beforeAll(async () => {
  service = await startTestService(testConfig(redis));
  base = service.url;
  expect((await call(base, 'POST', '/api/dishes', { json: dish, headers: AUTH })).status).toBe(201);
});

afterAll(async () => {
  await service.stop();
  check.client.disconnect();
});

const from = (ip: string, token?: string) => ({
  'x-forwarded-for': ip,
  ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
});

describe('write rate limits', () => {
  const tokens = ['tok-a-0123456789', 'tok-b-0123456789', 'tok-c-0123456789', 'tok-d-0123456789', 'tok-e-0123456789'];
  let a: DishService;
  let b: DishService;

  beforeAll(async () => {
    // A hashed entry as well, to show the per-token budget follows the presented token whichever way it is configured.
    const hashedE = `sha256:${createHash('sha256').update(tokens[4]!).digest('hex')}`;
    const config = testConfig(redis, { ...BEHIND_LOOPBACK_PROXY, apiTokens: [...tokens.slice(0, 4), hashedE], writeRate: { burst: 3, perSecond: 0.1 } });
    [a, b] = await Promise.all([startTestService(config), startTestService(config)]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  const patch = (url: string, headers: Record<string, string>, price: number) =>
    call<ProblemBody>(url, 'PATCH', '/api/dishes/dumpling', { json: { price }, headers });

  it('gives each token one budget across addresses and replicas, then 429 + Retry-After, changing nothing', async () => {
    let price = 2000;
    for (const [i, url] of [a.url, b.url, a.url].entries()) {
      expect((await patch(url, from(`192.0.2.${i + 1}`, tokens[4]), price++)).status).toBe(200);
    }
    const before = { dish: await check.log.getDish('dumpling'), last: await check.log.lastId() };
    const refused = await patch(b.url, from('192.0.2.9', tokens[4]), price++);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // 0.1 tokens a second: the next one is due in at most 10 s, and Retry-After is that in whole seconds, rounded up.
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests' });
    // Orders and deletes draw on the same budget.
    const order = await call(a.url, 'POST', '/api/orders', { json: { items: [{ dishId: 'dumpling', qty: 1 }] }, headers: from('192.0.2.10', tokens[4]) });
    expect(order.status).toBe(429);
    expect((await call(a.url, 'DELETE', '/api/dishes/dumpling', { headers: from('192.0.2.11', tokens[4]) })).status).toBe(429);
    expect({ dish: await check.log.getDish('dumpling'), last: await check.log.lastId() }).toEqual(before);
    // Another token from a fresh address has a budget of its own.
    expect((await patch(a.url, from('192.0.2.12', tokens[3]), price++)).status).toBe(200);
  });

  it('gives each client address one budget across tokens, and counts refused tokens against it', async () => {
    let price = 3000;
    for (const token of tokens.slice(0, 3)) expect((await patch(a.url, from('198.51.100.20', token), price++)).status).toBe(200);
    const last = await check.log.lastId();
    const refused = await patch(b.url, from('198.51.100.20', tokens[3]), price++);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await check.log.lastId()).toBe(last);

    // Guessing tokens from one address is limited as well: wrong tokens spend the address's budget.
    const guesses = [];
    for (let i = 0; i < 5; i++) guesses.push((await patch(a.url, from('198.51.100.21', `guess-${i}`), 1)).status);
    expect(guesses).toEqual([403, 403, 403, 429, 429]);
    expect(await check.log.lastId()).toBe(last);
  });

  it('spends nothing of the address on a write its token has no budget for', async () => {
    const spent = 'tok-f-0123456789';
    const fresh = 'tok-g-0123456789';
    const c = await startTestService(testConfig(redis, { ...BEHIND_LOOPBACK_PROXY, apiTokens: [spent, fresh], writeRate: { burst: 2, perSecond: 0.1 } }));
    try {
      expect((await patch(c.url, from('192.0.2.40', spent), 4000)).status).toBe(200);
      expect((await patch(c.url, from('192.0.2.41', spent), 4001)).status).toBe(200);
      const refusals = [];
      for (let i = 0; i < 3; i++) refusals.push((await patch(c.url, from('192.0.2.42', spent), 4002)).status);
      expect(refusals).toEqual([429, 429, 429]);
      // The address's whole burst is left for another token.
      expect((await patch(c.url, from('192.0.2.42', fresh), 4003)).status).toBe(200);
      expect((await patch(c.url, from('192.0.2.42', fresh), 4004)).status).toBe(200);
      expect((await patch(c.url, from('192.0.2.42', fresh), 4005)).status).toBe(429);
    } finally {
      await c.stop();
    }
  });

  it('keeps a hash of the token in Redis, never the token', async () => {
    const keys = await check.client.keys(`${redis.prefix}rate:*`);
    const tokenKeys = keys.filter((k) => k.includes(':token:'));
    expect(tokenKeys.length).toBeGreaterThan(0);
    for (const key of keys) for (const token of tokens) expect(key).not.toContain(token);
    const digest = createHash('sha256').update(tokens[4]!).digest('hex');
    expect(tokenKeys).toContain(`${redis.prefix}rate:write:token:${digest}`);
  });

  it('limits chat per token too when chat needs a token', async () => {
    const guarded = await startTestService(
      testConfig(redis, { ...BEHIND_LOOPBACK_PROXY, chatRequiresToken: true, chatRate: { burst: 2, perSecond: 0.2 }, apiTokens: ['chat-token-xyz'] }),
    );
    try {
      const post = (ip: string) =>
        call(guarded.url, 'POST', '/api/chat', { json: { author: 'a', text: 'hi' }, headers: from(ip, 'chat-token-xyz') });
      expect((await post('203.0.113.31')).status).toBe(201);
      expect((await post('203.0.113.32')).status).toBe(201);
      const refused = await post('203.0.113.33');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    } finally {
      await guarded.stop();
    }
  });
});

describe('security headers', () => {
  const expected = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-site',
  };

  const requests: [string, string, { json?: unknown; raw?: string; headers?: Record<string, string> }?][] = [
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['GET', '/metrics'],
    ['GET', '/api/dishes'],
    ['GET', '/api/dishes/dumpling'],
    ['GET', '/api/dishes/nothing'],
    ['GET', '/api/events?limit=x'],
    ['PATCH', '/api/dishes/dumpling', { json: { price: 1 } }],
    ['PATCH', '/api/dishes/dumpling', { raw: '{', headers: AUTH }],
    ['PUT', '/api/dishes/dumpling'],
    ['GET', '/nowhere'],
    ['OPTIONS', '/api/dishes', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'PATCH' } }],
  ];

  for (const [method, path, options] of requests) {
    it(`are on ${method} ${path}`, async () => {
      const res = await call(base, method, path, options);
      for (const [name, value] of Object.entries(expected)) expect(res.headers.get(name), `${name} (status ${res.status})`).toBe(value);
      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  }
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    call(url, 'OPTIONS', '/api/dishes/dumpling', {
      headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type, if-match' },
    });

  it('by default allows no other origin: its reads and writes refused with 403, preflight refused, same-origin unaffected', async () => {
    const res = await call(base, 'GET', '/api/dishes', { headers: { origin: 'https://other.example' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/i);
    const before = await check.log.lastId();
    const write = await call(base, 'POST', '/api/chat', { json: { author: 'x', text: 'from elsewhere' }, headers: { origin: 'https://other.example' } });
    expect(write.status).toBe(403);
    expect(await check.log.lastId(), 'a refused cross-origin write changes nothing').toBe(before);
    expect((await call(base, 'GET', '/api/dishes', { headers: { origin: base } })).status).toBe(200);
    const pre = await preflight(base, 'https://other.example');
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    // A browser sends Origin on a same-origin POST too: it is answered as usual.
    const own = await call(base, 'PATCH', '/api/dishes/dumpling', { json: { stock: 50 }, headers: { ...AUTH, origin: base } });
    expect(own.status).toBe(200);
  });

  it('allows exactly the configured origins, with preflight naming methods and headers, and Vary: Origin', async () => {
    const listed = await startTestService(testConfig(redis, { allowedOrigins: ['https://dash.example.com', 'http://localhost:5173'] }));
    try {
      const pre = await preflight(listed.url, 'https://dash.example.com');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PATCH, DELETE');
      const allowedHeaders = pre.headers.get('access-control-allow-headers')!.toLowerCase().split(/\s*,\s*/);
      expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match']));
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
      expect(pre.headers.get('vary')).toMatch(/\bOrigin\b/i);

      const get = await call(listed.url, 'GET', '/api/dishes/dumpling', { headers: { origin: 'http://localhost:5173' } });
      expect(get.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(get.headers.get('access-control-expose-headers')).toMatch(/ETag/);
      // Problems are readable across origins too, so a dashboard can show why a write was refused.
      const refused = await call(listed.url, 'PATCH', '/api/dishes/dumpling', { json: { price: 1 }, headers: { origin: 'https://dash.example.com' } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');

      for (const origin of ['https://dash.example.com.evil.example', 'http://dash.example.com', 'null']) {
        const other = await call(listed.url, 'GET', '/api/dishes', { headers: { origin } });
        expect(other.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect((await preflight(listed.url, origin)).status, origin).toBe(403);
      }
      // Health and metrics are not part of the API: no CORS there.
      expect((await call(listed.url, 'GET', '/healthz', { headers: { origin: 'https://dash.example.com' } })).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await listed.stop();
    }
  });

  it('allows every origin when ALLOWED_ORIGINS is *', async () => {
    const open = await startTestService(testConfig(redis, { allowedOrigins: '*' }));
    try {
      const pre = await preflight(open.url, 'https://anywhere.example');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      const get = await call(open.url, 'GET', '/api/snapshot', { headers: { origin: 'https://anywhere.example' } });
      expect(get.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await open.stop();
    }
  });
});

describe('body limits on every JSON route', () => {
  const routes: [string, string][] = [
    ['POST', '/api/dishes'],
    ['PATCH', '/api/dishes/dumpling'],
    ['POST', '/api/orders'],
    ['POST', '/api/chat'],
  ];
  const oversized = JSON.stringify({ text: 'x'.repeat(64 * 1024) });

  async function streamed(method: string, path: string, chunks: number, chunk: string) {
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < chunks) controller.enqueue(encoder.encode(chunk));
        else controller.close();
      },
    });
    // No Content-Length: the limit must hold for a chunked body counted as it arrives.
    const init = { method, headers: { ...AUTH, 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit;
    const res = await fetch(new URL(path, base), init);
    await res.body?.cancel();
    return res.status;
  }

  for (const [method, path] of routes) {
    it(`${method} ${path}: 413 over 64 KB, with a length, chunked, or gzip-compressed, and nothing changes`, async () => {
      const before = { dish: await check.log.getDish('dumpling'), last: await check.log.lastId() };
      const plain = await call<ProblemBody>(base, method, path, { raw: oversized, headers: AUTH });
      expect(plain.status).toBe(413);
      expect(plain.body).toMatchObject({ status: 413, title: 'Payload too large' });
      expect(await streamed(method, path, 80, `"${'y'.repeat(1022)}",`)).toBe(413);
      // 1 MB of JSON whitespace in 1 KB of gzip: the limit counts the inflated bytes.
      const bomb = gzipSync(Buffer.from(`{"text":"a"${' '.repeat(1024 * 1024)}}`));
      const res = await fetch(new URL(path, base), {
        method,
        headers: { ...AUTH, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      await res.body?.cancel();
      expect(res.status).toBe(413);
      expect({ dish: await check.log.getDish('dumpling'), last: await check.log.lastId() }).toEqual(before);
    });
  }

  it('reads a body just under the limit and judges it by its fields (400, not 413)', async () => {
    const res = await call<ProblemBody>(base, 'POST', '/api/chat', { json: { author: 'a', text: 'x'.repeat(60_000) }, headers: AUTH });
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.path)).toContain('text');
  });
});
