// Restaurants on one gateway are isolated: a client of B never sees A's events (nor A's of B's) on WS or SSE while
// both flow, chat goes to the connection's own restaurant, an unknown restaurant is 404 at the upgrade or request, and
// with subscription keys a token must name the restaurant it reads (401 without one, 403 for another).
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, Restaurants } from '@dish-live/broker';
import { CLOSE_CODES, type ServerMessage, type SnapshotMessage } from '@dish-live/protocol';
import { events, metric, RawSse, RawWs, SseClient, startGateway, testRedis, waitFor, within, WsClient, type Gateway } from '@dish-live/test-support';

const { url, prefix } = testRedis('tenants-isolation');
const SECRET = 'tenant-isolation-tests-secret-0123456789';
const A = 'iso-a';
const B = 'iso-b';
let redis: Redis;
const logs: Record<string, EventLog> = {};
let ws: Gateway;
let sse: Gateway;
let wsAuth: Gateway;
let sseAuth: Gateway;

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 120)
    .sign(new TextEncoder().encode(SECRET));

beforeAll(async () => {
  redis = new Redis(url);
  const registry = new Restaurants(redis, prefix);
  for (const id of [A, B]) {
    await registry.create(id, `Restaurant ${id}`);
    logs[id] = new EventLog(redis, { prefix, restaurant: id });
    await logs[id].createDish({ id: `${id}-dish`, name: `Dish of ${id}`, category: 'soup', price: 100, stock: 1_000_000 });
  }
  const base = { REDIS_URL: url, KEY_PREFIX: prefix, RETRY_MIN_MS: '100', RETRY_MAX_MS: '200' };
  [ws, sse, wsAuth, sseAuth] = await Promise.all([
    startGateway('ws', base),
    startGateway('sse', base),
    startGateway('ws', { ...base, SUBSCRIBE_JWT_SECRET: SECRET }),
    startGateway('sse', { ...base, SUBSCRIBE_JWT_SECRET: SECRET }),
  ]);
});

afterAll(async () => {
  await Promise.all([ws?.stop(), sse?.stop(), wsAuth?.stop(), sseAuth?.stop()]);
  redis?.disconnect();
});

const dishIds = (m: ServerMessage | undefined) => (m as SnapshotMessage).dishes.map((d) => d.id);
const snapshotOf = (c: WsClient | SseClient) => waitFor('a snapshot', () => c.messages.find((m) => m.type === 'snapshot'));

describe('isolation between restaurants', () => {
  it('a client of B never sees an event of A, nor one of A of B, on WS and SSE, while both flow; chat stays in its restaurant', async () => {
    const clients: Record<string, (WsClient | SseClient)[]> = {
      [A]: [new WsClient(`${ws.url}/${A}`), new SseClient(`${sse.url}/${A}`)],
      [B]: [new WsClient(`${ws.url}/${B}`), new SseClient(`${sse.url}/${B}`)],
    };
    // The paths without a restaurant serve default, which gets no event here.
    const home = [new WsClient(ws.url), new SseClient(sse.url)];
    const all = [...clients[A]!, ...clients[B]!, ...home];
    await Promise.all(all.map((c) => c.opened));
    for (const id of [A, B]) for (const c of clients[id]!) expect(dishIds(await snapshotOf(c))).toEqual([`${id}-dish`]);
    for (const c of home) expect(dishIds(await snapshotOf(c))).toEqual([]);

    const written: Record<string, string[]> = { [A]: [], [B]: [] };
    for (let i = 0; i < 40; i++) {
      for (const id of [A, B]) {
        await logs[id]!.updateDish(`${id}-dish`, { stock: 500_000 + i });
        written[id]!.push(await logs[id]!.lastId());
      }
    }
    // Chat over B's socket is B's event.
    (clients[B]![0] as WsClient).send({ op: 'chat', author: 'b-cook', text: 'only for B' });
    await waitFor('the chat in B’s log', async () => (await logs[B]!.lastId()) !== written[B]!.at(-1) || undefined);
    written[B]!.push(await logs[B]!.lastId());

    for (const id of [A, B]) {
      for (const c of clients[id]!) {
        await waitFor(`${id}: every event of its own`, () => events(c).length >= written[id]!.length, 10_000, () => events(c).length);
      }
    }
    // Anything foreign would have arrived by now, interleaved with the own events it was written between.
    await new Promise((r) => setTimeout(r, 300));
    for (const id of [A, B]) {
      for (const c of clients[id]!) {
        expect(events(c).map((e) => e.id), `${id} over ${c instanceof WsClient ? 'ws' : 'sse'}`).toEqual(written[id]);
      }
    }
    expect(events(clients[B]![1]!).at(-1)).toMatchObject({ type: 'chat.message', data: { author: 'b-cook', text: 'only for B' } });
    expect(events(clients[A]![0]!).some((e) => e.type === 'chat.message'), 'no chat of B in A').toBe(false);
    for (const c of home) expect(events(c)).toEqual([]);
    for (const c of all) c.close();
  });

  it('answers an unknown or malformed restaurant with 404 problem+json at the WS upgrade and the SSE request, before any data', async () => {
    for (const path of ['nowhere', 'Not_An_Id', 'a'.repeat(41)]) {
      const w = new RawWs(ws.port, `/ws/${path}`);
      await expect(w.opened).rejects.toThrow(/404/);
      expect(w.refused!.headers).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(w.refused!.body)).toMatchObject({ type: 'urn:dish-live:problem:restaurant-not-found', title: 'Restaurant not found', status: 404 });
      expect(w.count).toBe(0);
      const s = new RawSse(sse.port, `/sse/${path}`);
      await within('the 404', 5000, s.ended);
      expect(s.status).toBe(404);
      expect(s.head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(s.received)).toMatchObject({ type: 'urn:dish-live:problem:restaurant-not-found', status: 404 });
    }
    for (const g of [ws, sse]) expect(await metric(g, 'dish_live_disconnects_total', 'refused_unknown_restaurant')).toBe(3);
    // Refused before a load: nothing was loaded for them (A and B may still be live from the test before).
    for (const g of [ws, sse]) expect(await metric(g, 'dish_live_restaurant_loads_total')).toBeLessThanOrEqual(3);
  });
});

