// Proof (issue 16): the digest on every snapshot, resumed, state, check and polling answer of the real gateways and dish
// service equals the contract's formula, computed here on its own (node:crypto) over the state the dish service's
// snapshot route read at that id — with and without a category filter, over WebSocket and SSE.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, type RedisClient } from '@dish-live/broker';
import type { CheckMessage, Dish, PollResponse, ResumedMessage, ServerMessage, SnapshotMessage } from '@dish-live/protocol';
import {
  events, SseClient, startDish, startGateway, testRedis, waitFor, WsClient, type Gateway, type Received, type ServiceProcess,
} from '@dish-live/test-support';

const { env: redisEnv, prefix, durability, connect: connectRedis } = testRedis('proof-digest');
let redis: RedisClient;
let log: EventLog;
let dish: ServiceProcess;
/** RING_SIZE 3: its resumes roll back through events read from Redis. */
let ws: Gateway;
/** The default ring: its resumes roll back through memory. */
let sse: Gateway;

const FILTERS = { all: undefined, soup: ['soup'], grill: ['grill'] } as const;
type Filter = keyof typeof FILTERS;

/** The contract's digest, written here on its own: SHA-256 over sorted `<id>:<version>` lines, first 16 hex. */
function formula(dishes: readonly Pick<Dish, 'id' | 'version' | 'category'>[], filter: Filter): string {
  const categories: readonly string[] | undefined = FILTERS[filter];
  const lines = dishes
    .filter((d) => !categories || categories.includes(d.category))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((d) => `${d.id}:${d.version}`);
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex').slice(0, 16);
}

/** Every filter's digest by id, as the dish service's snapshot route answered it after each write. */
const recorded = new Map<string, Record<Filter, string>>();
async function record(): Promise<string> {
  const res = await fetch(`${dish.url}/api/snapshot`);
  expect(res.status).toBe(200);
  const { id, dishes } = (await res.json()) as { id: string; dishes: Dish[] };
  recorded.set(id, { all: formula(dishes, 'all'), soup: formula(dishes, 'soup'), grill: formula(dishes, 'grill') });
  return id;
}

/** The recorded digest at `id`: a test comparing against an id it never recorded fails here, not vacuously. */
function at(id: string, filter: Filter): string {
  const digests = recorded.get(id);
  if (!digests) throw new Error(`no state recorded at ${id}`);
  return digests[filter];
}

beforeAll(async () => {
  redis = connectRedis();
  log = new EventLog(redis, { prefix, durability });
  for (const [id, category] of [['a', 'soup'], ['b', 'soup'], ['c', 'grill'], ['d', 'grill']] as const) {
    await log.createDish({ id, name: id.toUpperCase(), category, price: 100, stock: 1000 });
  }
  const env = { ...redisEnv, KEY_PREFIX: prefix };
  [dish, ws, sse] = await Promise.all([
    startDish({ ...env, DISH_API_TOKENS: 'proof-digest-token' }),
    startGateway('ws', { ...env, RING_SIZE: '3' }),
    startGateway('sse', env),
  ]);
  await record();
}, 60_000);

afterAll(async () => {
  await Promise.all([dish, ws, sse].map((p) => p?.stop()));
  redis?.disconnect();
});

type Client = Received & { opened: Promise<void>; close(): void };
function open(g: Gateway, filter: Filter, options: { since?: string; maxRate?: number } = {}): Client {
  const query = new URLSearchParams();
  const categories = FILTERS[filter];
  if (categories) query.set('categories', categories.join(','));
  if (options.maxRate) query.set('maxRate', String(options.maxRate));
  if (options.since && g.kind === 'ws') query.set('since', options.since);
  const url = `${g.url}${query.size ? `?${query}` : ''}`;
  return g.kind === 'ws' ? new WsClient(url) : new SseClient(url, options.since ? { 'Last-Event-ID': options.since } : {});
}

const ofType = <T extends ServerMessage['type']>(r: Received, type: T) =>
  r.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);

/** Creates, updates, sales, a category move and a delete, each recorded: the ids after each. */
async function busyHistory(tag: string): Promise<string[]> {
  const ids: string[] = [];
  const step = async (write: () => Promise<unknown>) => {
    await write();
    ids.push(await record());
  };
  await step(() => log.createDish({ id: `${tag}x`, name: 'X', category: 'soup', price: 100, stock: 50 }));
  await step(() => log.applyOrder(`${tag}o1`, [{ dishId: 'a', qty: 1 }, { dishId: 'c', qty: 2 }]));
  await step(() => log.updateDish('b', { price: 250 }));
  await step(() => log.updateDish(`${tag}x`, { category: 'grill' }));
  await step(() => log.createDish({ id: `${tag}y`, name: 'Y', category: 'grill', price: 100, stock: 50 }));
  await step(() => log.applyOrder(`${tag}o2`, [{ dishId: `${tag}y`, qty: 1 }]));
  await step(() => log.deleteDish(`${tag}x`));
  await step(() => log.updateDish('d', { stock: 900 }));
  return ids;
}

