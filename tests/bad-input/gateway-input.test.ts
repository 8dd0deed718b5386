// Bad input of every kind gets an error message, a 4xx or the right close code, and never takes a gateway down.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { ErrorMessage, SnapshotMessage } from '@dish-live/protocol';
import { events, failedStart, SseClient, startGateway, testRedis, waitFor, WsClient, type Gateway } from '@dish-live/test-support';

const { url, prefix } = testRedis('gw-bad-input');
let redis: Redis;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  await log.createDish({ id: 'd', name: 'D', category: 'c', price: 100, stock: 10 });
  const env = { REDIS_URL: url, KEY_PREFIX: prefix, ALLOWED_ORIGINS: 'http://good.example,http://also.example' };
  [ws, sse] = await Promise.all([startGateway('ws', env), startGateway('sse', env)]);
});

afterAll(async () => {
  await Promise.all([ws?.stop(), sse?.stop()]);
  redis?.disconnect();
});

const errors = (c: WsClient) => c.messages.filter((m): m is ErrorMessage => m.type === 'error');

async function healthy(g: Gateway): Promise<void> {
  expect((await fetch(`http://127.0.0.1:${g.port}/healthz`)).status).toBe(200);
  expect(g.child.exitCode).toBeNull();
}

describe('websocket gateway, bad input', () => {
  it('answers malformed JSON, unknown ops, bad messages and binary frames with error messages and stays open', async () => {
    const c = new WsClient(ws.url);
    await c.opened;
    await waitFor('snapshot', () => c.messages[0]);
    c.send('{not json');
    c.send({ op: 'dance' });
    c.send('[1,2]');
    c.send({ op: 'hello', maxRate: 0 });
    c.send({ op: 'chat', author: '', text: 'hi' });
    c.send({ op: 'ping', t: 1, extra: true });
    c.ws.send(Buffer.from('{"op":"ping"}'), { binary: true });
    c.send({ op: 'ping', t: 42 });
    const pong = await waitFor('pong', () => c.messages.find((m) => m.type === 'pong'));
    expect(pong).toMatchObject({ type: 'pong', t: 42 });
    expect(errors(c).map((e) => e.code)).toEqual(['bad_json', 'unknown_op', 'bad_message', 'bad_message', 'bad_message', 'bad_message', 'bad_message']);
    expect(c.closed).toBe(false);
    c.close();
    await healthy(ws);
  });

  it('closes a frame over the limit with 1009, and survives one far over it', async () => {
    const c = new WsClient(ws.url);
    await c.opened;
    c.send({ op: 'chat', author: 'a', text: 'x'.repeat(20_000) });
    await waitFor('close', () => c.closed);
    expect(c.closeCode).toBe(1009);
    const d = new WsClient(ws.url);
    await d.opened;
    d.send('x'.repeat(200_000));
    await waitFor('close', () => d.closed);
    await healthy(ws);
  });

  it('answers bad query values with an error after the snapshot; an unusable since just gets the snapshot', async () => {
    const c = new WsClient(`${ws.url}?maxRate=abc`);
    await c.opened;
    await waitFor('snapshot and error', () => c.messages.length >= 2, 5000, () => c.messages);
    expect(c.messages[0]!.type).toBe('snapshot');
    expect(c.messages[1]).toMatchObject({ type: 'error', code: 'bad_message' });
    const d = new WsClient(`${ws.url}?since=${'1'.repeat(70)}`);
    await d.opened;
    await waitFor('snapshot', () => d.messages.length >= 1, 5000, () => d.messages);
    expect(d.messages[0]).toMatchObject({ type: 'snapshot', recovered: false });
    for (const x of [c, d]) x.close();
  });

  it('re-synchronizes on a later hello, answered like a connect', async () => {
    const c = new WsClient(ws.url);
    await c.opened;
    const snap = (await waitFor('snapshot', () => c.messages[0])) as SnapshotMessage;
    await log.updateDish('d', { stock: 9 });
    await waitFor('event', () => events(c).length === 1);
    c.send({ op: 'hello', since: snap.id });
    await waitFor('resumed + replay', () => c.messages.length >= 4);
    expect(c.messages[2]).toMatchObject({ type: 'resumed', id: snap.id, recovered: true });
    expect(c.messages[3]).toEqual(c.messages[1]);
    c.send({ op: 'hello', since: 'nonsense' });
    await waitFor('snapshot', () => c.messages.length >= 5);
    expect(c.messages[4]).toMatchObject({ type: 'snapshot', recovered: false });
    c.close();
  });

  it('writes chat through the log, rate-limited per connection', async () => {
    const c = new WsClient(ws.url);
    await c.opened;
    await waitFor('snapshot', () => c.messages[0]);
    for (let i = 0; i < 15; i++) c.send({ op: 'chat', author: 'guest', text: `hello ${i}` });
    const limited = () => errors(c).filter((e) => e.code === 'rate_limited').length;
    const chats = () => events(c).filter((e) => e.type === 'chat.message').length;
    // Every chat is answered: refused as rate_limited, or written to the log and back as an event.
    await waitFor('15 answers', () => limited() + chats() === 15, 10_000, () => ({ limited: limited(), chats: chats() }));
    expect(limited()).toBeGreaterThanOrEqual(1);
    expect(chats()).toBeGreaterThanOrEqual(10);
    c.close();
  });

  it('refuses an origin that is not allowed with 403 at upgrade', async () => {
    const bad = new WsClient(ws.url, { Origin: 'http://evil.example' });
    await expect(bad.opened).rejects.toThrow(/403/);
    const good = new WsClient(ws.url, { Origin: 'http://good.example' });
    await good.opened;
    good.close();
  });
});

