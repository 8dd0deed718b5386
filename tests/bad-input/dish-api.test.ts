// Hostile and malformed requests against the dish service as a real process: never a 5xx, never a crash, never a change.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import {
  chatInputSchema,
  chatMessageSchema,
  createDishSchema,
  encodeSseMessage,
  orderSchema,
  patchDishSchema,
  SseParser,
  type Dish,
  type SseEvent,
} from '@dish-live/protocol';
import { killAllStarted, recordFigures, startDish, testRedis, type ServiceProcess } from '@dish-live/test-support';
import type { z } from 'zod';

const redis = testRedis('fault-bad-input');
const TOKEN = 'fuzz-token-7d3e91';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const TARGET = 'fuzz-target';
const JSON_LIMIT = 64 * 1024;
const RUNS = Number(process.env.DISH_FUZZ_RUNS ?? 100);

let svc: ServiceProcess;
const inspector = new Redis(redis.url);
const log = new EventLog(inspector, { prefix: redis.prefix });
const tally = { tried: 0, fiveXx: 0, accepted: 0, chats: 0 };

beforeAll(async () => {
  // Limits high enough that the fuzzer meets validation rather than the rate limiter (which has tests of its own).
  svc = await startDish({
    REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, DISH_API_TOKENS: TOKEN,
    WRITE_RATE_BURST: '100000', WRITE_RATE_PER_SEC: '100000', CHAT_RATE_PER_SEC: '0',
  });
  const created = await send({ method: 'POST', path: '/api/dishes', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ id: TARGET, name: '宫保鸡丁', category: '川菜', price: 3800, stock: 40 }) });
  expect(created.status, created.text).toBe(201);
}, 60_000);

afterAll(async () => {
  recordFigures(import.meta.url, { badInputsTried: tally.tried, fiveXxSeen: tally.fiveXx, crashes: svc?.crashed() ? 1 : 0 });
  await killAllStarted();
  inspector.disconnect();
});

interface Raw {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request exactly as given (node:http, a fresh connection, no client-side normalization), bounded in time. */
function send(raw: Raw): Promise<Reply> {
  const url = new URL(svc.url);
  // node sends a GET or DELETE body unframed unless told its length.
  const headers = raw.body === undefined ? raw.headers : { 'content-length': String(Buffer.byteLength(raw.body)), ...raw.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: raw.method, path: raw.path, headers, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 10 s to ${raw.method} ${raw.path}`)));
    req.on('error', reject);
    req.end(raw.body);
  });
}

/** What a refused request must not change: every dish and the log's last id. */
async function state(): Promise<{ id: string; dishes: Dish[] }> {
  const { id, dishes } = await log.snapshot();
  return { id, dishes };
}

/**
 * Sends one bad (or possibly bad) request and checks what holds for every request: an answer below 500, and no
 * change at all when the answer is a refusal. Every 25 requests the process must still be alive and healthy.
 */
async function probe(raw: Raw): Promise<Reply> {
  const before = await state();
  const res = await send(raw);
  tally.tried++;
  if (res.status >= 500) tally.fiveXx++;
  expect(res.status, `${raw.method} ${raw.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    // 431 (headers too large) is node's own answer, before any of the service's code runs.
    if (res.status !== 431) expect(res.headers['content-type'], `${raw.method} ${raw.path.slice(0, 100)}: a problem+json`).toMatch(/^application\/problem\+json/);
    expect(await state(), `${raw.method} ${raw.path.slice(0, 100)} was refused (${res.status}) yet changed the state`).toEqual(before);
  } else tally.accepted++;
  if (tally.tried % 25 === 0) await expectHealthy();
  return res;
}

async function expectHealthy(): Promise<void> {
  expect(svc.alive(), `the dish service died:\n${svc.output().slice(-2000)}`).toBe(true);
  expect((await send({ method: 'GET', path: '/healthz' })).status).toBe(200);
}

/** Unicode that is not well-formed (a lone surrogate) anywhere in a string or key. */
const illFormed = (value: unknown): boolean => {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (/\p{Cs}/u.test(v)) return true;
    } else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (/\p{Cs}/u.test(k)) return true;
        stack.push(inner);
      }
    }
  }
  return false;
};

