// Nobody in where they don't belong: subscription tokens (401 before any data, categories narrowed, 4001 / an
// `unauthorized` event at expiry, re-auth by hello), connection limits with Retry-After, and security headers.
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { connect } from '@dish-live/client';
import { nodeTransports } from '@dish-live/client/node';
import { CLOSE_CODES, type ServerMessage, type SnapshotMessage } from '@dish-live/protocol';
import { events, metric, RawSse, RawWs, recordFigures, SseClient, startGateway, testRedis, waitFor, within, WsClient, type Gateway } from '@dish-live/test-support';

const { url, prefix } = testRedis('gwf-security');
const SECRET = 'gateway-fault-tests-secret-0123456789abcdef';
let redis: Redis;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;
let wsSmall: Gateway;
let sseSmall: Gateway;
let badInputsTried = 0;
let fiveXxSeen = 0;

const sign = (claims: Record<string, unknown>, expInS = 60) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expInS)
    .sign(new TextEncoder().encode(SECRET));

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  await log.createDish({ id: 'a1', name: 'A1', category: 'a', price: 100, stock: 10 });
  await log.createDish({ id: 'b1', name: 'B1', category: 'b', price: 100, stock: 10 });
  await log.createDish({ id: 'c1', name: 'C1', category: 'c', price: 100, stock: 10 });
  const base = { REDIS_URL: url, KEY_PREFIX: prefix };
  [ws, sse, wsSmall, sseSmall] = await Promise.all([
    startGateway('ws', { ...base, SUBSCRIBE_JWT_SECRET: SECRET }),
    startGateway('sse', { ...base, SUBSCRIBE_JWT_SECRET: SECRET }),
    // The limit tests speak for several client addresses as the proxy on loopback would, through X-Forwarded-For.
    startGateway('ws', { ...base, MAX_CONNECTIONS: '5', MAX_CONNECTIONS_PER_IP: '3', TRUST_PROXY: '127.0.0.1' }),
    startGateway('sse', { ...base, MAX_CONNECTIONS: '5', MAX_CONNECTIONS_PER_IP: '3', TRUST_PROXY: '127.0.0.1' }),
  ]);
});

afterAll(async () => {
  const crashes = [ws, sse, wsSmall, sseSmall].filter((g) => g && g.child.exitCode !== null).length;
  recordFigures(import.meta.url, { badInputsTried, fiveXxSeen, crashes });
  await Promise.all([ws?.stop(), sse?.stop(), wsSmall?.stop(), sseSmall?.stop()]);
  redis?.disconnect();
});

const dishIds = (m: ServerMessage | undefined) => (m as SnapshotMessage).dishes.map((d) => d.id);