const gateways = () => [ws, sse];

describe('proof digests', () => {
  it('a snapshot carries the digest of the state at its id, per filter, on WS and SSE', async () => {
    for (const g of gateways()) {
      for (const filter of Object.keys(FILTERS) as Filter[]) {
        const client = open(g, filter);
        const snap = (await waitFor(`${g.kind} ${filter} snapshot`, () => client.messages[0])) as SnapshotMessage;
        client.close();
        expect(snap.type).toBe('snapshot');
        expect(snap.digest, `${g.kind} ${filter}`).toBe(at(snap.id, filter));
      }
    }
  });

  it('a resume from several events back carries the digest of the state at since, before the replay', async () => {
    const since = await record();
    const ids = await busyHistory('r');
    const head = ids.at(-1)!;
    await waitFor('both gateways at the head', async () => {
      const clients = gateways().map((g) => open(g, 'all'));
      const ok = await Promise.all(clients.map((c) => waitFor('snapshot', () => c.messages[0]).then((m) => (m as SnapshotMessage).id === head)));
      for (const c of clients) c.close();
      return ok.every(Boolean);
    });
    for (const g of gateways()) {
      // From before the whole run, and from the middle of it (after the category move, before the delete).
      for (const from of [since, ids[3]!]) {
        for (const filter of Object.keys(FILTERS) as Filter[]) {
          const client = open(g, filter, { since: from });
          const first = (await waitFor(`${g.kind} ${filter} resumed`, () => client.messages[0])) as ResumedMessage;
          await waitFor(`${g.kind} ${filter} replay`, () => events(client).length > 0 || filter !== 'all');
          client.close();
          expect(first, `${g.kind} ${filter} from ${from}`).toMatchObject({ type: 'resumed', id: from, digest: at(from, filter) });
        }
      }
    }
  });

  it('conflated clients (maxRate) get state messages whose digest is the state at their id', async () => {
    const clients = gateways().flatMap((g) => (['all', 'soup'] as const).map((filter) => ({ g, filter, client: open(g, filter, { maxRate: 2 }) })));
    await waitFor('every snapshot', () => clients.every(({ client }) => client.messages.length > 0));
    // Soup dishes only, so every client's last state covers the last event.
    let last = '';
    for (let i = 0; i < 10; i++) {
      await log.updateDish(i % 2 ? 'a' : 'b', { stock: 700 + i });
      last = await record();
    }
    for (const { g, filter, client } of clients) {
      const states = await waitFor(`${g.kind} ${filter} states up to the last event`, () => {
        const s = ofType(client, 'state');
        return s.at(-1)?.id === last && s;
      }, 10_000, () => ofType(client, 'state').map((s) => s.id));
      client.close();
      expect(states.length).toBeGreaterThan(0);
      for (const state of states) {
        expect(state.digest, `${g.kind} ${filter} state ${state.id}`).toBe(at(state.id, filter));
      }
    }
  });

  it('polling answers carry the digest of the state at last, and its snapshot the digest of its dishes', async () => {
    const since = await record();
    const ids = await busyHistory('p');
    const head = ids.at(-1)!;
    const poll = async (query: string, path = '/api/events') => (await (await fetch(`${dish.url}${path}${query}`)).json()) as PollResponse;
    const answer = await poll(`?since=${since}`);
    expect(answer).toMatchObject({ recovered: true, last: head, more: false, digest: at(head, 'all') });
    expect(await poll(`?since=${head}`)).toMatchObject({ recovered: true, events: [], last: head, digest: at(head, 'all') });
    // The restaurant form of the route answers the same.
    expect(await poll(`?since=${since}`, '/api/restaurants/default/events')).toMatchObject({ last: head, digest: at(head, 'all') });
    const snapshot = await poll('');
    if (snapshot.recovered) throw new Error('expected a snapshot');
    expect(snapshot.snapshot.digest).toBe(at(snapshot.snapshot.id, 'all'));
  });

  it('a check arrives within ~10 s after events, at the last id the client got, equal to the formula', async () => {
    const clients = gateways().flatMap((g) => (Object.keys(FILTERS) as Filter[]).map((filter) => ({ g, filter, client: open(g, filter) })));
    await waitFor('every snapshot', () => clients.every(({ client }) => client.messages.length > 0));
    await log.updateDish('a', { stock: 600 });
    await record();
    await log.updateDish('c', { stock: 600 });
    await record();
    for (const { g, filter, client } of clients) {
      const check: CheckMessage = await waitFor(`${g.kind} ${filter} check`, () => ofType(client, 'check')[0], 12_000);
      const got = events(client);
      expect(check.id, `${g.kind} ${filter}`).toBe(got.at(-1)!.id);
      expect(check.digest, `${g.kind} ${filter}`).toBe(at(check.id, filter));
      client.close();
    }
  }, 30_000);
});