/** The server's verdict on a JSON body, predicted from the wire contract's own schemas. */
function verdict(schema: z.ZodType, text: string): 'valid' | 'invalid' | 'too-large' {
  if (Buffer.byteLength(text) > JSON_LIMIT) return 'too-large';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  return schema.safeParse(parsed).success && !illFormed(parsed) ? 'valid' : 'invalid';
}

const WRITES: { method: string; path: string; schema: z.ZodType }[] = [
  { method: 'POST', path: '/api/dishes', schema: createDishSchema },
  { method: 'PATCH', path: `/api/dishes/${TARGET}`, schema: patchDishSchema },
  { method: 'POST', path: '/api/orders', schema: orderSchema },
  { method: 'POST', path: '/api/chat', schema: chatInputSchema },
];

/** Posts a JSON text to a write route and checks the answer against the schema's verdict. */
async function writeJson(route: (typeof WRITES)[number], text: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await probe({ method: route.method, path: route.path, headers: { ...AUTH, 'content-type': 'application/json', ...headers }, body: text });
  const expected = verdict(route.schema, text);
  const what = `${route.method} ${route.path} ${text.slice(0, 200)}`;
  if (expected === 'too-large') expect(res.status, what).toBe(413);
  else if (expected === 'invalid') expect(res.status, `${what} → ${res.text.slice(0, 200)}`).toBe(400);
  // A valid body may still name a dish that exists (409) or does not (404); it is never refused as malformed.
  else expect([200, 201, 202, 404, 409], `${what} → ${res.text.slice(0, 200)}`).toContain(res.status);
  if (route.path === '/api/chat' && res.status === 201) {
    await expectChatRoundTrip(JSON.parse(text) as unknown, res.text);
    tally.chats++;
  }
  return res;
}

/** An accepted chat message is the event in the log, parses with the protocol's schema, and survives SSE framing. */
async function expectChatRoundTrip(input: unknown, answer: string): Promise<void> {
  const event = chatMessageSchema.parse(JSON.parse(answer));
  expect(event.data).toEqual(chatInputSchema.parse(input));
  const replay = await log.replay(event.prev, 1);
  expect(replay.recovered && replay.events[0]).toEqual(event);
  const frame = encodeSseMessage(event);
  // Split anywhere (in the middle of a CRLF or a multi-byte character's UTF-16 pair too): the parser gets it whole.
  for (const cut of [1, Math.floor(frame.length / 2), frame.length - 1]) {
    const seen: SseEvent[] = [];
    const parser = new SseParser({ onEvent: (e) => seen.push(e) });
    parser.feed(frame.slice(0, cut));
    parser.feed(frame.slice(cut));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.event).toBe('chat.message');
    expect(seen[0]!.lastEventId).toBe(event.id);
    expect(JSON.parse(seen[0]!.data)).toEqual(event);
  }
}

// ---- generators ----------------------------------------------------------------------------------------------

