// The client against a fake gateway that lies once: a lost event (a broken `prev`), a `check` whose digest is wrong, a
// corrupted event caught by a true check. Each time the client resyncs by itself, counts it, and ends equal to the log,
// which the fake serves honestly from then on. WebSocket and SSE, with and without a category filter.
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connect, type DishClient, type ResyncInfo } from '@dish-live/client';
import { nodeTransports } from '@dish-live/client/node';
import type { Dish, DishEvent } from '@dish-live/protocol';
import { waitFor } from '@dish-live/test-support';

type Fault = 'gap' | 'bad-check' | 'corrupt';
const CATEGORIES = ['mains', 'drinks'];
const N = 40;
/** Where the first connection's snapshot stands; later snapshots are of the whole log. */
const FIRST_SNAPSHOT = 6;

/** The true log: four dishes created, then updates and sales, a prev chain from 0-0. */
function trueLog(): DishEvent[] {
  const dishes = new Map<string, Dish>();
  const events: DishEvent[] = [];
  for (let i = 0; i < N; i++) {
    const key = `d${i % 4}`;
    const before = dishes.get(key);
    const dish: Dish = before
      ? { ...before, stock: before.stock - 1, sold: before.sold + 1, version: before.version + 1, updatedAt: 1_000 + i }
      : { id: key, name: `Dish ${key}`, category: CATEGORIES[i % 2]!, price: 900 + i, stock: 50, sold: 0, version: 1, updatedAt: 1_000 + i };
    dishes.set(key, dish);
    const id = `${1_000 + i}-0`;
    const prev = i === 0 ? '0-0' : `${999 + i}-0`;
    events.push(before ? { type: 'dish.sold', id, prev, ts: Date.now(), data: { dish, qty: 1, orderId: `o${i}` } } : { type: 'dish.created', id, prev, ts: Date.now(), data: { dish } });
  }
  return events;
}

const LOG = trueLog();
const passes = (event: DishEvent, categories: string[] | undefined) =>
  !categories || event.type === 'chat.message' || event.type === 'dish.deleted' || categories.includes(event.data.dish.category);

/** The dishes a client with `categories` holds after the first `count` events; its digest, computed here from the formula. */
function stateAfter(count: number, categories: string[] | undefined): Dish[] {
  const dishes = new Map<string, Dish>();
  for (const event of LOG.slice(0, count)) if (event.type !== 'chat.message' && event.type !== 'dish.deleted') dishes.set(event.data.dish.id, event.data.dish);
  return [...dishes.values()].filter((d) => !categories || categories.includes(d.category)).sort((a, b) => (a.id < b.id ? -1 : 1));
}
const digest = (dishes: Dish[]) => createHash('sha256').update(dishes.map((d) => `${d.id}:${d.version}`).join('\n')).digest('hex').slice(0, 16);

/** What one connection is sent: honest, or with the fault, its chain per filter as a gateway rewrites it. */
function messages(since: string | null, categories: string[] | undefined, fault: Fault | undefined): unknown[] {
  const at = since === null ? -1 : LOG.findIndex((e) => e.id === since) + 1;
  const start = at > 0 ? at : fault ? FIRST_SNAPSHOT : N;
  const out: unknown[] = [];
  if (at > 0) out.push({ type: 'resumed', id: since, recovered: true, instance: 'fake', digest: digest(stateAfter(start, categories)) });
  else {
    const dishes = stateAfter(start, categories);
    out.push({ type: 'snapshot', id: LOG[start - 1]!.id, dishes, sales: { bucketMs: 1000, buckets: [] }, chat: [], recovered: false, instance: 'fake', digest: digest(dishes) });
  }
  let chainEnd = LOG[start - 1]!.id;
  const sent = LOG.slice(start).filter((e) => passes(e, categories));
  sent.forEach((event, i) => {
    const rewritten: DishEvent = { ...event, prev: chainEnd };
    chainEnd = event.id;
    if (fault === 'gap' && i === 5) return; // lost on the way: the next one names it as its prev
    // The last change of a dish, so no later event mends it.
    if (fault === 'corrupt' && i === sent.length - 1 && rewritten.type === 'dish.sold') rewritten.data = { ...rewritten.data, dish: { ...rewritten.data.dish, version: 999 } };
    out.push(rewritten);
  });
  const held = stateAfter(N, categories);
  if (fault === 'bad-check') out.push({ type: 'check', id: chainEnd, digest: 'deadbeefdeadbeef' });
  else out.push({ type: 'check', id: chainEnd, digest: digest(held) });
  return out;
}

interface Fake {
  url: string;
  /** `since` of each connection, in order (null: none). */
  connections: (string | null)[];
  close(): Promise<void>;
}