describe('subscription tokens', () => {
  it('closes a WS without a valid token at once with 1008 and the reason, before any data frame', async () => {
    const expired = await sign({}, -5);
    const wrongKey = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    for (const query of ['', '?token=', '?token=garbage', `?token=${expired}`, `?token=${wrongKey}`, `?token=${'x'.repeat(9000)}`]) {
      badInputsTried++;
      const c = new RawWs(ws.port, `/ws${query}`);
      // The upgrade is granted so that a browser can read why: a failed upgrade's 401 looks like a network error there.
      await c.opened;
      await within('the close', 5000, c.ended);
      expect(c.closeCode).toBe(CLOSE_CODES.policy);
      expect(c.closeReason).toMatch(/^unauthorized: /);
      expect(c.count, 'no data before the close').toBe(0);
    }
  });

  it('refuses an SSE request without a valid token with 401 problem+json (code unauthorized), before any event', async () => {
    for (const [path, headers] of [
      ['/sse', {}],
      ['/sse?token=garbage', {}],
      ['/sse', { Authorization: 'Bearer garbage' }],
      ['/sse', { Authorization: `Bearer ${await sign({}, -5)}` }],
    ] as const) {
      badInputsTried++;
      const c = new RawSse(sse.port, path, { headers });
      await within('the 401', 5000, c.ended);
      expect(c.status).toBe(401);
      expect(c.head).toMatch(/content-type: application\/problem\+json/i);
      expect(c.received).toContain('"code":"unauthorized"');
      expect(c.received).not.toContain('event:');
    }
  });

  it('narrows categories to those the token allows (requested ∩ allowed), for WS and SSE alike', async () => {
    const token = await sign({ categories: ['a', 'b'] });
    const wsAll = new WsClient(`${ws.url}?token=${token}`);
    const wsAsked = new WsClient(`${ws.url}?token=${token}&categories=b,c`);
    const sseAll = new SseClient(`${sse.url}`, { Authorization: `Bearer ${token}` });
    const sseAsked = new SseClient(`${sse.url}?categories=c&token=${token}`);
    const open = await sign({});
    const wsOpen = new WsClient(`${ws.url}?token=${open}`);
    const clients = [wsAll, wsAsked, sseAll, sseAsked, wsOpen];
    await Promise.all(clients.map((c) => c.opened));
    for (const c of clients) await waitFor('snapshot', () => c.messages[0]);
    expect(dishIds(wsAll.messages[0])).toEqual(['a1', 'b1']);
    expect(dishIds(wsAsked.messages[0])).toEqual(['b1']);
    expect(dishIds(sseAll.messages[0])).toEqual(['a1', 'b1']);
    expect(dishIds(sseAsked.messages[0])).toEqual([]);
    expect(dishIds(wsOpen.messages[0])).toEqual(['a1', 'b1', 'c1']);
    await log.updateDish('c1', { stock: 9 });
    await log.updateDish('b1', { stock: 9 });
    await log.updateDish('a1', { stock: 9 });
    await waitFor('3 events on the open token', () => events(wsOpen).length === 3);
    await waitFor('a and b', () => events(wsAll).length === 2 && events(sseAll).length === 2);
    await waitFor('b only', () => events(wsAsked).length === 1);
    const dishOf = (e: ServerMessage) => (e as { data: { dish: { id: string } } }).data.dish.id;
    expect(events(wsAll).map(dishOf)).toEqual(['b1', 'a1']);
    expect(events(sseAll).map(dishOf)).toEqual(['b1', 'a1']);
    expect(events(wsAsked).map(dishOf)).toEqual(['b1']);
    // Forbidden-only subscribers see nothing of the dishes (chat still passes every filter).
    expect(events(sseAsked)).toEqual([]);
    for (const c of clients) c.close();
  });

  it('closes a WS connection with 4001 when its token expires, and ends an SSE stream with an unauthorized error', async () => {
    const token = await sign({}, 2);
    const w = new WsClient(`${ws.url}?token=${token}`);
    const s = new SseClient(`${sse.url}?token=${token}`);
    await Promise.all([w.opened, s.opened]);
    const started = Date.now();
    await waitFor('ws closed by expiry', () => w.closed, 6000);
    await waitFor('sse ended by expiry', () => s.closed, 6000);
    expect(w.closeCode).toBe(CLOSE_CODES.tokenExpired);
    expect(s.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  const renewals = { ws: 'on 4001', sse: 'when the SSE stream ends with unauthorized' } as const;
  for (const kind of ['ws', 'sse'] as const) {
    it(`the client renews its token ${renewals[kind]} (getToken) and resumes with recovered: true, missing no event`, async () => {
      let tokens = 0;
      const client = connect({
        ...nodeTransports(), transport: kind, url: (kind === 'ws' ? ws : sse).url, backoff: { initialMs: 10, maxMs: 100 },
        getToken: () => {
          tokens++;
          return sign({ categories: ['a'] }, 2);
        },
      });
      const resumed: boolean[] = [];
      const ids: string[] = [];
      client.on('resumed', () => resumed.push(true));
      client.on('event', (e) => ids.push(e.id));
      try {
        await waitFor('live', () => client.status.state === 'live', 5000);
        const written: string[] = [];
        // Events keep coming across two expiries (each token lasts 2 s).
        const end = Date.now() + 4500;
        for (let i = 0; Date.now() < end; i++) {
          await log.updateDish('a1', { stock: 1000 + i });
          written.push(await log.lastId());
          await new Promise((r) => setTimeout(r, 100));
        }
        await waitFor('every event', () => ids.length >= written.length, 10_000, () => [ids.length, written.length]);
        expect(ids).toEqual(written);
        expect(tokens).toBeGreaterThanOrEqual(3);
        expect(resumed.length).toBeGreaterThanOrEqual(2);
        expect(client.stats().duplicates).toBe(0);
      } finally {
        client.close();
      }
    }, 20_000);
  }

  it('re-authenticates by a hello with a new token: new categories apply; a bad token is refused and changes nothing', async () => {
    const c = new WsClient(`${ws.url}?token=${await sign({ categories: ['a'] }, 3)}`);
    await c.opened;
    await waitFor('snapshot', () => c.messages[0]);
    expect(dishIds(c.messages[0])).toEqual(['a1']);
    badInputsTried++;
    c.send({ op: 'hello', token: 'garbage' });
    await waitFor('unauthorized', () => c.messages.find((m) => m.type === 'error'));
    expect(c.messages[1]).toMatchObject({ type: 'error', code: 'unauthorized' });
    c.send({ op: 'hello', categories: ['a', 'b', 'c'], token: await sign({ categories: ['b', 'c'] }, 60) });
    await waitFor('new snapshot', () => c.messages.filter((m) => m.type === 'snapshot').length === 2);
    expect(dishIds(c.messages.filter((m) => m.type === 'snapshot')[1])).toEqual(['b1', 'c1']);
    // The first token's 3 s deadline was replaced by the new token's: still open after it.
    const stillOpen = Date.now() + 3500;
    await log.updateDish('c1', { stock: 8 });
    await waitFor('the c event', () => events(c).length >= 1);
    while (Date.now() < stillOpen && !c.closed) await new Promise((r) => setTimeout(r, 100));
    expect(c.closed).toBe(false);
    c.close();
  });
});

describe('connection limits', () => {
  it('refuses WS upgrades past the per-address limit (429) and the process limit (503), with Retry-After, and admits again after a close', async () => {
    const from = (ip: string) => new RawWs(wsSmall.port, '/ws', { headers: { 'X-Forwarded-For': ip } });
    const held = [from('203.0.113.1'), from('203.0.113.1'), from('203.0.113.1')];
    await Promise.all(held.map((c) => c.opened));
    const fourth = from('203.0.113.1');
    await expect(fourth.opened).rejects.toThrow(/429/);
    expect(fourth.refused!.headers).toMatch(/retry-after: \d+/i);
    held.push(from('203.0.113.2'), from('203.0.113.3'));
    await Promise.all(held.map((c) => c.opened));
    const sixth = from('203.0.113.4');
    await expect(sixth.opened).rejects.toThrow(/503/);
    expect(sixth.refused!.headers).toMatch(/retry-after: \d+/i);
    expect(JSON.parse(sixth.refused!.body)).toMatchObject({ status: 503 });
    held.shift()!.drop();
    await waitFor('the slot given back', async () => (await metric(wsSmall, 'dish_live_connections')) === 4 || undefined);
    const again = from('203.0.113.4');
    await again.opened;
    for (const c of [...held, again]) c.drop();
  });

  it('refuses SSE requests past the limits the same way', async () => {
    const from = (ip: string) => new RawSse(sseSmall.port, '/sse', { headers: { 'X-Forwarded-For': ip } });
    const held = [from('198.51.100.1'), from('198.51.100.1'), from('198.51.100.1')];
    await Promise.all(held.map((c) => within('snapshot', 5000, c.until('event: snapshot'))));
    const fourth = from('198.51.100.1');
    await within('refusal', 5000, fourth.ended);
    expect(fourth.status).toBe(429);
    expect(fourth.head).toMatch(/retry-after: \d+/i);
    held.push(from('198.51.100.2'), from('198.51.100.3'));
    await Promise.all(held.map((c) => within('snapshot', 5000, c.until('event: snapshot'))));
    const sixth = from('198.51.100.4');
    await within('refusal', 5000, sixth.ended);
    expect(sixth.status).toBe(503);
    expect(sixth.head).toMatch(/retry-after: \d+/i);
    for (const c of held) c.drop();
  });
});

describe('security headers', () => {
  for (const kind of ['ws', 'sse'] as const) {
    it(`${kind}-gateway sends nosniff, no-referrer and DENY, and no X-Powered-By, on every HTTP answer`, async () => {
      const g = kind === 'ws' ? wsSmall : sseSmall;
      for (const path of ['/healthz', '/readyz', '/metrics', '/nope', ...(kind === 'sse' ? ['/sse?maxRate=0'] : [])]) {
        const res = await fetch(`http://127.0.0.1:${g.port}${path}`);
        await res.arrayBuffer();
        if (res.status >= 500) fiveXxSeen++;
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
        expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
        expect(res.headers.get('x-frame-options'), path).toBe('DENY');
        expect(res.headers.get('x-powered-by'), path).toBeNull();
      }
      if (kind === 'sse') {
        const c = new RawSse(g.port, '/sse');
        await within('snapshot', 5000, c.until('event: snapshot'));
        expect(c.head).toMatch(/x-content-type-options: nosniff/i);
        expect(c.head).not.toMatch(/x-powered-by/i);
        c.drop();
        const preflight = (origin: string) =>
          fetch(`http://127.0.0.1:${g.port}/sse`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Headers': 'authorization' } });
        const own = await preflight(`http://127.0.0.1:${g.port}`);
        expect(own.status).toBe(204);
        expect(own.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
        const other = await preflight('http://x.example');
        expect(other.status, 'another origin by default').toBe(403);
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      }
    });
  }
});

describe('one origin policy and no trusted proxy by default', () => {
  let wsPlain: Gateway;
  let ssePlain: Gateway;
  const env = () => ({ REDIS_URL: url, KEY_PREFIX: prefix, MAX_CONNECTIONS_PER_IP: '2', CHAT_REQUIRES_TOKEN: 'true' });
  beforeAll(async () => {
    [wsPlain, ssePlain] = await Promise.all([startGateway('ws', env()), startGateway('sse', env())]);
  });
  afterAll(async () => {
    await Promise.all([wsPlain?.stop(), ssePlain?.stop()]);
  });

  it('refuses another origin at the WS upgrade and the SSE request, serves the page\'s own origin and non-browsers', async () => {
    const evil = new RawWs(wsPlain.port, '/ws', { headers: { Origin: 'https://evil.example' } });
    await expect(evil.opened).rejects.toThrow(/403/);
    expect(evil.count).toBe(0);
    const own = new RawWs(wsPlain.port, '/ws', { headers: { Origin: `http://127.0.0.1:${wsPlain.port}` } });
    await own.opened;
    await within('the snapshot', 5000, own.whenText('"type":"snapshot"'));
    own.drop();

    const evilSse = new RawSse(ssePlain.port, '/sse', { headers: { Origin: 'https://evil.example' } });
    await within('the refusal', 5000, evilSse.ended);
    expect(evilSse.status).toBe(403);
    expect(evilSse.head).not.toMatch(/access-control-allow-origin/i);
    expect(evilSse.received).not.toContain('event: snapshot');
    const ownSse = new RawSse(ssePlain.port, '/sse', { headers: { Origin: `http://127.0.0.1:${ssePlain.port}` } });
    await within('the snapshot', 5000, ownSse.until('event: snapshot'));
    expect(ownSse.head, 'the page\'s own origin needs no CORS header, and never *').not.toMatch(/access-control-allow-origin/i);
    ownSse.drop();
  });

  it('refuses chat over the socket when chat needs a write token, and stores nothing', async () => {
    const before = await log.lastId();
    const c = new RawWs(wsPlain.port, '/ws');
    await c.opened;
    await within('the snapshot', 5000, c.whenText('"type":"snapshot"'));
    c.text({ op: 'chat', author: 'mallory', text: 'hello from anywhere' });
    await within('the refusal', 5000, c.whenText('"code":"unauthorized"'));
    expect(await log.lastId()).toBe(before);
    c.drop();
  });

  it('counts a made-up X-Forwarded-For as the peer it came from (per-address limits cannot be escaped)', async () => {
    const from = (i: number) => new RawWs(wsPlain.port, '/ws', { headers: { 'X-Forwarded-For': `203.0.113.${i}` } });
    const held = [from(1), from(2)];
    await Promise.all(held.map((c) => c.opened));
    const third = from(3);
    await expect(third.opened).rejects.toThrow(/429/);
    const sse = [1, 2, 3].map((i) => new RawSse(ssePlain.port, '/sse', { headers: { 'X-Forwarded-For': `198.51.100.${i}` } }));
    await Promise.all(sse.slice(0, 2).map((c) => within('snapshot', 5000, c.until('event: snapshot'))));
    await within('refusal', 5000, sse[2]!.ended);
    expect(sse[2]!.status).toBe(429);
    for (const c of [...held, ...sse]) c.drop();
  });
});