/** Characters a header value may carry on the wire (tab, visible ASCII, space). */
const headerChar = fc.oneof(fc.constantFrom('\t', ' ', '"', ',', ';', '='), fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)));
const headerValue = fc.string({ unit: headerChar, maxLength: 80 });

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c));
const markup = fc.constantFrom(
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', '{{constructor.constructor("x")()}}',
  '${7*7}', "'; DROP TABLE dishes; --", '\r\n\r\ndata: {"type":"dish.deleted"}\n\n', 'event: snapshot\ndata: x', '\u202Egnp.exe',
  'Z̷̢̛̠̣a̸̡͎l̵̢̛g̶̨̛o̷', '👨‍👩‍👧‍👦🍜', '\uFEFF', '\u2028\u2029', 'NaN', '-0', '1e400', '__proto__',
);
/** Strings a client might send: anything, lone surrogates and control characters included, or a known nasty one. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), loneSurrogate, control), maxLength: 60 }),
  markup,
  fc.constantFrom('', ' ', '\t\n', 'a'.repeat(40), 'a'.repeat(41), 'a'.repeat(80), 'a'.repeat(81), '字'.repeat(500), 'x'.repeat(501)),
);
/** Number tokens (raw JSON text) at and past every edge, and things that are not numbers. */
const nastyNumber = fc.oneof(
  fc.constantFrom(
    '-0', '0', '1', '1.0', '1e2', '1E400', '-1E400', '1e-400', '0.1', '-1', '9007199254740991', '9007199254740993',
    '123456789012345678901234567890', '10000000', '10000001', '1000000', '1000001', '1000', '1001', '50', '51',
    '"12"', '"NaN"', '"Infinity"', '"-0"', '"0x10"', 'null', 'true', '[]', '{}', '[1]', '{"valueOf":1}',
  ),
  fc.integer({ min: -2_000_000, max: 20_000_000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);
/** Keys that poison a careless merge, and near-misses of real ones. */
const nastyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Name', 'name ', 'price\u0000', 'ïd');

/** A JSON object text from [key, raw JSON value] pairs, so raw number tokens (`-0`, `1E400`) reach the server as written. */
const objectText = (entries: readonly (readonly [string, string])[]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const field = (name: string, value: fc.Arbitrary<string>) => maybe(value).map((v) => (v === undefined ? [] : [[name, v] as const]));
const str = nastyString.map((s) => JSON.stringify(s));
const extra = maybe(fc.tuple(nastyKey, fc.oneof(str, nastyNumber, fc.constant('{"polluted":true}')))).map((e) => (e ? [e] : []));

/** Bodies shaped like the real ones with hostile values: these get past JSON parsing and test validation itself. */
const nearValid: Record<string, fc.Arbitrary<string>> = {
  '/api/dishes': fc
    .tuple(field('id', fc.oneof(str, fc.constantFrom('"fuzz-new"', `"${TARGET}"`, '"../x"', '"a b"'))), field('name', str), field('category', str), field('price', nastyNumber), field('stock', nastyNumber), extra)
    .map((parts) => objectText(parts.flat())),
  [`/api/dishes/${TARGET}`]: fc
    .tuple(field('name', str), field('category', str), field('price', nastyNumber), field('stock', nastyNumber), extra)
    .map((parts) => objectText(parts.flat())),
  '/api/orders': fc
    .tuple(
      field('orderId', fc.oneof(str, fc.constantFrom('"fuzz-order"', '"a:b.c"', '"x/y"'))),
      fc.array(fc.tuple(field('dishId', fc.oneof(str, fc.constantFrom('"no-such-dish"'))), field('qty', nastyNumber), extra), { maxLength: 55 })
        .map((items) => [['items', `[${items.map((parts) => objectText(parts.flat())).join(',')}]`] as const]),
      extra,
    )
    .map((parts) => objectText(parts.flat())),
  '/api/chat': fc.tuple(field('author', str), field('text', str), extra).map((parts) => objectText(parts.flat())),
};

// ---- properties ----------------------------------------------------------------------------------------------

const opts = { numRuns: RUNS, endOnFailure: true } as const;

describe('property: hostile bodies on every write route', () => {
  for (const route of WRITES) {
    it(`${route.method} ${route.path}: any JSON value is refused with 400 or judged by the schema, never 5xx`, async () => {
      await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        await writeJson(route, JSON.stringify(value));
      }), opts);
    }, 120_000);

    it(`${route.method} ${route.path}: near-valid bodies with hostile values agree with the wire contract's schema`, async () => {
      await fc.assert(fc.asyncProperty(nearValid[route.path]!, async (text) => {
        await writeJson(route, text);
      }), opts);
    }, 120_000);

    it(`${route.method} ${route.path}: a truncated body is a 400 that changes nothing`, async () => {
      const whole = { '/api/dishes': objectText([['name', '"x"'], ['category', '"y"'], ['price', '1'], ['stock', '1']]) }[route.path]
        ?? objectText([['author', '"a"'], ['text', '"b"'], ['items', '[{"dishId":"x","qty":1}]']]);
      await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: whole.length - 1 }), async (cut) => {
        const res = await probe({ method: route.method, path: route.path, headers: { ...AUTH, 'content-type': 'application/json' }, body: whole.slice(0, cut) });
        expect(res.status).toBe(400);
      }), { ...opts, numRuns: Math.min(RUNS, whole.length) });
    }, 120_000);
  }
});

