import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DishEvent } from '@dish-live/protocol';
import { connect, type DishClient } from './connect.js';
import { nodeTransports } from './node.js';
import { closeOutcome } from './ws-transport.js';
import { startWsServer, waitFor, type WsConnection } from './servers.test-helpers.js';
import { chat, dish, FAST_BACKOFF, resumed, snapshot, updated } from './test-fixtures.test-helpers.js';

let server: Awaited<ReturnType<typeof startWsServer>>;
const clients: DishClient[] = [];

beforeAll(async () => {
  server = await startWsServer();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(async () => {
  await server.close();
});

function open(options: Partial<Parameters<typeof connect>[0]> = {}): DishClient {
  const client = connect({ transport: 'ws', url: server.url, backoff: FAST_BACKOFF, ...nodeTransports(), ...options });
  clients.push(client);
  return client;
}

const send = (connection: WsConnection, ...messages: unknown[]) => {
  for (const message of messages) connection.socket.send(JSON.stringify(message));
};

/** Collects the ids of the events a client emits. */
function eventIds(client: DishClient): string[] {
  const ids: string[] = [];
  client.on('event', (event: DishEvent) => ids.push(event.id));
  return ids;
}

describe('WebSocket client', () => {
  it("hands over a snapshot's chat, dropping entries that are not chat events", async () => {
    const client = open();
    const connection = await server.connections.next('a connection');
    const snap = waitFor(client, 'snapshot');
    const recent = chat('1-0', '0-0', 'table 4 is waiting');
    send(connection, { ...snapshot('1-0', []), chat: [recent, { type: 'chat.message', id: 'x' }] });
    expect((await snap)[0].chat).toEqual([recent]);
    expect(client.store.chat).toEqual([recent]);
  });

  it('applies a snapshot then the events after it, and goes live with the serving instance', async () => {
    const client = open({ maxRate: 20, categories: ['starters', 'mains'] });
    const ids = eventIds(client);
    const connection = await server.connections.next('the first connection');
    expect(connection.url.searchParams.get('since')).toBeNull();
    expect(connection.url.searchParams.get('maxRate')).toBe('20');
    expect(connection.url.searchParams.get('categories')).toBe('starters,mains');

    const live = waitFor(client, 'status', (s) => s.state === 'live');
    const snap = waitFor(client, 'snapshot');
    const second = waitFor(client, 'event', (e) => e.id === '3-0');
    send(connection, snapshot('1-0', [dish('a'), dish('b')], 'ws-A'), updated('2-0', '1-0', dish('a', { price: 1 })));
    send(connection, { type: 'dish.deleted', id: '3-0', prev: '2-0', ts: Date.now(), data: { id: 'b' } });

    expect((await live)[0]).toEqual({ state: 'live', transport: 'ws', instance: 'ws-A' });
    expect((await snap)[0].dishes).toHaveLength(2);
    await second;
    expect(ids).toEqual(['2-0', '3-0']);
    expect(client.store.list().map((d) => [d.id, d.price])).toEqual([['a', 1]]);
    expect(client.lastId).toBe('3-0');
    const stats = client.stats();
    expect(stats).toMatchObject({ events: 2, duplicates: 0, snapshots: 1, reconnects: 0 });
    expect(stats.count).toBe(2);
    expect(stats.bytes).toBeGreaterThan(100);
  });

  it('drops events whose id is not after the last id', async () => {
    const client = open();
    const ids = eventIds(client);
    const connection = await server.connections.next('a connection');
    const last = waitFor(client, 'event', (e) => e.id === '4-0');
    send(
      connection,
      snapshot('2-0', [dish('a')]),
      updated('2-0', '1-0', dish('a', { price: 11 })),
      updated('3-0', '2-0', dish('a', { price: 3 })),
      updated('3-0', '2-0', dish('a', { price: 33 })),
      updated('1-9', '1-8', dish('a', { price: 19 })),
      updated('4-0', '3-0', dish('a', { price: 4 })),
    );
    await last;
    expect(ids).toEqual(['3-0', '4-0']);
    expect(client.stats().duplicates).toBe(3);
    expect(client.store.dishes.get('a')?.price).toBe(4);
  });

  it('delivers the chat a conflated state carries as events and resumes from the state id', async () => {
    const client = open();
    const texts: string[] = [];
    client.on('event', (e) => e.type === 'chat.message' && texts.push(e.data.text));
    const connection = await server.connections.next('a connection');
    const state = waitFor(client, 'state');
    send(connection, snapshot('1-0', [dish('a')]), {
      type: 'state',
      id: '9-0',
      dishes: [dish('a', { stock: 0 })],
      chat: [chat('3-0', '1-0', 'hello'), chat('7-0', '3-0', 'again')],
    });
    await state;
    expect(texts).toEqual(['hello', 'again']);
    expect(client.lastId).toBe('9-0');
    expect(client.store.dishes.get('a')?.stock).toBe(0);
  });

  it('reconnects after a 1012 close and resumes with since = the last id, dropping what it already had', async () => {
    const client = open();
    const statuses: string[] = [];
    client.on('status', (s) => statuses.push(s.state));
    const ids = eventIds(client);
    const first = await server.connections.next('the first connection');
    const upTo3 = waitFor(client, 'event', (e) => e.id === '3-0');
    send(first, snapshot('1-0', [dish('a')], 'ws-A'), updated('2-0', '1-0', dish('a')), updated('3-0', '2-0', dish('a')));
    await upTo3;

    const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    first.socket.close(1012, 'restarting');
    const [status] = await reconnecting;
    expect(status.reason).toBe('restarting');
    expect(status.delayMs).toBeGreaterThanOrEqual(FAST_BACKOFF.initialMs / 2);
    expect(status.delayMs).toBeLessThanOrEqual(FAST_BACKOFF.initialMs);

    const second = await server.connections.next('the reconnection');
    expect(second.url.searchParams.get('since')).toBe('3-0');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    const upTo4 = waitFor(client, 'event', (e) => e.id === '4-0');
    send(second, resumed('3-0', 'ws-B'), updated('3-0', '2-0', dish('a')), updated('4-0', '3-0', dish('a', { price: 4 })));
    expect((await live)[0].instance).toBe('ws-B');
    await upTo4;
    expect(ids).toEqual(['2-0', '3-0', '4-0']);
    expect(statuses).toEqual(['live', 'reconnecting', 'connecting', 'live']);
    expect(client.stats()).toMatchObject({ reconnects: 1, duplicates: 1 });
  });

  it('resumes after a 4008 slow-consumer close and after the connection drops without a close frame', async () => {
    const client = open();
    const first = await server.connections.next('the first connection');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    send(first, snapshot('5-0', [dish('a')]));
    await live;
    first.socket.close(4008, 'too slow');
    const second = await server.connections.next('the reconnection after 4008');
    expect(second.url.searchParams.get('since')).toBe('5-0');
    const live2 = waitFor(client, 'status', (s) => s.state === 'live');
    send(second, resumed('5-0'), updated('6-0', '5-0', dish('a')));
    await live2;
    const abnormal = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    second.socket.terminate();
    expect((await abnormal)[0].reason).toMatch(/1006/);
    const third = await server.connections.next('the reconnection after 1006');
    expect(third.url.searchParams.get('since')).toBe('6-0');
  });

  it('grows the delay while the server keeps refusing, and starts over once a connection works', async () => {
    const client = open({ backoff: { initialMs: 10, maxMs: 1000, random: () => 0.999999 } });
    const delays: number[] = [];
    client.on('status', (s) => s.state === 'reconnecting' && delays.push(s.delayMs ?? -1));
    for (let i = 0; i < 3; i++) (await server.connections.next(`attempt ${i + 1}`)).socket.close(1012);
    const fourth = await server.connections.next('attempt 4');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    send(fourth, snapshot('1-0', []));
    await live;
    fourth.socket.close(1012);
    await server.connections.next('attempt 5');
    expect(delays).toEqual([10, 20, 40, 10]);
  });

  it('stops as refused on 1008, with the reason, when there is no getToken to renew', async () => {
    const client = open();
    const connection = await server.connections.next('a connection');
    const refused = waitFor(client, 'status', (s) => s.state === 'refused');
    connection.socket.close(1008, 'forbidden: origin not allowed');
    expect((await refused)[0]).toEqual({ state: 'refused', transport: 'ws', reason: 'forbidden: origin not allowed' });
    await expect(server.connections.next('no second attempt', 300)).rejects.toThrow(/timed out/);
    expect(client.stats().reconnects).toBe(0);
    expect(client.status.state).toBe('refused');
  });

  it('on 1008 renews the token once and retries; refused again, it stops as refused', async () => {
    let n = 0;
    const client = open({ getToken: () => `token-${++n}` });
    const first = await server.connections.next('the first connection');
    expect(first.url.searchParams.get('token')).toBe('token-1');
    first.socket.close(1008, 'unauthorized: token expired');
    const second = await server.connections.next('the retry with a renewed token');
    expect(second.url.searchParams.get('token')).toBe('token-2');
    const refused = waitFor(client, 'status', (s) => s.state === 'refused');
    second.socket.close(1008, 'unauthorized: invalid signature');
    expect((await refused)[0]).toMatchObject({ state: 'refused', reason: 'unauthorized: invalid signature' });
    await expect(server.connections.next('no third attempt', 300)).rejects.toThrow(/timed out/);
    expect(n).toBe(2);
  });

  it('after a live connection, a later 1008 gets its one renewal again', async () => {
    let n = 0;
    const client = open({ getToken: () => `token-${++n}` });
    const first = await server.connections.next('the first connection');
    first.socket.close(1008, 'unauthorized: token expired');
    const second = await server.connections.next('the renewed connection');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    send(second, snapshot('1-0', []));
    await live;
    second.socket.close(1008, 'unauthorized: token expired');
    const third = await server.connections.next('a renewal after being live');
    expect(third.url.searchParams.get('token')).toBe('token-3');
    expect(third.url.searchParams.get('since')).toBe('1-0');
  });

  it('asks getToken for every connect and reconnects with a new token after 4001', async () => {
    let n = 0;
    const client = open({ getToken: () => Promise.resolve(`token-${++n}`) });
    const first = await server.connections.next('the first connection');
    expect(first.url.searchParams.get('token')).toBe('token-1');
    first.socket.close(4001, 'token expired');
    const second = await server.connections.next('the reconnection');
    expect(second.url.searchParams.get('token')).toBe('token-2');
    expect(client.status.state).toBe('connecting');
  });

  it('goes offline on 4001 when there is no getToken', async () => {
    const client = open();
    const connection = await server.connections.next('a connection');
    const offline = waitFor(client, 'status', (s) => s.state === 'offline');
    connection.socket.close(4001, 'token expired');
    expect((await offline)[0].reason).toMatch(/token expired; no getToken/);
  });

  it('sends chat on the socket and surfaces error messages without dropping the connection', async () => {
    const client = open();
    const connection = await server.connections.next('a connection');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    send(connection, snapshot('1-0', []));
    await live;
    await client.sendChat('ann', 'two more <b>soups</b>');
    expect(await connection.frames.next('the chat frame')).toEqual({ op: 'chat', author: 'ann', text: 'two more <b>soups</b>' });
    const error = waitFor(client, 'error');
    send(connection, { type: 'error', code: 'rate_limited', message: 'slow down' });
    expect((await error)[0]).toEqual({ type: 'error', code: 'rate_limited', message: 'slow down' });
    expect(client.status.state).toBe('live');
  });

  it('stops for good on close(): the socket closes and no reconnect follows', async () => {
    const client = open();
    const connection = await server.connections.next('a connection');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    send(connection, snapshot('1-0', []));
    await live;
    const closedOnServer = new Promise<number>((resolve) => connection.socket.once('close', resolve));
    client.close();
    expect(await closedOnServer).toBe(1000);
    expect(client.status).toMatchObject({ state: 'offline', reason: 'closed by the client' });
    expect(client.stats().reconnects).toBe(0);
    await expect(client.sendChat('a', 'b')).rejects.toThrow(/closed/);
  });

  it('can be closed while still connecting, without an error and without a reconnect', async () => {
    const client = open();
    const connection = await server.connections.next('a connection');
    const closedOnServer = new Promise<number>((resolve) => connection.socket.once('close', resolve));
    client.close();
    expect(await closedOnServer).toBeGreaterThanOrEqual(1000);
    expect(client.stats().reconnects).toBe(0);
    expect(client.status.state).toBe('offline');
  });

  it('continues from a store handed over by another client, resuming with its last id', async () => {
    const first = open();
    const c1 = await server.connections.next('the first client');
    const got = waitFor(first, 'event', (e) => e.id === '2-0');
    send(c1, snapshot('1-0', [dish('a')]), updated('2-0', '1-0', dish('a', { price: 2 })));
    await got;
    first.close();
    const second = open({ store: first.store });
    const c2 = await server.connections.next('the second client');
    expect(c2.url.searchParams.get('since')).toBe('2-0');
    expect(second.store.dishes.get('a')?.price).toBe(2);
  });
});

describe('closeOutcome', () => {
  it('maps close codes to retry or stop', () => {
    expect(closeOutcome(1012, '', false)).toMatchObject({ retry: true, reason: 'server restarting (1012)' });
    expect(closeOutcome(4008, '', false).retry).toBe(true);
    expect(closeOutcome(1006, '', false).retry).toBe(true);
    expect(closeOutcome(1000, '', false).retry).toBe(true);
    expect(closeOutcome(1008, 'forbidden', true)).toMatchObject({ retry: false, refused: true, reason: 'forbidden' });
    expect(closeOutcome(4001, '', true).retry).toBe(true);
    expect(closeOutcome(4001, '', false).retry).toBe(false);
  });
});
