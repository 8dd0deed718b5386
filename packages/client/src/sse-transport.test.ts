import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeSseFrame, encodeSseMessage, type ErrorMessage, type ServerMessage } from '@dish-live/protocol';
import { connect, type DishClient } from './connect.js';
import { nodeTransports } from './node.js';
import { json, openSse, startHttpServer, waitFor, type HttpExchange } from './servers.test-helpers.js';
import { dish, FAST_BACKOFF, resumed, snapshot, updated } from './test-fixtures.test-helpers.js';

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
  const client = connect({ transport: 'sse', url: `${server.url}/sse`, backoff: FAST_BACKOFF, ...nodeTransports(), ...options });
  clients.push(client);
  return client;
}

async function nextStream(what: string): Promise<HttpExchange> {
  const exchange = await server.requests.next(what);
  expect(exchange.url.pathname).toBe('/sse');
  openSse(exchange.res);
  return exchange;
}

/** The frame an SSE gateway sends at a subscription token's expiry, right before it ends the stream. */
const TOKEN_EXPIRED: ErrorMessage = { type: 'error', code: 'unauthorized', message: 'token expired: reconnect with a new token' };

const write = (exchange: HttpExchange, ...messages: ServerMessage[]) => {
  for (const message of messages) exchange.res.write(encodeSseMessage(message));
};