describe('sse gateway, bad input', () => {
  it('answers bad query values with 400 problem+json naming the field', async () => {
    for (const [query, field] of [
      ['maxRate=abc', 'maxRate'],
      ['maxRate=0', 'maxRate'],
      [`categories=${Array.from({ length: 60 }, (_, i) => `c${i}`).join(',')}`, 'categories'],
    ] as const) {
      const c = new SseClient(`${sse.url}?${query}`);
      await c.opened;
      await waitFor('the body', () => c.closed, 5000, () => [c.status, c.body]);
      expect(c.status).toBe(400);
      expect(c.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(c.body)).toMatchObject({ status: 400, field });
    }
    await healthy(sse);
  });

  it('answers a bad Last-Event-ID or since with a snapshot, recovered: false', async () => {
    for (const c of [
      new SseClient(sse.url, { 'Last-Event-ID': 'not-an-id' }),
      new SseClient(sse.url, { 'Last-Event-ID': '1'.repeat(100) }),
      new SseClient(`${sse.url}?since=${'1'.repeat(70)}`),
    ]) {
      await c.opened;
      expect(c.status).toBe(200);
      const first = await waitFor('snapshot', () => c.messages[0]);
      expect(first).toMatchObject({ type: 'snapshot', recovered: false });
      c.close();
    }
  });

  it('applies CORS by ALLOWED_ORIGINS', async () => {
    const bad = new SseClient(sse.url, { Origin: 'http://evil.example' });
    await bad.opened;
    expect(bad.status).toBe(403);
    bad.close();
    const good = new SseClient(sse.url, { Origin: 'http://also.example' });
    await good.opened;
    expect(good.status).toBe(200);
    expect(good.headers['access-control-allow-origin']).toBe('http://also.example');
    good.close();
  });
});

describe('configuration', () => {
  for (const kind of ['ws', 'sse'] as const) {
    it(`${kind}-gateway refuses to start on a bad variable and names it`, async () => {
      const { code, output } = await failedStart(`${kind}-gateway`, { REDIS_URL: url, SOFT_LIMIT_BYTES: 'lots' });
      expect(code).toBe(1);
      expect(output).toContain('SOFT_LIMIT_BYTES');
    });
  }

  it('ws-gateway refuses to start on the uWebSockets.js JS fallback', async () => {
    const { code, output } = await failedStart('ws-gateway', { REDIS_URL: url, UWS_USE_FALLBACK: '1' });
    expect(code).toBe(1);
    expect(output).toMatch(/fallback/i);
  });
});
