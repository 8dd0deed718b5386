import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DishClient } from './connect.js';
import { pollMessages } from './poll-transport.js';
import { json, startHttpServer, waitFor, type HttpExchange } from './servers.test-helpers.js';
import { chat, dish, FAST_BACKOFF, updated } from './test-fixtures.test-helpers.js';
import { utf8Length } from './transport.js';

let server: Awaited<ReturnType<typeof startHttpServer>>;
const clients: DishClient[] = [];

beforeAll(async () => {
  server = await startHttpServer();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(async () => {
  await server.close();
});

function open(options: Partial<Parameters<typeof connect>[0]> = {}): DishClient {
  const client = connect({ transport: 'poll', url: server.url, backoff: FAST_BACKOFF, ...options });
  clients.push(client);
  return client;
}

async function nextPoll(what: string): Promise<HttpExchange> {
  const exchange = await server.requests.next(what);
  expect(exchange.req.method).toBe('GET');
  expect(exchange.url.pathname).toBe('/api/events');
  return exchange;
}

const snapshotBody = (id: string) => ({ recovered: false, snapshot: { id, dishes: [dish('a')], sales: { bucketMs: 1000, buckets: [] } } });

describe('polling client', () => {
  it("shows a snapshot's chat after a reload, and takes a snapshot without chat (an older server) as none", async () => {
    const client = open({ intervalMs: 600_000 });
    const snap = waitFor(client, 'snapshot');
    const recent = [chat('1-0', '0-0', 'first'), chat('2-0', '1-0', 'second')];
    json((await nextPoll('the first poll')).res, 200, { recovered: false, snapshot: { ...snapshotBody('2-0').snapshot, chat: recent } });
    expect((await snap)[0].chat).toEqual(recent);
    expect(client.store.chat.map((c) => c.data.text)).toEqual(['first', 'second']);

    const old = open({ intervalMs: 600_000 });
    const oldSnap = waitFor(old, 'snapshot');
    json((await nextPoll('the old server')).res, 200, snapshotBody('2-0'));
    expect((await oldSnap)[0].chat).toEqual([]);
  });

  it('starts from a snapshot, then polls on the interval with since = the last id', async () => {
    const client = open({ intervalMs: 20 });
    const first = await nextPoll('the first poll');
    expect(first.url.searchParams.get('since')).toBeNull();
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    let bytes = utf8Length(json(first.res, 200, snapshotBody('1-0')));
    expect((await live)[0]).toEqual({ state: 'live', transport: 'poll' });
    expect(client.store.list().map((d) => d.id)).toEqual(['a']);

    const second = await nextPoll('the next poll');
    expect(second.url.searchParams.get('since')).toBe('1-0');
    const got = waitFor(client, 'event', (e) => e.id === '2-0');
    bytes += utf8Length(json(second.res, 200, { recovered: true, events: [updated('2-0', '1-0', dish('a', { price: 5 }))], last: '2-0', more: false }));
    await got;
    const third = await nextPoll('the poll after that');
    expect(third.url.searchParams.get('since')).toBe('2-0');
    expect(client.stats()).toMatchObject({ requests: 3, bytes, events: 1, snapshots: 1 });
  });

  it('follows more at once instead of waiting for the interval', async () => {
    // An interval far beyond the test timeout: only `more` can bring the second request.
    const client = open({ since: '1-0', intervalMs: 600_000 });
    const first = await nextPoll('the first poll');
    expect(first.url.searchParams.get('since')).toBe('1-0');
    json(first.res, 200, { recovered: true, events: [updated('2-0', '1-0', dish('a')), updated('3-0', '2-0', dish('a'))], last: '3-0', more: true });
    const second = await nextPoll('the poll that follows more');
    expect(second.url.searchParams.get('since')).toBe('3-0');
    const got = waitFor(client, 'event', (e) => e.id === '4-0');
    json(second.res, 200, { recovered: true, events: [updated('4-0', '3-0', dish('a', { price: 4 }))], last: '4-0', more: false });
    await got;
    expect(client.lastId).toBe('4-0');
    expect(client.stats().requests).toBe(2);
  });

  it('keeps polling through an empty answer and drops replayed duplicates', async () => {
    const client = open({ since: '5-0', intervalMs: 10 });
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    json((await nextPoll('poll 1')).res, 200, { recovered: true, events: [], last: '5-0', more: false });
    await live;
    const got = waitFor(client, 'event', (e) => e.id === '6-0');
    json((await nextPoll('poll 2')).res, 200, {
      recovered: true,
      events: [updated('5-0', '4-0', dish('a')), updated('6-0', '5-0', dish('a'))],
      last: '6-0',
      more: false,
    });
    await got;
    expect(client.stats().duplicates).toBe(1);
  });

  it('backs off after a failed poll and resumes from the last id', async () => {
    const client = open({ since: '7-0', intervalMs: 10 });
    const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    json((await nextPoll('the failing poll')).res, 503, { title: 'unavailable' });
    expect((await reconnecting)[0].reason).toMatch(/503/);
    const retry = await nextPoll('the retry');
    expect(retry.url.searchParams.get('since')).toBe('7-0');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    json(retry.res, 200, { recovered: true, events: [], last: '7-0', more: false });
    await live;
  });

  it('goes offline on a 400, which would answer the same again', async () => {
    const client = open({ since: '1-0' });
    const offline = waitFor(client, 'status', (s) => s.state === 'offline');
    json((await nextPoll('the poll')).res, 400, { title: 'bad limit' });
    expect((await offline)[0].reason).toMatch(/400/);
  });

  it('posts chat to {url}/api/chat, calling a given fetch the way a browser requires (not as a method)', async () => {
    // A browser's fetch throws "Illegal invocation" when called with any `this` but the window.
    const browserLikeFetch = function (this: unknown, input: string, init?: RequestInit) {
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
      return globalThis.fetch(input, init);
    };
    const client = open({ intervalMs: 600_000, fetch: browserLikeFetch });
    json((await nextPoll('the poll')).res, 200, snapshotBody('1-0'));
    const sent = client.sendChat('cy', 'hi');
    const post = await server.requests.next('the chat post');
    expect([post.req.method, post.url.pathname, JSON.parse(post.body)]).toEqual(['POST', '/api/chat', { author: 'cy', text: 'hi' }]);
    json(post.res, 201, {});
    await sent;
  });
});

describe('pollMessages', () => {
  it('turns a snapshot answer into a snapshot message and a recovered answer into its events', () => {
    const snapshot = { id: '1-0', dishes: [], sales: { bucketMs: 1000, buckets: [] }, chat: [] };
    expect(pollMessages({ recovered: false, snapshot })).toEqual([{ type: 'snapshot', recovered: false, ...snapshot }]);
    const event = updated('2-0', '1-0', dish('a'));
    expect(pollMessages({ recovered: true, events: [event], last: '2-0', more: false })).toEqual([event]);
  });
});
