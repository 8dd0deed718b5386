// A reconnect storm: 5,000 clients of one gateway (WS, then SSE) drop at once and come back at once with their last
// id; every one resumes exactly (recovered: true, the missed events, in order), the gateway stays up, and its memory
// returns to within 10 % of where it was before the storm (both read after a full GC, run through the inspector).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { DishEvent, ServerMessage } from '@dish-live/protocol';
import {
  collectGarbage, INSPECT_FLAG, metric, probe, RawSse, RawWs, recordFigures, rssBytes, settledRss, startGateway, testRedis, waitFor,
  waitForInspector, within, type Figures, type Gateway, type GatewayKind,
} from '@dish-live/test-support';
import { openInWaves } from './waves.js';

const N = 5000;
const BEFORE = 10;
const MISSED = 20;
const WARM_UP = 500;
const { url, prefix } = testRedis('gwf-storm');
let redis: Redis;
let log: EventLog;
const started: Gateway[] = [];

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  for (const [id, category] of [['s1', 'soup'], ['s2', 'soup'], ['m1', 'mains']] as const) {
    await log.createDish({ id, name: id, category, price: 500, stock: 1_000_000 });
  }
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.stop()));
  redis?.disconnect();
});

async function write(n: number, from: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    await log.updateDish(i % 2 ? 's1' : 'm1', { stock: from + i });
    ids.push(await log.lastId());
  }
  return ids;
}

/** The same storm over either transport: how to open a client (fresh, or resuming), await an id, and read it. */
interface StormClient {
  /** Resolves at the first message (snapshot or resumed). */
  readonly first: Promise<void>;
  until(id: string): Promise<void>;
  messages(): ServerMessage[];
  drop(): void;
}

function wsClient(g: Gateway, since?: string): StormClient {
  const c = new RawWs(g.port, since ? `/ws?since=${since}` : '/ws');
  return {
    first: c.opened.then(() => c.whenCount(1)),
    until: (id) => c.whenText(`"id":"${id}"`),
    messages: () => c.messages.map((m) => JSON.parse(m) as ServerMessage),
    drop: () => c.drop(),
  };
}

function sseClient(g: Gateway, since?: string): StormClient {
  // Asked in HTTP/1.0, so the gateway writes the stream unchunked.
  const c = new RawSse(g.port, '/sse', { headers: since ? { 'Last-Event-ID': since } : {}, http10: true });
  return {
    first: c.until('\n\n').then(() => c.until('\ndata: ')).then(() => c.until('}\n\n')),
    until: (id) => c.until(`id: ${id}\n`),
    messages: () => c.events.map((e) => JSON.parse(e.data) as ServerMessage),
    drop: () => c.drop(),
  };
}

const eventIds = (ms: ServerMessage[]) => ms.filter((m): m is DishEvent => 'prev' in m).map((e) => e.id);

