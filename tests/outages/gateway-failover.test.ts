// Two replicas of each gateway: when one dies (SIGKILL) or drains (SIGTERM), its clients resume on the other with no loss.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { RecordingClient, startGateway, testRedis, waitFor, type Gateway } from '@dish-live/test-support';

const { url, prefix } = testRedis('gw-failover');
let redis: Redis;
let log: EventLog;
const gateways: Gateway[] = [];

const start = async (kind: 'ws' | 'sse', extra: Record<string, string> = {}) => {
  const g = await startGateway(kind, { REDIS_URL: url, KEY_PREFIX: prefix, ...extra });
  gateways.push(g);
  return g;
};

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  for (let i = 0; i < 5; i++) await log.createDish({ id: `d${i}`, name: `Dish ${i}`, category: 'c', price: 100, stock: 1_000_000 });
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  redis?.disconnect();
});

/** Writes `n` changes at a steady pace, calling `at(i)` before change i; resolves with the ids in order. */
async function writeSteadily(n: number, at: (i: number) => void): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    at(i);
    await log.updateDish(`d${i % 5}`, { stock: 500_000 + i });
    ids.push(await log.lastId());
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 15));
  }
  return ids;
}

async function expectEveryChangeOnce(followers: RecordingClient[], from: Map<RecordingClient, number>, written: string[]): Promise<void> {
  const last = written.at(-1)!;
  for (const f of followers) {
    await waitFor(`follower to reach ${last}`, () => f.lastId === last, 15_000, () => ({ last: f.lastId, n: f.ids.length, problems: f.problems }));
  }
  for (const f of followers) {
    expect(f.problems).toEqual([]);
    expect(f.snapshots).toBe(1);
    expect(f.ids.slice(from.get(f))).toEqual(written);
  }
}

describe('failover between replicas', () => {
  it('clients of a SIGKILLed gateway reconnect to the other and get every one of 1000 changes exactly once, in order', async () => {
    const [wsA, wsB, sseA, sseB] = await Promise.all([start('ws'), start('ws'), start('sse'), start('sse')]);
    const followers = [
      ...[0, 1, 2].map(() => new RecordingClient('ws', [wsA.url, wsB.url]).start()),
      ...[0, 1, 2].map(() => new RecordingClient('sse', [sseA.url, sseB.url]).start()),
      new RecordingClient('ws', [wsB.url, wsA.url]).start(),
      new RecordingClient('sse', [sseB.url, sseA.url]).start(),
    ];
    await waitFor('every follower connected', () => followers.every((f) => f.connected));
    const from = new Map(followers.map((f) => [f, f.ids.length]));
    const written = await writeSteadily(1000, (i) => {
      if (i === 300) {
        wsA.kill('SIGKILL');
        sseA.kill('SIGKILL');
      }
    });
    await expectEveryChangeOnce(followers, from, written);
    for (const f of followers.slice(0, 6)) expect(f.reconnects).toBeGreaterThanOrEqual(1);
    for (const f of followers.slice(6)) expect(f.reconnects).toBe(0);
    for (const f of followers) f.close();
  });

  it('SIGTERM drains: clients are told to reconnect (1012, short retry) and resume elsewhere with no loss', async () => {
    const [wsC, wsD, sseC, sseD] = await Promise.all([start('ws'), start('ws'), start('sse'), start('sse')]);
    const followers = [
      ...[0, 1].map(() => new RecordingClient('ws', [wsC.url, wsD.url]).start()),
      ...[0, 1].map(() => new RecordingClient('sse', [sseC.url, sseD.url]).start()),
    ];
    await waitFor('every follower connected', () => followers.every((f) => f.connected));
    const from = new Map(followers.map((f) => [f, f.ids.length]));
    const started = { at: 0 };
    const written = await writeSteadily(300, (i) => {
      if (i === 100) {
        started.at = Date.now();
        wsC.kill('SIGTERM');
        sseC.kill('SIGTERM');
      }
    });
    await expectEveryChangeOnce(followers, from, written);
    const exits = await Promise.all([wsC.exited, sseC.exited]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    for (const f of followers) expect(f.reconnects).toBe(1);
    for (const f of followers.slice(0, 2)) expect(f.closeCodes).toEqual([1012]);
    // The stream's last retry before it ended is the short, jittered one of a restart.
    for (const f of followers.slice(2)) expect(f.retries.at(-1)).toBeLessThanOrEqual(1000);
    for (const f of followers) f.close();
  });
});