describe('SSE client', () => {
  it('applies a snapshot then events, with the options in the query', async () => {
    const client = open({ maxRate: 5, categories: ['drinks'] });
    const stream = await nextStream('the stream request');
    expect(stream.url.searchParams.get('since')).toBeNull();
    expect(stream.url.searchParams.get('maxRate')).toBe('5');
    expect(stream.url.searchParams.get('categories')).toBe('drinks');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    const last = waitFor(client, 'event', (e) => e.id === '3-0');
    // The filter's dishes: one outside it would not be held (a move out of the filter drops it).
    write(stream, snapshot('1-0', [dish('a', { category: 'drinks' })], 'sse-A'), updated('2-0', '1-0', dish('a', { category: 'drinks', price: 2 })));
    // A heartbeat comment and a frame split mid-line change nothing.
    stream.res.write(': 1700000000000\n\n');
    const frame = encodeSseMessage(updated('3-0', '2-0', dish('a', { category: 'drinks', price: 3 })));
    stream.res.write(frame.slice(0, 20));
    stream.res.write(frame.slice(20));
    expect((await live)[0]).toEqual({ state: 'live', transport: 'sse', instance: 'sse-A' });
    await last;
    expect(client.store.dishes.get('a')?.price).toBe(3);
    expect(client.stats()).toMatchObject({ events: 2, snapshots: 1 });
  });

  it('reconnects itself when the stream ends, sending our last id as since', async () => {
    const before = server.requests.count;
    const client = open({ since: '1-0' });
    const first = await nextStream('the first stream');
    expect(first.url.searchParams.get('since')).toBe('1-0');
    const got = waitFor(client, 'event', (e) => e.id === '3-0');
    write(first, resumed('1-0', 'sse-A'), updated('2-0', '1-0', dish('a')));
    // An event framed without an id line: EventSource's own Last-Event-ID would stay at 2-0; ours moves on.
    first.res.write(encodeSseFrame({ event: 'dish.updated', data: JSON.stringify(updated('3-0', '2-0', dish('a', { price: 3 }))) }));
    await got;

    const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    // The server asks EventSource to wait 5 s; the client's own backoff reconnects long before.
    first.res.end(encodeSseFrame({ retry: 5000 }));
    const endedAt = Date.now();
    await reconnecting;
    const second = await nextStream('the reconnection');
    expect(Date.now() - endedAt).toBeLessThan(2500);
    expect(second.url.searchParams.get('since')).toBe('3-0');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    const ids: string[] = [];
    client.on('event', (e) => ids.push(e.id));
    const four = waitFor(client, 'event', (e) => e.id === '4-0');
    write(second, resumed('3-0', 'sse-B'), updated('3-0', '2-0', dish('a')), updated('4-0', '3-0', dish('a')));
    expect((await live)[0].instance).toBe('sse-B');
    await four;
    expect(ids).toEqual(['4-0']);
    expect(client.stats()).toMatchObject({ reconnects: 1, duplicates: 1 });
    expect(server.requests.count - before).toBe(2);
  });

  it('retries a 503 with backoff and stops on a 400', async () => {
    const client = open();
    const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    json((await server.requests.next('the first request')).res, 503, { title: 'not ready' });
    expect((await reconnecting)[0].reason).toMatch(/503/);
    const offline = waitFor(client, 'status', (s) => s.state === 'offline');
    json((await server.requests.next('the retry')).res, 400, { title: 'bad maxRate' });
    expect((await offline)[0].reason).toMatch(/400/);
  });

  it('asks getToken for every connect and, when the stream ends at token expiry, reconnects with a new one and since', async () => {
    let n = 0;
    const client = open({ getToken: () => Promise.resolve(`token-${++n}`) });
    const first = await nextStream('the first stream');
    expect(first.url.searchParams.get('token')).toBe('token-1');
    expect(first.url.searchParams.get('since')).toBeNull();
    const got = waitFor(client, 'event', (e) => e.id === '2-0');
    write(first, snapshot('1-0', [dish('a')]), updated('2-0', '1-0', dish('a', { price: 2 })));
    await got;
    const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    // What the gateway does at the token's exp: an `unauthorized` error message, then the end of the stream.
    first.res.end(encodeSseMessage(TOKEN_EXPIRED));
    expect((await reconnecting)[0].reason).toBe(TOKEN_EXPIRED.message);
    const second = await nextStream('the reconnection');
    expect(second.url.searchParams.get('token')).toBe('token-2');
    expect(second.url.searchParams.get('since')).toBe('2-0');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    write(second, resumed('2-0', 'sse-B'));
    await live;
    expect(client.stats()).toMatchObject({ reconnects: 1, snapshots: 1 });
  });

  it('retries a 401 on connect with a new token from getToken', async () => {
    let n = 0;
    const client = open({ getToken: () => `token-${++n}` });
    const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
    const refused = await server.requests.next('the first request');
    expect(refused.url.searchParams.get('token')).toBe('token-1');
    json(refused.res, 401, { title: 'Unauthorized', detail: 'token expired', code: 'unauthorized' });
    expect((await reconnecting)[0].reason).toMatch(/401/);
    const second = await nextStream('the retry');
    expect(second.url.searchParams.get('token')).toBe('token-2');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    write(second, snapshot('1-0', []));
    await live;
  });

  it('goes offline at token expiry, or on a 401, when there is no getToken', async () => {
    const expiring = open({ url: `${server.url}/sse?token=fixed` });
    const stream = await nextStream('the stream');
    expect(stream.url.searchParams.get('token')).toBe('fixed');
    write(stream, snapshot('1-0', []));
    const offline = waitFor(expiring, 'status', (s) => s.state === 'offline');
    stream.res.end(encodeSseMessage(TOKEN_EXPIRED));
    expect((await offline)[0].reason).toBe(`${TOKEN_EXPIRED.message}; no getToken to renew it`);
    expect(expiring.stats().reconnects).toBe(0);

    const refused = open();
    const refusedState = waitFor(refused, 'status', (s) => s.state === 'refused');
    json((await server.requests.next('the refused request')).res, 401, { title: 'Unauthorized', code: 'unauthorized' });
    expect((await refusedState)[0].reason).toMatch(/401/);
    expect(refused.stats().reconnects).toBe(0);
  });

  describe("with a browser's EventSource, which fails a 401/403 without saying the status", () => {
    /** What Chromium does with a non-200 answer: readyState CLOSED and an `error` event without data or code. */
    class BrowserLikeEventSource {
      readyState = 0;
      readonly #listeners = new Map<string, ((event: object) => void)[]>();
      constructor(readonly url: string) {
        void fetch(url).then(async (res) => {
          if (res.ok) return;
          await res.body?.cancel();
          this.readyState = 2;
          for (const listener of this.#listeners.get('error') ?? []) listener({});
        }, () => undefined); // a request left open when the test server closes: nothing to report
      }
      addEventListener(type: string, listener: (event: object) => void): void {
        this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
      }
      close(): void {
        this.readyState = 2;
      }
    }
    const openBrowserLike = (options: Partial<Parameters<typeof connect>[0]> = {}) => open({ EventSource: BrowserLikeEventSource, ...options });

    /** The refused request, then the client's probe of the same URL; both answered with `status` and `detail`. */
    async function refuse(status: number, detail: string): Promise<URL> {
      const first = await server.requests.next('the EventSource request');
      json(first.res, status, { type: 'about:blank', title: 'Refused', status, detail });
      const probe = await server.requests.next("the client's probe of the same URL");
      expect(probe.url.toString()).toBe(first.url.toString());
      json(probe.res, status, { type: 'about:blank', title: 'Refused', status, detail });
      return probe.url;
    }

    it('reads the status and detail once with fetch and stops as refused (401 and 403)', async () => {
      for (const status of [401, 403]) {
        const client = openBrowserLike();
        const refused = waitFor(client, 'status', (s) => s.state === 'refused');
        await refuse(status, `no access to restaurant default`);
        expect((await refused)[0]).toEqual({ state: 'refused', transport: 'sse', reason: `no access to restaurant default (${status})` });
        await expect(server.requests.next('no further request', 300)).rejects.toThrow(/timed out/);
        expect(client.stats().reconnects).toBe(0);
      }
    });

    it('with getToken, renews once before it gives up', async () => {
      let n = 0;
      const client = openBrowserLike({ getToken: () => `token-${++n}` });
      expect((await refuse(401, 'token expired')).searchParams.get('token')).toBe('token-1');
      const refused = waitFor(client, 'status', (s) => s.state === 'refused');
      expect((await refuse(401, 'invalid token')).searchParams.get('token')).toBe('token-2');
      expect((await refused)[0].reason).toBe('invalid token (401)');
      await expect(server.requests.next('no further request', 300)).rejects.toThrow(/timed out/);
    });

    it('keeps backing off on other statuses', async () => {
      const client = openBrowserLike();
      const reconnecting = waitFor(client, 'status', (s) => s.state === 'reconnecting');
      await refuse(503, 'not ready');
      expect((await reconnecting)[0].reason).toBe('not ready (503)');
      await server.requests.next('the retry after backoff');
    });
  });

  it('tells a gateway error message from a connection error', async () => {
    const client = open();
    const stream = await nextStream('the stream');
    const error = waitFor(client, 'error');
    write(stream, snapshot('1-0', []), { type: 'error', code: 'bad_since', message: 'ignored' });
    expect((await error)[0].code).toBe('bad_since');
    expect(client.status.state).toBe('live');
    expect(client.stats().reconnects).toBe(0);
  });

  it('posts chat to the dish service', async () => {
    const client = open({ apiUrl: `${server.url}/` });
    await nextStream('the stream');
    const sent = client.sendChat('bo', 'table 4 wants <i>more</i> bread');
    const post = await server.requests.next('the chat post');
    expect(post.req.method).toBe('POST');
    expect(post.url.pathname).toBe('/api/chat');
    expect(post.req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({ author: 'bo', text: 'table 4 wants <i>more</i> bread' });
    json(post.res, 201, { ok: true });
    await sent;
    const failed = client.sendChat('bo', '');
    json((await server.requests.next('the bad chat post')).res, 400, { title: 'text too short' });
    await expect(failed).rejects.toThrow(/400/);
  });
});