describe('read scope with subscription keys', () => {
  it('refuses a token for another restaurant with 403 on the WS upgrade and the SSE request', async () => {
    const forA = await sign({ restaurants: [A] });
    const w = new RawWs(wsAuth.port, `/ws/${B}?token=${forA}`);
    await expect(w.opened).rejects.toThrow(/403/);
    expect(JSON.parse(w.refused!.body)).toMatchObject({ type: 'urn:dish-live:problem:forbidden-restaurant', status: 403 });
    const s = new RawSse(sseAuth.port, `/sse/${B}`, { headers: { Authorization: `Bearer ${forA}` } });
    await within('the 403', 5000, s.ended);
    expect(s.status).toBe(403);
    expect(JSON.parse(s.received)).toMatchObject({ type: 'urn:dish-live:problem:forbidden-restaurant', status: 403 });
    // A first-wave token (no restaurants claim) reads default only.
    const firstWave = await sign({});
    const old = new RawWs(wsAuth.port, `/ws/${A}?token=${firstWave}`);
    await expect(old.opened).rejects.toThrow(/403/);
    const home = new WsClient(`${wsAuth.url}?token=${firstWave}`);
    expect((await snapshotOf(home)).type).toBe('snapshot');
    home.close();
    for (const g of [wsAuth, sseAuth]) expect(await metric(g, 'dish_live_disconnects_total', 'refused_forbidden_restaurant')).toBeGreaterThanOrEqual(1);
  });

  it('refuses no token with 401 (WS: the upgrade, then close 1008 at once, as for the first wave), before any data', async () => {
    const w = new RawWs(wsAuth.port, `/ws/${B}`);
    await w.opened;
    await within('the close', 5000, w.ended);
    expect(w.closeCode).toBe(CLOSE_CODES.policy);
    expect(w.closeReason).toMatch(/^unauthorized: /);
    expect(w.count).toBe(0);
    const s = new RawSse(sseAuth.port, `/sse/${B}`);
    await within('the 401', 5000, s.ended);
    expect(s.status).toBe(401);
    expect(s.received).not.toContain('event:');
  });

  it('serves a token naming the restaurant, or ["*"], on both transports', async () => {
    const forB = await sign({ restaurants: [B] });
    const star = await sign({ restaurants: ['*'] });
    const clients = [
      new WsClient(`${wsAuth.url}/${B}?token=${forB}`),
      new SseClient(`${sseAuth.url}/${B}`, { Authorization: `Bearer ${forB}` }),
      new WsClient(`${wsAuth.url}/${A}?token=${star}`),
      new SseClient(`${sseAuth.url}/${A}?token=${star}`),
      new WsClient(`${wsAuth.url}?token=${star}`),
    ];
    await Promise.all(clients.map((c) => c.opened));
    // A refused or failed SSE answer is named with its body, not left to time out waiting for a snapshot.
    for (const c of clients) if (c instanceof SseClient) expect({ status: c.status, body: c.body }).toEqual({ status: 200, body: '' });
    const snaps = await Promise.all(clients.map((c, i) => waitFor(`client ${i}'s snapshot`, () => c.messages.find((m) => m.type === 'snapshot'))));
    expect(snaps.map(dishIds)).toEqual([[`${B}-dish`], [`${B}-dish`], [`${A}-dish`], [`${A}-dish`], []]);
    // A hello re-authenticating with a token for another restaurant changes nothing.
    const wsB = clients[0] as WsClient;
    wsB.send({ op: 'hello', token: await sign({ restaurants: [A] }) });
    await waitFor('the refusal', () => wsB.messages.find((m) => m.type === 'error'));
    expect(wsB.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'unauthorized' });
    await logs[B]!.updateDish(`${B}-dish`, { stock: 7 });
    await waitFor('B’s event still flowing', () => events(wsB).length === 1);
    for (const c of clients) c.close();
  });
});
