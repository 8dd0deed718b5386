import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeSseMessage } from '@dish-live/protocol';
import { connect, type ConnectOptions, type DishClient } from './connect.js';
import { nodeTransports } from './node.js';
import { apiPath, streamUrl } from './restaurant-route.js';
import { json, openSse, startHttpServer, startWsServer, waitFor } from './servers.test-helpers.js';
import { dish, FAST_BACKOFF, snapshot } from './test-fixtures.test-helpers.js';

let http: Awaited<ReturnType<typeof startHttpServer>>;
let ws: Awaited<ReturnType<typeof startWsServer>>;
const clients: DishClient[] = [];

beforeAll(async () => {
  [http, ws] = await Promise.all([startHttpServer(), startWsServer()]);
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(async () => {
  await Promise.all([http.close(), ws.close()]);
});

function open(options: Partial<ConnectOptions> & Pick<ConnectOptions, 'transport' | 'url'>): DishClient {
  const client = connect({ backoff: FAST_BACKOFF, ...nodeTransports(), ...options });
  clients.push(client);
  return client;
}

const pollSnapshot = (id: string) => ({ recovered: false, snapshot: { id, dishes: [dish('a')], sales: { bucketMs: 1000, buckets: [] }, chat: [] } });

describe('a client of one restaurant', () => {
  it('opens a WebSocket at /ws/{rid}, with the subscription options still in the query', async () => {
    const client = open({ transport: 'ws', url: `${ws.url}?x=1`, restaurant: 'demo-noodles', maxRate: 20 });
    const connection = await ws.connections.next('the connection');
    expect(connection.url.pathname).toBe('/ws/demo-noodles');
    expect([connection.url.searchParams.get('x'), connection.url.searchParams.get('maxRate')]).toEqual(['1', '20']);
    expect(client.restaurant).toBe('demo-noodles');
    const live = waitFor(client, 'status', (s) => s.state === 'live');
    connection.socket.send(JSON.stringify(snapshot('1-0', [dish('a')])));
    await live;
  });

  it('reads SSE at /sse/{rid}, and resumes there after the stream ends', async () => {
    const client = open({ transport: 'sse', url: `${http.url}/sse/`, restaurant: 'demo-hotpot' });
    const first = await http.requests.next('the stream request');
    expect(first.url.pathname).toBe('/sse/demo-hotpot');
    openSse(first.res);
    const snap = waitFor(client, 'snapshot');
    first.res.write(encodeSseMessage(snapshot('4-0', [dish('a')])));
    await snap;
    first.res.end();
    const again = await http.requests.next('the reconnect');
    expect([again.url.pathname, again.url.searchParams.get('since')]).toEqual(['/sse/demo-hotpot', '4-0']);
    openSse(again.res);
  });

  it("polls /api/restaurants/{rid}/events and posts chat to the restaurant's /chat", async () => {
    const client = open({ transport: 'poll', url: http.url, restaurant: 'demo-dumplings', intervalMs: 600_000 });
    const poll = await http.requests.next('the first poll');
    expect(poll.url.pathname).toBe('/api/restaurants/demo-dumplings/events');
    const snap = waitFor(client, 'snapshot');
    json(poll.res, 200, pollSnapshot('1-0'));
    await snap;
    const sent = client.sendChat('cy', 'table 2');
    const post = await http.requests.next('the chat post');
    expect([post.req.method, post.url.pathname]).toEqual(['POST', '/api/restaurants/demo-dumplings/chat']);
    json(post.res, 201, {});
    await sent;
  });

  it("says an unknown restaurant's 404 in the server's words and stops, rather than polling a route that is not there", async () => {
    const client = open({ transport: 'poll', url: http.url, restaurant: 'nowhere' });
    const offline = waitFor(client, 'status', (s) => s.state === 'offline');
    const poll = await http.requests.next('the poll');
    poll.res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Restaurant not found', detail: 'no restaurant "nowhere"', status: 404 }));
    expect((await offline)[0].reason).toBe('no restaurant "nowhere" (404)');
  });

  it('without the option keeps the routes without a restaurant, which serve default', async () => {
    const client = open({ transport: 'poll', url: http.url, intervalMs: 600_000 });
    expect(client.restaurant).toBe('default');
    const poll = await http.requests.next('the poll');
    expect(poll.url.pathname).toBe('/api/events');
    json(poll.res, 200, pollSnapshot('1-0'));
    const sse = open({ transport: 'sse', url: `${http.url}/sse` });
    const stream = await http.requests.next('the stream');
    expect(stream.url.pathname).toBe('/sse');
    openSse(stream.res);
    sse.close();
  });

  it('refuses an id that is not a restaurant id at connect()', () => {
    for (const bad of ['Demo', '-x', 'a/b', '', 'a'.repeat(41), '../default']) {
      expect(() => connect({ transport: 'poll', url: http.url, restaurant: bad }), bad).toThrow(/not a restaurant id/);
    }
  });
});

describe('restaurant routes', () => {
  it('append the id to a gateway path, with or without its trailing slash, and keep the query', () => {
    expect(streamUrl('ws://h:1/ws', 'r1')).toBe('ws://h:1/ws/r1');
    expect(streamUrl('http://h/sse/?a=b', 'r1')).toBe('http://h/sse/r1?a=b');
    expect(streamUrl('http://h/sse', undefined)).toBe('http://h/sse');
    expect(apiPath('r1', '/events')).toBe('/api/restaurants/r1/events');
    expect(apiPath(undefined, '/events')).toBe('/api/events');
  });
});
