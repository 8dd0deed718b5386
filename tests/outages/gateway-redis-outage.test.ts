// Redis stops for 10 s under connected WS and SSE clients: the gateways keep every client, say 503 at /readyz meanwhile
// and 200 after, and when Redis is back every client gets every event, in order, once.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { SnapshotMessage } from '@dish-live/protocol';
import {
  events, probe, recordFigures, RestartableRedis, SseClient, startGateway, waitFor, WsClient, type Figures, type Gateway,
} from '@dish-live/test-support';

const OUTAGE_MS = 10_000;
const BEFORE = 100;
const AFTER = 100;
const PREFIX = 'gwf-outage:';

let server: RestartableRedis | undefined;
let redis: Redis;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;
const figures: Partial<Figures> = { faultsInjected: 0, eventsWritten: 0, eventsLost: 0, duplicates: 0, fiveXxSeen: 0 };

beforeAll(async () => {
  // A Redis of this file's own, with AOF, so it can be stopped and started again on the same port and data.
  server = await RestartableRedis.start();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  log = new EventLog(redis, { prefix: PREFIX });
  await log.createDish({ id: 'o', name: 'Outage noodles', category: 'noodles', price: 900, stock: 1_000_000 });
  const env = { REDIS_URL: server.url, KEY_PREFIX: PREFIX };
  [ws, sse] = await Promise.all([startGateway('ws', env), startGateway('sse', env)]);
});

afterAll(async () => {
  const crashes = [ws, sse].filter((g) => g && g.child.exitCode !== null).length;
  recordFigures(import.meta.url, { ...figures, crashes, connectionsHeld: 8 });
  await Promise.all([ws?.stop(), sse?.stop()]);
  redis?.disconnect();
  await server?.destroy();
});

describe('Redis outage under connected clients', () => {
  it('keeps every client through a 10 s Redis stop, reports 503 at /readyz meanwhile, and delivers every event once, in order, after', async () => {
    const clients = [new WsClient(ws.url), new WsClient(ws.url), new WsClient(ws.url), new SseClient(sse.url), new SseClient(sse.url), new SseClient(sse.url)];
    await Promise.all(clients.map((c) => c.opened));
    for (const c of clients) await waitFor('snapshot', () => c.messages[0]);
    const start = (clients[0]!.messages[0] as SnapshotMessage).id;

    const written: string[] = [];
    for (let i = 0; i < BEFORE; i++) {
      await log.updateDish('o', { stock: 500_000 + i });
      written.push(await log.lastId());
    }
    for (const c of clients) await waitFor(`${BEFORE} events before the outage`, () => events(c).length >= BEFORE, 10_000, () => events(c).length);
    for (const g of [ws, sse]) expect(await probe(g.port, '/readyz', figures as { fiveXx: number })).toBe(200);

    // The fault: Redis goes away (SIGTERM; its AOF keeps what was written).
    await server!.stop();
    figures.faultsInjected!++;
    const stoppedAt = Date.now();
    const counter = { fiveXx: 0 };
    for (const g of [ws, sse]) {
      await waitFor(`${g.kind} /readyz 503 during the outage`, async () => (await probe(g.port, '/readyz', counter, [503])) === 503 || undefined, 5000);
    }
    // Clients connecting during the outage get a snapshot from memory.
    const late = [new WsClient(ws.url), new SseClient(sse.url)];
    await Promise.all(late.map((c) => c.opened));
    for (const c of late) {
      const first = await waitFor('a snapshot from memory during the outage', () => c.messages[0], 5000);
      expect(first).toMatchObject({ type: 'snapshot', recovered: false, id: written.at(-1) });
    }
    // Meanwhile: alive, not ready, and nobody is dropped. (The outage lasts its 10 s: a fault's length, not a wait on an event.)
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      for (const g of [ws, sse]) {
        expect(await probe(g.port, '/healthz', counter)).toBe(200);
        expect(await probe(g.port, '/readyz', counter, [503])).toBe(503);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const c of [...clients, ...late]) expect(c.closed).toBe(false);

    await server!.start();
    for (const g of [ws, sse]) {
      await waitFor(`${g.kind} /readyz 200 after the outage`, async () => (await probe(g.port, '/readyz', counter, [503])) === 200 || undefined, 20_000);
    }
    for (let i = 0; i < AFTER; i++) {
      await log.updateDish('o', { stock: 600_000 + i });
      written.push(await log.lastId());
    }
    figures.eventsWritten = written.length;
    const all = [...clients, ...late];
    for (const c of clients) await waitFor('every event after the outage', () => events(c).length >= BEFORE + AFTER, 15_000, () => events(c).length);
    for (const c of late) await waitFor('every event after the outage', () => events(c).length >= AFTER, 15_000, () => events(c).length);
    figures.fiveXxSeen = counter.fiveXx;

    for (const [i, c] of all.entries()) {
      const expected = i < clients.length ? written : written.slice(BEFORE);
      const got = events(c).map((e) => e.id);
      const seen = new Set(got);
      figures.eventsLost! += expected.filter((id) => !seen.has(id)).length;
      figures.duplicates! += got.length - seen.size;
      expect(got).toEqual(expected);
      let prev = i < clients.length ? start : written[BEFORE - 1];
      for (const e of events(c)) {
        expect(e.prev).toBe(prev);
        prev = e.id;
      }
      expect(c.closed).toBe(false);
      c.close();
    }
    expect(counter.fiveXx).toBe(0);
  }, 90_000);
});