/** A gateway that answers each connection with messages(), the fault on the first one only. */
async function fakeGateway(kind: 'ws' | 'sse', fault: Fault): Promise<Fake> {
  const connections: (string | null)[] = [];
  const answer = (url: URL) => {
    const since = url.searchParams.get('since');
    const categories = url.searchParams.get('categories')?.split(',');
    connections.push(since);
    return messages(since, categories, connections.length === 1 ? fault : undefined);
  };
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    open.add(res);
    res.on('close', () => open.delete(res));
    for (const m of answer(new URL(req.url ?? '/', 'http://fake')) as { type: string; id?: string }[]) {
      res.write(`event: ${m.type}\n${m.id ? `id: ${m.id}\n` : ''}data: ${JSON.stringify(m)}\n\n`);
    }
  });
  const wss = kind === 'ws' ? new WebSocketServer({ server }) : undefined;
  wss?.on('connection', (socket, req) => {
    for (const m of answer(new URL(req.url ?? '/', 'http://fake'))) socket.send(JSON.stringify(m));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${kind === 'ws' ? 'ws' : 'http'}://127.0.0.1:${port}/${kind}`,
    connections,
    close: async () => {
      for (const client of wss?.clients ?? []) client.terminate();
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function run(kind: 'ws' | 'sse', fault: Fault, categories?: string[]): Promise<{ client: DishClient; fake: Fake; resyncs: ResyncInfo[] }> {
  const fake = await fakeGateway(kind, fault);
  cleanup.push(() => fake.close());
  const client = connect({ transport: kind, url: fake.url, ...nodeTransports(), backoff: { initialMs: 20, maxMs: 80 }, ...(categories ? { categories } : {}) });
  cleanup.push(() => client.close());
  const resyncs: ResyncInfo[] = [];
  client.on('resync', (info) => resyncs.push(info));
  const checked = new Promise<void>((resolve) => client.on('check', () => resolve()));
  await waitFor(`the ${kind} client to recover from the ${fault}`, () => resyncs.some((r) => r.recovered) && client.lastId === LOG[N - 1]!.id, 10_000, () => ({ resyncs, stats: client.stats(), connections: fake.connections }));
  // The honest check after the recovery agrees: the client holds what it is meant to.
  await checked;
  const sorted = client.store.list().sort((a, b) => (a.id < b.id ? -1 : 1));
  expect(sorted).toEqual(stateAfter(N, categories));
  return { client, fake, resyncs };
}

/** Events the first connection carries after its snapshot, for a filter. */
const afterFirstSnapshot = (categories?: string[]) => LOG.slice(FIRST_SNAPSHOT).filter((e) => passes(e, categories)).length;

describe.each(['ws', 'sse'] as const)('the client over %s, fed a lie once', (kind) => {
  it('on a broken prev counts one gap, resumes from the last event it verified, and ends equal to the log', async () => {
    const { client, fake, resyncs } = await run(kind, 'gap');
    // The 6th event after the snapshot was lost: the client resumed after the 5th, the last it verified.
    expect(fake.connections).toEqual([null, LOG[FIRST_SNAPSHOT + 4]!.id]);
    expect(client.stats()).toMatchObject({ gaps: 1, resyncs: 1, verified: N - FIRST_SNAPSHOT, snapshots: 1 });
    expect(resyncs.map((r) => [r.reason, r.recovered, r.via])).toEqual([['gap', false, undefined], ['gap', true, 'resumed']]);
  });

  it('on a check whose digest is wrong counts one resync, takes a fresh snapshot, and ends equal to the log', async () => {
    const { client, fake, resyncs } = await run(kind, 'bad-check');
    expect(fake.connections).toEqual([null, null]);
    expect(client.stats()).toMatchObject({ gaps: 0, resyncs: 1, verified: N - FIRST_SNAPSHOT, snapshots: 2 });
    expect(resyncs.map((r) => [r.reason, r.recovered, r.via])).toEqual([['digest', false, undefined], ['digest', true, 'snapshot']]);
  });

  it('catches a corrupted event (its chain intact) by the true digest of the next check', async () => {
    const { client, resyncs } = await run(kind, 'corrupt');
    expect(client.stats()).toMatchObject({ gaps: 0, resyncs: 1, snapshots: 2 });
    expect(resyncs[0]).toMatchObject({ reason: 'digest', from: LOG[N - 1]!.id });
  });

  it("with a category filter checks the filter's own chain: one gap, resumed, equal to the filtered log", async () => {
    const categories = ['drinks'];
    const { client, fake } = await run(kind, 'gap', categories);
    expect(fake.connections).toHaveLength(2);
    expect(client.stats()).toMatchObject({ gaps: 1, resyncs: 1, verified: afterFirstSnapshot(categories) });
  });
});