describe('property: chat text', () => {
  it('markup, control characters, unicode and lone surrogates: accepted exactly when the schema says so, and round-trips', async () => {
    const chat = WRITES.find((w) => w.path === '/api/chat')!;
    const before = tally.chats;
    await fc.assert(fc.asyncProperty(nastyString, nastyString, async (author, text) => {
      await writeJson(chat, JSON.stringify({ author, text }));
    }), { ...opts, numRuns: RUNS * 2 });
    // The round trip was exercised, not only the refusals.
    expect(tally.chats - before).toBeGreaterThan(RUNS / 10);
  }, 180_000);
});

describe('property: query strings on the polling endpoint', () => {
  const queryChar = fc.oneof(
    fc.constantFrom('%', '%2', '%ZZ', '%00', '%E0%A4%A', '%FF', '+', '=', '-', '[]', '[', '.', '0', '1', '9'),
    fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x23 && c !== 0x26).map((c) => String.fromCharCode(c)),
  );
  const queryValue = fc.oneof(
    fc.string({ unit: queryChar, maxLength: 24 }),
    fc.integer({ min: -5, max: 20_000 }).map(String),
    fc.constantFrom('0-0', '1-0', '99999999999999-0', '1e3', '0x10', '%201', '1%00', '10000', '10001', '000001', '1000000'),
  );
  const param = fc.tuple(fc.constantFrom('since', 'limit', 'since[]', 'limit[0]', 'other'), queryValue).map(([k, v]) => `${k}=${v}`);

  it('any since/limit, repeated or malformed, answers 200 or 400 as the query parser and the contract say', async () => {
    await fc.assert(fc.asyncProperty(fc.array(param, { maxLength: 4 }), async (params) => {
      const query = params.join('&');
      const res = await probe({ method: 'GET', path: `/api/events?${query}` });
      const limit = parseQuery(query).limit;
      const limitOk = limit === undefined || (typeof limit === 'string' && /^\d{1,6}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 10_000);
      expect(res.status, `?${query} → ${res.text.slice(0, 200)}`).toBe(limitOk ? 200 : 400);
      if (res.status === 200) {
        const body = JSON.parse(res.text) as { recovered: boolean; events?: unknown[]; snapshot?: unknown };
        expect(body.recovered ? Array.isArray(body.events) : typeof body.snapshot === 'object').toBe(true);
      }
    }), { ...opts, numRuns: RUNS * 2 });
  }, 180_000);
});

