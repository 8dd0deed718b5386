import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Dish } from '@dish-live/protocol';
import { connect, type DishClient } from './connect.js';
import { stateDigest } from '@dish-live/protocol/wire';
import { nodeTransports } from './node.js';
import type { ResyncInfo } from './proof.js';
import { json, startHttpServer, startWsServer, waitFor, type WsConnection } from './servers.test-helpers.js';
import { dish, FAST_BACKOFF, resumed, snapshot, updated } from './test-fixtures.test-helpers.js';

let ws: Awaited<ReturnType<typeof startWsServer>>;
let http: Awaited<ReturnType<typeof startHttpServer>>;
const clients: DishClient[] = [];

beforeAll(async () => {
  [ws, http] = await Promise.all([startWsServer(), startHttpServer()]);
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(async () => {
  await Promise.all([ws.close(), http.close()]);
});

function open(options: Partial<Parameters<typeof connect>[0]> = {}): DishClient {
  const client = connect({ transport: 'ws', url: ws.url, backoff: FAST_BACKOFF, ...nodeTransports(), ...options });
  clients.push(client);
  return client;
}

const send = (connection: WsConnection, ...messages: unknown[]) => {
  for (const message of messages) connection.socket.send(JSON.stringify(message));
};

function resyncs(client: DishClient): ResyncInfo[] {
  const seen: ResyncInfo[] = [];
  client.on('resync', (info) => seen.push(info));
  return seen;
}

const a1 = dish('a');
const a2 = dish('a', { price: 5, version: 2 });
const a3 = dish('a', { price: 6, version: 3 });
const digestOf = (...dishes: Dish[]) => stateDigest(dishes);

describe('the client checks its chain', () => {
  it('counts each event whose link holds, and on a broken link resumes at once from the last id held', async () => {
    const client = open();
    const seen = resyncs(client);
    const first = await ws.connections.next('the first connection');
    const applied = waitFor(client, 'event', (e) => e.id === '2-0');
    send(first, { ...snapshot('1-0', [a1]), digest: digestOf(a1) }, updated('2-0', '1-0', a2));
    await applied;
    expect(client.stats()).toMatchObject({ verified: 1, gaps: 0, resyncs: 0 });

    // 3-0 was lost: 4-0 says it follows it.
    send(first, updated('4-0', '3-0', a3));
    const second = await ws.connections.next('the resync connection');
    expect(second.url.searchParams.get('since')).toBe('2-0');
    expect(client.store.dishes.get('a')).toEqual(a2);
    expect(seen).toEqual([expect.objectContaining({ reason: 'gap', from: '2-0', recovered: false })]);
    expect(seen[0]!.detail).toMatch(/4-0 follows 3-0.*2-0/);

    const back = waitFor(client, 'resync', (info) => info.recovered);
    const caught = waitFor(client, 'event', (e) => e.id === '4-0');
    send(second, { ...resumed('2-0'), digest: digestOf(a2) }, updated('3-0', '2-0', a2), updated('4-0', '3-0', a3));
    expect((await back)[0]).toMatchObject({ reason: 'gap', recovered: true, via: 'resumed' });
    await caught;
    expect(client.stats()).toMatchObject({ verified: 3, gaps: 1, resyncs: 1, events: 3 });
    expect(client.lastResync).toMatchObject({ recovered: true, via: 'resumed' });
  });

  it('takes a resume that starts elsewhere than its last id as a gap', async () => {
    const client = open({ since: '5-0' });
    const first = await ws.connections.next('the first connection');
    send(first, resumed('4-0'));
    const second = await ws.connections.next('the resync connection');
    expect(second.url.searchParams.get('since')).toBe('5-0');
    expect(client.stats()).toMatchObject({ gaps: 1, resyncs: 1 });
  });
});

describe('the client checks the digests it is given', () => {
  it('on a check that disagrees asks a fresh snapshot (no since), and is back once it agrees', async () => {
    const client = open();
    const seen = resyncs(client);
    const checked = waitFor(client, 'check');
    const first = await ws.connections.next('the first connection');
    send(first, { ...snapshot('1-0', [a1]), digest: digestOf(a1) }, updated('2-0', '1-0', a2), { type: 'check', id: '2-0', digest: digestOf(a2) });
    expect((await checked)[0]).toMatchObject({ id: '2-0' });
    // A check for another id than the one held says nothing about what is held: not compared.
    send(first, { type: 'check', id: '9-0', digest: '0000000000000000' }, { type: 'check', id: '2-0', digest: digestOf(a3) });
    const second = await ws.connections.next('the resync connection');
    expect(second.url.searchParams.get('since')).toBeNull();
    expect(seen[0]).toMatchObject({ reason: 'digest', recovered: false, from: '2-0' });
    expect(seen[0]!.detail).toMatch(/state at 2-0/);
    const back = waitFor(client, 'resync', (info) => info.recovered);
    send(second, { ...snapshot('3-0', [a3]), digest: digestOf(a3) });
    expect((await back)[0]).toMatchObject({ reason: 'digest', via: 'snapshot' });
    expect(client.stats()).toMatchObject({ verified: 1, gaps: 0, resyncs: 1, snapshots: 2 });
    expect(client.store.list()).toEqual([a3]);
  });

  it('checks a resumed digest against what it holds before the replay, and a state against the whole state', async () => {
    const b = dish('b', { category: 'drinks' });
    const client = open();
    const first = await ws.connections.next('the first connection');
    const got = waitFor(client, 'state');
    send(first, snapshot('1-0', [a1, b]), { type: 'state', id: '3-0', dishes: [a2], chat: [], digest: digestOf(a2, b) });
    await got;
    first.socket.close(1012, 'restarting');
    const second = await ws.connections.next('the reconnection');
    expect(second.url.searchParams.get('since')).toBe('3-0');
    // The state at 3-0 is a2 and b; a resume claiming otherwise means what is held is wrong.
    send(second, { ...resumed('3-0'), digest: digestOf(a2) });
    const third = await ws.connections.next('the resync connection');
    expect(third.url.searchParams.get('since')).toBeNull();
    expect(client.stats()).toMatchObject({ gaps: 0, resyncs: 1 });
  });

  it('backs off when the resync does not recover: a server that keeps disagreeing is not hammered', async () => {
    const client = open({ backoff: { initialMs: 200, maxMs: 400 } });
    const delays: number[] = [];
    client.on('status', (s) => {
      if (s.state === 'reconnecting' && s.delayMs !== undefined) delays.push(s.delayMs);
    });
    const first = await ws.connections.next('the first connection');
    send(first, { ...snapshot('1-0', [a1]), digest: digestOf(a2) });
    const second = await ws.connections.next('the first resync');
    send(second, { ...snapshot('1-0', [a1]), digest: digestOf(a2) });
    await ws.connections.next('the second resync');
    expect(delays[0]).toBe(0);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(client.stats().resyncs).toBe(2);
  });
});

describe('conflated states', () => {
  it('counts as verified the events a state stood for once a digest confirms it, its own or a later check', async () => {
    const b = dish('b', { category: 'drinks' });
    const client = open({ maxRate: 10 });
    const first = await ws.connections.next('the first connection');
    const states = (n: number) => new Promise<void>((resolve) => {
      let seen = 0;
      client.on('state', () => ++seen === n && resolve());
    });
    // a: version 1 → 3 (two events), b: new at version 1 (one), a chat line (one): four events.
    const twoStates = states(2);
    const chatLine = { type: 'chat.message' as const, id: '5-0', prev: '4-0', ts: 1, data: { author: 'ann', text: 'hi' } };
    send(first, snapshot('1-0', [a1]), { type: 'state', id: '5-0', dishes: [a3, b], chat: [chatLine] });
    // Unconfirmed until a digest agrees; a second state (a: 3 → 4) with its digest confirms both.
    const a4 = dish('a', { version: 4 });
    send(first, { type: 'state', id: '6-0', dishes: [a4], chat: [], digest: digestOf(a4, b) });
    await twoStates;
    expect(client.stats()).toMatchObject({ verified: 5, gaps: 0, resyncs: 0 });
    const checked = waitFor(client, 'check');
    const a6 = dish('a', { version: 6 });
    send(first, { type: 'state', id: '8-0', dishes: [a6], chat: [] }, { type: 'check', id: '8-0', digest: digestOf(a6, b) });
    await checked;
    expect(client.stats().verified).toBe(7);
  });
});

describe('polling', () => {
  it("checks an answer's digest at its last id, and asks a snapshot when it disagrees", async () => {
    const client = connect({ transport: 'poll', url: http.url, intervalMs: 20, backoff: FAST_BACKOFF });
    clients.push(client);
    const seen = resyncs(client);
    const poll = () => http.requests.next('a poll');
    json((await poll()).res, 200, { recovered: false, snapshot: { id: '1-0', dishes: [a1], digest: digestOf(a1) } });
    const second = await poll();
    expect(second.url.searchParams.get('since')).toBe('1-0');
    json(second.res, 200, { recovered: true, events: [updated('2-0', '1-0', a2)], last: '2-0', more: false, digest: digestOf(a2) });
    const third = await poll();
    expect(third.url.searchParams.get('since')).toBe('2-0');
    json(third.res, 200, { recovered: true, events: [], last: '2-0', more: false, digest: digestOf(a1) });
    const fourth = await poll();
    expect(fourth.url.searchParams.get('since')).toBeNull();
    expect(seen).toEqual([expect.objectContaining({ reason: 'digest', recovered: false })]);
    expect(client.stats()).toMatchObject({ verified: 1, gaps: 0, resyncs: 1 });
  });

  it('on a broken link in an answer polls again from the last id it verified, and is back once that answer resumes', async () => {
    const client = connect({ transport: 'poll', url: http.url, intervalMs: 20, backoff: FAST_BACKOFF });
    clients.push(client);
    const seen = resyncs(client);
    const poll = () => http.requests.next('a poll');
    json((await poll()).res, 200, { recovered: false, snapshot: { id: '1-0', dishes: [a1], digest: digestOf(a1) } });
    json((await poll()).res, 200, { recovered: true, events: [updated('3-0', '2-0', a3)], last: '3-0', more: false });
    const again = await poll();
    expect(again.url.searchParams.get('since')).toBe('1-0');
    json(again.res, 200, { recovered: true, events: [updated('2-0', '1-0', a2), updated('3-0', '2-0', a3)], last: '3-0', more: false, digest: digestOf(a3) });
    await poll();
    expect(seen.map((r) => [r.reason, r.recovered, r.via])).toEqual([['gap', false, undefined], ['gap', true, 'resumed']]);
    expect(client.stats()).toMatchObject({ verified: 2, gaps: 1, resyncs: 1 });
  });
});
