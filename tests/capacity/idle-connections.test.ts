// 10,000 concurrent idle connections on one ws-gateway process and 10,000 on one sse-gateway process: each gets its
// snapshot and then a live event, the process stays healthy, and the resident memory per connection is reported
// (RSS after a full GC with the connections held, minus RSS after a full GC before them, over the connections).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { openFilesLimit } from '@dish-live/server';
import {
  collectGarbage, INSPECT_FLAG, metric, probe, RawSse, RawWs, recordFigures, settledRss, startGateway, testRedis, waitFor, waitForInspector, within,
  type Gateway,
} from '@dish-live/test-support';
import { openInWaves } from './waves.js';

const N = 10_000;
const { url, prefix } = testRedis('gwf-capacity');
let redis: Redis;
let log: EventLog;
const started: Gateway[] = [];

beforeAll(async () => {
  // Each side of N loopback connections needs N descriptors: this process holds the clients, the gateway the servers.
  const limit = openFilesLimit();
  if (limit && limit.soft < N + 500) {
    throw new Error(`open-file limit ${limit.soft} is below ${N + 500}: run the tests under \`ulimit -n 65536\` (or at least ${N + 500})`);
  }
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  for (const [id, category] of [['c1', 'soup'], ['c2', 'mains'], ['c3', 'drinks']] as const) {
    await log.createDish({ id, name: id, category, price: 300, stock: 1_000_000 });
  }
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.stop()));
  redis?.disconnect();
});

// The inspector (loopback, a free port) lets the test run a full GC before each memory reading.
const env = () => ({
  REDIS_URL: url, KEY_PREFIX: prefix, MAX_CONNECTIONS: String(N + 1000), MAX_CONNECTIONS_PER_IP: String(N + 1000), NODE_OPTIONS: INSPECT_FLAG,
});

async function measure(g: Gateway, open: () => Promise<{ drop(): void; live: Promise<void> }[]>, event: () => Promise<void>) {
  const inspector = await waitForInspector(g);
  await collectGarbage(inspector);
  const rssIdle = await settledRss(g.pid);
  const t0 = Date.now();
  const clients = await open();
  const openMs = Date.now() - t0;
  expect(await metric(g, 'dish_live_connections')).toBe(N);
  await collectGarbage(inspector);
  const rssHeld = await settledRss(g.pid);
  const perConnection = Math.round((rssHeld - rssIdle) / N);
  await event();
  await within(`a live event at all ${N} clients`, 30_000, Promise.all(clients.map((c) => c.live)));
  expect(await probe(g.port, '/healthz')).toBe(200);
  expect(g.child.exitCode).toBeNull();
  console.log(
    `[capacity] ${g.kind}: ${N} connections opened in ${openMs} ms; RSS idle ${(rssIdle / 1048576).toFixed(1)} MiB, ` +
      `held ${(rssHeld / 1048576).toFixed(1)} MiB: ${(perConnection / 1024).toFixed(1)} KiB per connection`,
  );
  recordFigures(import.meta.url, { connectionsHeld: N, rssPerConnectionBytes: perConnection, eventsWritten: 1, crashes: 0 });
  for (const c of clients) c.drop();
  await waitFor('every connection gone', async () => (await metric(g, 'dish_live_connections')) === 0 || undefined, 30_000);
}

describe('capacity', () => {
  it(`holds ${N} idle WebSocket connections on one ws-gateway process`, async () => {
    const g = await startGateway('ws', env());
    started.push(g);
    await measure(
      g,
      async () => {
        const clients = await openInWaves(N, 500, () => new RawWs(g.port, '/ws', { keep: false }), (c) => within('snapshot', 30_000, c.opened.then(() => c.whenCount(1))));
        expect(clients.every((c) => c.first!.startsWith('{"type":"snapshot"'))).toBe(true);
        return clients.map((c) => ({ drop: () => c.drop(), live: c.whenCount(2) }));
      },
      async () => void (await log.updateDish('c1', { stock: 10 })),
    );
  }, 120_000);

  it(`holds ${N} idle SSE connections on one sse-gateway process`, async () => {
    const g = await startGateway('sse', env());
    started.push(g);
    await measure(
      g,
      async () => {
        const clients = await openInWaves(N, 500, () => new RawSse(g.port, '/sse', { keep: false }), (c) => within('snapshot', 30_000, c.until('event: snapshot')));
        return clients.map((c) => ({ drop: () => c.drop(), live: c.until('event: dish.updated') }));
      },
      async () => void (await log.updateDish('c2', { stock: 10 })),
    );
  }, 120_000);
});