describe('property: headers', () => {
  const patch = (headers: Record<string, string>, stock: number) =>
    probe({ method: 'PATCH', path: `/api/dishes/${TARGET}`, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ stock }) });

  it('If-Match garbage is a 400, a stale version a 409, a current one applies', async () => {
    const ifMatch = fc.oneof(headerValue, fc.nat({ max: 400 }).map(String), fc.nat({ max: 400 }).map((n) => `"${n}"`), fc.constantFrom('*', 'W/"1"', '"1", "2"', '"', '""', '-1', '1.0', '0x1'));
    await fc.assert(fc.asyncProperty(ifMatch, fc.integer({ min: 0, max: 1000 }), async (value, stock) => {
      const current = (await log.getDish(TARGET))!.version;
      const res = await patch({ ...AUTH, 'if-match': value }, stock);
      const trimmed = value.trim();
      const m = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/.exec(trimmed);
      const expected = trimmed === '' || trimmed === '*' ? 200 : !m ? 400 : Number(m[1] ?? m[2]) === current ? 200 : 409;
      expect(res.status, `If-Match: ${JSON.stringify(value)} (version ${current}) → ${res.text.slice(0, 200)}`).toBe(expected);
    }), { ...opts, numRuns: RUNS * 2 });
  }, 180_000);

  it('Authorization garbage never writes: 401 without a bearer token, 403 with a wrong one', async () => {
    const authorization = fc.oneof(
      headerValue,
      headerValue.map((v) => `Bearer ${v}`),
      headerValue.map((v) => `Bearer ${TOKEN}${v}`),
      headerValue.map((v) => `${v} ${TOKEN}`),
      fc.constantFrom(`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, `Bearer  ${TOKEN} x`, `Bearer\t${TOKEN}`, `Bearer ${TOKEN.toUpperCase()}`, 'Bearer', 'Bearer ', `${TOKEN}`),
    );
    await fc.assert(fc.asyncProperty(authorization, fc.integer({ min: 0, max: 1000 }), async (value, stock) => {
      const res = await patch({ authorization: value }, stock);
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(value.trim());
      const expected = !m ? 401 : m[1] === TOKEN ? 200 : 403;
      expect(res.status, `Authorization: ${JSON.stringify(value)} → ${res.text.slice(0, 200)}`).toBe(expected);
    }), { ...opts, numRuns: RUNS * 2 });
  }, 180_000);

  it('any Content-Type other than JSON is a 415 (or 400) and changes nothing', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx',
        'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=koi8-r', 'json', '*/*', ';', '',
      ),
      headerValue,
    );
    await fc.assert(fc.asyncProperty(contentType, async (type) => {
      const res = await probe({ method: 'PATCH', path: `/api/dishes/${TARGET}`, headers: { ...AUTH, 'content-type': type }, body: '{"stock":3}' });
      // Only a JSON media type (application/json or application/*+json) may get the body read at all.
      if (res.status < 400) expect(type, `Content-Type: ${JSON.stringify(type)} was read as JSON`).toMatch(/^\s*application\/([^;\s]*\+)?json\s*(;|$)/i);
      else expect([400, 415], `Content-Type: ${JSON.stringify(type)} → ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
    }), { ...opts, numRuns: RUNS * 2 });
  }, 180_000);
});