async function storm(kind: GatewayKind): Promise<void> {
  const figures: Partial<Figures> = { faultsInjected: 0, eventsWritten: 0, eventsLost: 0, duplicates: 0, connectionsHeld: 0 };
  // Loopback counts against the per-address limit: this test is one address holding N connections.
  // The inspector (loopback, a free port) lets the test run a full GC before each memory reading.
  const g = await startGateway(kind, { REDIS_URL: url, KEY_PREFIX: prefix, MAX_CONNECTIONS_PER_IP: String(2 * N), NODE_OPTIONS: INSPECT_FLAG });
  started.push(g);
  const inspector = await waitForInspector(g);
  const open = kind === 'ws' ? wsClient : sseClient;
  try {
    let clients = await openInWaves(N, 500, () => open(g), (c) => within('a snapshot', 30_000, c.first));
    expect(clients.every((c) => c.messages()[0]?.type === 'snapshot')).toBe(true);
    const before = await write(BEFORE, 100_000);
    await within(`${BEFORE} events at every client`, 30_000, Promise.all(clients.map((c) => c.until(before.at(-1)!))));
    figures.connectionsHeld = N;

    // A small storm first, so the resume path's code is compiled before the baseline: what is compared is what the
    // big storm leaves behind, not the JIT's one-off cost.
    const warm = clients.slice(0, WARM_UP);
    for (const c of warm) c.drop();
    await waitFor('the warm-up drops', async () => (await metric(g, 'dish_live_connections')) === N - WARM_UP || undefined, 30_000);
    const warmMissed = await write(2, 150_000);
    const rewarmed = warm.map(() => open(g, before.at(-1)));
    await within('the warm-up resumes', 30_000, Promise.all(rewarmed.map((c) => c.until(warmMissed.at(-1)!))));
    for (const c of rewarmed) expect(eventIds(c.messages())).toEqual(warmMissed);
    clients = [...rewarmed, ...clients.slice(WARM_UP)];
    await within('the warm-up events everywhere', 30_000, Promise.all(clients.map((c) => c.until(warmMissed.at(-1)!))));
    const last = warmMissed.at(-1)!;
    await collectGarbage(inspector);
    const rssBefore = await settledRss(g.pid);

    // The storm: every client drops at once (RST, as a lost network does), events go on, every client comes back.
    for (const c of clients) c.drop();
    figures.faultsInjected!++;
    await waitFor('the gateway to see every drop', async () => (await metric(g, 'dish_live_connections')) === 0 || undefined, 30_000);
    const missed = await write(MISSED, 200_000);
    const rssDropped = rssBytes(g.pid);
    const stormStart = Date.now();
    const back = clients.map(() => open(g, last));
    await within('every client back with its replay', 60_000, Promise.all(back.map((c) => c.until(missed.at(-1)!))));
    const stormMs = Date.now() - stormStart;

    let notResumed = 0;
    for (const c of back) {
      const messages = c.messages();
      const first = messages[0];
      if (!(first?.type === 'resumed' && first.recovered === true && first.id === last)) notResumed++;
      const ids = eventIds(messages);
      const seen = new Set(ids);
      figures.eventsLost! += missed.filter((id) => !seen.has(id)).length;
      figures.duplicates! += ids.length - seen.size;
      expect(ids).toEqual(missed);
    }
    expect(notResumed).toBe(0);
    expect(await probe(g.port, '/healthz')).toBe(200);
    expect(g.child.exitCode).toBeNull();
    expect(await metric(g, 'dish_live_connections')).toBe(N);

    // Live again: one more event reaches everyone.
    const next = await write(1, 300_000);
    figures.eventsWritten = BEFORE + 2 + MISSED + 1;
    await within('the next live event at every client', 30_000, Promise.all(back.map((c) => c.until(next[0]!))));
    // Both readings follow a full GC: what is compared is what the storm left behind, not the collector's timing.
    const bound = rssBefore * 1.1;
    const settleStart = Date.now();
    await collectGarbage(inspector);
    const rssAfter = await settledRss(g.pid);
    console.log(
      `[storm] ${kind} ${N} clients: RSS before ${(rssBefore / 1048576).toFixed(1)} MiB, with all dropped ${(rssDropped / 1048576).toFixed(1)} MiB, ` +
        `after ${(rssAfter / 1048576).toFixed(1)} MiB (${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)} %); ` +
        `every client back in ${stormMs} ms; GC and settle ${Date.now() - settleStart} ms`,
    );
    expect(rssAfter).toBeLessThanOrEqual(bound);
    for (const c of back) c.drop();
  } finally {
    recordFigures(import.meta.url, { ...figures, crashes: g.child.exitCode !== null ? 1 : 0 });
  }
}

describe('reconnect storm', () => {
  it(`resumes all ${N} WS clients dropped at once, keeps the gateway up, and its RSS returns within 10 %`, () => storm('ws'), 180_000);
  it(`resumes all ${N} SSE clients dropped at once, keeps the gateway up, and its RSS returns within 10 %`, () => storm('sse'), 180_000);
});
