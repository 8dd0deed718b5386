// Clients of 20 restaurants on one ws-gateway and one sse-gateway while writes flow in all 20; the gateways are
// SIGKILLed and others started; every client resumes there and ends with every event of its own restaurant exactly
// once, in order, chained — checked against that restaurant's stream.
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, Restaurants } from '@dish-live/broker';
import {
  deliveryProblems, RecordingClient, recordFigures, startService, testRedis, waitFor, type GatewayKind, type ServiceProcess,
} from '@dish-live/test-support';

const RESTAURANTS = Array.from({ length: 20 }, (_, i) => `kr-${String(i).padStart(2, '0')}`);
const { url, prefix } = testRedis('tenants-kill-resume');
let redis: Redis;
const logs = new Map<string, EventLog>();
const started: ServiceProcess[] = [];
const env = { REDIS_URL: url, KEY_PREFIX: prefix, RETRY_MIN_MS: '100', RETRY_MAX_MS: '300' };

const start = async (kind: GatewayKind, port?: number) => {
  const g = await startService(`${kind}-gateway`, env, { port, timeoutMs: 30_000 });
  started.push(g);
  return g;
};

/**
 * A port nothing listens on, for the gateway started after the kill (the killed one's port may be unusable for a
 * while: its connections linger in TIME_WAIT, and uWS binds without SO_REUSEADDR).
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  redis = new Redis(url);
  const registry = new Restaurants(redis, prefix);
  for (const id of RESTAURANTS) {
    await registry.create(id, id);
    const log = new EventLog(redis, { prefix, restaurant: id });
    logs.set(id, log);
    for (let d = 0; d < 3; d++) await log.createDish({ id: `d${d}`, name: `Dish ${d}`, category: 'c', price: 100, stock: 1_000_000 });
  }
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.stop()));
  redis?.disconnect();
});

describe('restaurants across a killed gateway', () => {
  it('clients of 20 restaurants resume on a new gateway with every event of their own restaurant exactly once, in order', async () => {
    const [ws1, sse1] = await Promise.all([start('ws'), start('sse')]);
    const next = { ws: await freePort(), sse: await freePort() };
    // Each client tries its URLs in turn after a disconnect: the killed gateway's, then the one started after it.
    const urls = (kind: GatewayKind, id: string) =>
      [kind === 'ws' ? ws1.port : sse1.port, next[kind]].map((port) => `${kind === 'ws' ? 'ws' : 'http'}://127.0.0.1:${port}/${kind}/${id}`);
    const clients = RESTAURANTS.flatMap((id) => (['ws', 'sse'] as const).map((kind) => ({ id, client: new RecordingClient(kind, urls(kind, id)).start() })));
    await waitFor('every client connected', () => clients.every((c) => c.client.connected), 20_000);

    // 30 changes per restaurant, round robin; both gateways die a third of the way and others start.
    let restarted: Promise<ServiceProcess[]> | undefined;
    const total = RESTAURANTS.length * 30;
    for (let i = 0; i < total; i++) {
      if (i === 200) {
        ws1.kill('SIGKILL');
        sse1.kill('SIGKILL');
        restarted = Promise.all([start('ws', next.ws), start('sse', next.sse)]);
      }
      const id = RESTAURANTS[i % RESTAURANTS.length]!;
      await logs.get(id)!.updateDish(`d${i % 3}`, { stock: 500_000 + i });
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 10));
    }
    const [ws2, sse2] = await restarted!;
    expect(ws2!.pid).not.toBe(ws1.pid);
    expect(sse2!.pid).not.toBe(sse1.pid);

    const streams = new Map<string, { id: string; prev: string; type: string }[]>();
    for (const id of RESTAURANTS) streams.set(id, await logs.get(id)!.range('-', '+', 10_000));
    for (const { id, client } of clients) {
      const last = streams.get(id)!.at(-1)!.id;
      await client.until(() => client.lastId === last, 30_000, `${id}: reaching ${last}`);
    }
    const failures: string[] = [];
    for (const { id, client } of clients) {
      const stream = streams.get(id)!;
      const problems = [...deliveryProblems(client, stream, stream.at(-1)!.id), ...client.problems];
      if (client.reconnects < 1) problems.push('never reconnected');
      if (problems.length) failures.push(`${client.kind} ${id}: ${problems.join('; ')} (${client.describe()})`);
    }
    expect(failures).toEqual([]);
    // Each got the changes of its own restaurant, and only those: 30 after its snapshot.
    for (const { client } of clients) expect(client.ids).toHaveLength(30);
    recordFigures(import.meta.url, { faultsInjected: 2, eventsWritten: total, eventsLost: 0, duplicates: 0, connectionsHeld: clients.length, crashes: 0 });
    for (const { client } of clients) client.close();
  }, 120_000);
});