describe('property: paths', () => {
  const segChar = fc.oneof(
    fc.constantFrom('%', '%2F', '%2e%2e', '%00', '%ZZ', '%E0%A4%A', '..', '.', ';', '~', '%F0%9F%8D%9C'),
    fc.integer({ min: 0x21, max: 0x7e }).filter((c) => !'?#/'.includes(String.fromCharCode(c))).map((c) => String.fromCharCode(c)),
  );
  it('any dish or order id in the path is a 4xx or a read, never a 5xx or a change', async () => {
    const segment = fc.oneof(fc.string({ unit: segChar, minLength: 1, maxLength: 70 }), fc.constantFrom('a'.repeat(65), 'a'.repeat(5000)));
    await fc.assert(fc.asyncProperty(fc.constantFrom('GET', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'PROPFIND'), fc.constantFrom('dishes', 'orders'), segment, async (method, kind, seg) => {
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        decoded = undefined;
      }
      // Never aim a well-formed write at a dish that exists (the fuzzing created some): that would be a real write.
      fc.pre(decoded === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(decoded) || (await log.getDish(decoded)) === undefined);
      const body = method === 'PATCH' ? '{"stock":1}' : undefined;
      const res = await probe({ method, path: `/api/${kind}/${seg}`, headers: { ...AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
      if (method !== 'GET') expect(res.status, `${method} /api/${kind}/${seg.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
    }), { ...opts, numRuns: RUNS * 2 });
  }, 180_000);
});

// ---- known nasty cases ---------------------------------------------------------------------------------------

const json = { ...AUTH, 'content-type': 'application/json' };
const patchTarget = (body: string | Buffer, headers: Record<string, string> = {}): Raw => ({ method: 'PATCH', path: `/api/dishes/${TARGET}`, headers: { ...json, ...headers }, body });
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

const table: { name: string; raw: Raw; status: number | number[] }[] = [
  { name: 'deeply nested arrays (30 000 levels, just under 64 KB)', raw: patchTarget(deep(30_000)), status: 400 },
  { name: 'deeply nested objects', raw: patchTarget(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`), status: 400 },
  { name: 'nesting inside a real field', raw: { method: 'POST', path: '/api/orders', headers: json, body: `{"items":${deep(30_000)}}` }, status: 400 },
  { name: 'nesting over 64 KB', raw: patchTarget(deep(40_000)), status: 413 },
  { name: 'a number of 400 digits', raw: patchTarget(`{"price":${'9'.repeat(400)}}`), status: 400 },
  { name: 'a number overflowing to Infinity', raw: patchTarget('{"price":1e999999}'), status: 400 },
  { name: 'NaN and Infinity literals (not JSON)', raw: patchTarget('{"price":NaN,"stock":Infinity}'), status: 400 },
  { name: 'a hex literal', raw: patchTarget('{"price":0x10}'), status: 400 },
  { name: 'a JSON comment', raw: patchTarget('{"price":1 /* x */}'), status: 400 },
  { name: 'a trailing comma', raw: patchTarget('{"price":1,}'), status: 400 },
  { name: 'single quotes', raw: patchTarget("{'price':1}"), status: 400 },
  { name: 'duplicate keys, the last one invalid', raw: patchTarget('{"price":1,"price":"x"}'), status: 400 },
  { name: '__proto__ carrying a field', raw: patchTarget('{"__proto__":{"price":1}}'), status: 400 },
  { name: 'constructor.prototype pollution', raw: patchTarget('{"price":100,"constructor":{"prototype":{"polluted":true}}}'), status: 400 },
  { name: '__proto__ inside an order item', raw: { method: 'POST', path: '/api/orders', headers: json, body: '{"items":[{"dishId":"x","qty":1,"__proto__":{"qty":2}}]}' }, status: 400 },
  { name: 'a lone surrogate in a dish name', raw: patchTarget('{"name":"\\ud800x"}'), status: 400 },
  { name: 'a lone surrogate in a chat text', raw: { method: 'POST', path: '/api/chat', headers: json, body: '{"author":"a","text":"\\udc00"}' }, status: 400 },
  { name: 'a lone surrogate in a key', raw: patchTarget('{"\\ud800":1}'), status: 400 },
  { name: 'an escaped NUL in a name', raw: patchTarget('{"name":"a\\u0000b"}'), status: [200, 400] },
  { name: 'invalid UTF-8 bytes', raw: patchTarget(Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), status: [200, 400] },
  { name: 'an overlong UTF-8 slash', raw: patchTarget(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])), status: [200, 400] },
  { name: 'a byte-order mark before the JSON', raw: patchTarget('\uFEFF{"stock":5}'), status: [200, 400] },
  { name: 'UTF-16 bytes labelled UTF-8', raw: patchTarget(Buffer.from('{"stock":5}', 'utf16le')), status: 400 },
  { name: 'a bare null', raw: patchTarget('null'), status: 400 },
  { name: 'a bare number', raw: patchTarget('5'), status: 400 },
  { name: 'an empty body with a JSON type', raw: patchTarget(''), status: 400 },
  { name: 'whitespace only', raw: patchTarget(' \n\t '), status: 400 },
  { name: 'two JSON documents', raw: patchTarget('{"stock":1}{"stock":2}'), status: 400 },
  { name: 'gzip that is not gzip', raw: patchTarget('{"stock":1}', { 'content-encoding': 'gzip' }), status: 400 },
  { name: 'deflate that is not deflate', raw: patchTarget('{"stock":1}', { 'content-encoding': 'deflate' }), status: 400 },
  { name: 'an unknown content encoding', raw: patchTarget('{"stock":1}', { 'content-encoding': 'zstd-ish' }), status: 415 },
  { name: 'a gzip bomb', raw: patchTarget(gzipSync(Buffer.from(`{"name":"${'a'.repeat(2 * 1024 * 1024)}"}`)), { 'content-encoding': 'gzip' }), status: 413 },
  { name: 'a body on a GET', raw: { method: 'GET', path: '/api/dishes', headers: json, body: '{"x":1}' }, status: 200 },
  { name: 'a body on a DELETE of an unknown dish', raw: { method: 'DELETE', path: '/api/dishes/nope', headers: json, body: '{"x":1}' }, status: 404 },
  { name: 'If-Match listing versions', raw: patchTarget('{"stock":5}', { 'if-match': '"1", "2"' }), status: 400 },
  { name: 'If-Match of 16 digits', raw: patchTarget('{"stock":5}', { 'if-match': '1234567890123456' }), status: 400 },
  { name: 'a header of 20 KB', raw: { method: 'GET', path: '/api/dishes', headers: { 'x-junk': 'x'.repeat(20_000) } }, status: 431 },
  { name: 'limit repeated', raw: { method: 'GET', path: '/api/events?limit=1&limit=2' }, status: 400 },
  { name: 'since repeated', raw: { method: 'GET', path: '/api/events?since=0-0&since=1-0' }, status: 200 },
  { name: 'a broken percent-encoding in the query', raw: { method: 'GET', path: '/api/events?since=%E0%A4%A&limit=%' }, status: 400 },
  { name: 'a broken percent-encoding in the path', raw: { method: 'GET', path: '/api/dishes/%E0%A4%A' }, status: 400 },
  { name: 'an encoded NUL in the path', raw: { method: 'DELETE', path: '/api/dishes/a%00b', headers: AUTH }, status: 404 },
  { name: 'an encoded traversal', raw: { method: 'GET', path: '/api/dishes/..%2F..%2Fetc%2Fpasswd' }, status: 404 },
  { name: 'a TRACE', raw: { method: 'TRACE', path: '/api/dishes' }, status: 405 },
  { name: 'an unknown method', raw: { method: 'PROPFIND', path: `/api/dishes/${TARGET}` }, status: 405 },
  { name: 'an absolute URL as the path', raw: { method: 'GET', path: 'http://evil.example/api/dishes' }, status: [200, 400, 404] },
  { name: 'chat with control characters', raw: { method: 'POST', path: '/api/chat', headers: json, body: '{"author":"a","text":"\\u001b[2Jcleared"}' }, status: 400 },
  { name: 'chat with a C1 CSI', raw: { method: 'POST', path: '/api/chat', headers: json, body: '{"author":"a","text":"\\u009b2J"}' }, status: 400 },
  { name: 'an order of 51 items', raw: { method: 'POST', path: '/api/orders', headers: json, body: JSON.stringify({ items: Array.from({ length: 51 }, (_, i) => ({ dishId: `d${i}`, qty: 1 })) }) }, status: 400 },
  { name: 'an order naming a dish twice', raw: { method: 'POST', path: '/api/orders', headers: json, body: JSON.stringify({ items: [{ dishId: 'no-such-dish', qty: 1 }, { dishId: 'no-such-dish', qty: 1 }] }) }, status: [400, 202] },
];

describe('known nasty cases', () => {
  for (const c of table) {
    it(`${c.name} → ${String(c.status)}`, async () => {
      const res = await probe(c.raw);
      const allowed = Array.isArray(c.status) ? c.status : [c.status];
      expect(allowed, `${c.name}: ${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
    });
  }

  it('the service is still alive and healthy after all of it', async () => {
    await expectHealthy();
    expect(svc.crashed()).toBe(false);
    console.log(`[bad-input] requests ${tally.tried}, accepted ${tally.accepted} (chat messages round-tripped ${tally.chats}), 5xx ${tally.fiveXx}`);
  });
});
