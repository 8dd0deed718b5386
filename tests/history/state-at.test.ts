// Time travel through a real dish service process (issue 16): `…/state?at=` answers the state the test recorded at
// random moments of a 20,000-event run, refuses what is not a moment (400) or no longer held (410), and costs at most a
// checkpoint interval of stream entries however long the history (counted through MONITOR, never timed).
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import { stateDigest, type Dish } from '@dish-live/protocol';
import { startDish, waitFor, type ServiceProcess } from '@dish-live/test-support';
import { HistoryRecorder } from './history-recorder.js';

// A Redis of this file's own (standalone on every pass): MONITOR must see exactly this service's reads.
let server: RedisServerProcess;
let client: Redis;
let svc: ServiceProcess;
const PREFIX = 'state-at:';
const DEPLOYMENT_TOKEN = 'history-state-at-token-77f1';
const SECRET = 'history-state-at-subscription-secret-0123';
const RETENTION_MS = 24 * 3_600_000;
let readToken: string;

interface StateAnswer {
  at: number;
  id: string;
  dishes: Dish[];
  digest: string;
  type?: string;
}

const signed = (restaurants: string[]) =>
  new SignJWT({ restaurants }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + 3600).sign(new TextEncoder().encode(SECRET));

async function stateAt(restaurant: string, at: string | number, token: string | undefined = readToken): Promise<{ status: number; body: StateAnswer; type: string }> {
  const path = restaurant === 'default' ? '/api/state' : `/api/restaurants/${restaurant}/state`;
  const res = await fetch(`${svc.url}${path}?at=${at}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as StateAnswer, type: res.headers.get('content-type') ?? '' };
}

/** A writer of a restaurant's log through the very scripts the service runs (the EventLog API), and its newest ts. */
function writerOf(restaurant: string, streamMaxLen?: number) {
  const log = new EventLog(client, { prefix: PREFIX, restaurant, ...(streamMaxLen ? { streamMaxLen } : {}) });
  const newestTs = async () => {
    const [newest] = (await client.xrevrange(log.keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
    const fields = newest![1];
    return Number(fields[fields.indexOf('ts') + 1]);
  };
  return { log, recorder: new HistoryRecorder(log, newestTs) };
}

const randomIn = (from: number, to: number) => from + Math.floor(Math.random() * (to - from + 1));

beforeAll(async () => {
  server = await spawnRedisServer();
  client = new Redis(server.url);
  svc = await startDish({ REDIS_URL: server.url, KEY_PREFIX: PREFIX, DISH_API_TOKENS: DEPLOYMENT_TOKEN, SUBSCRIBE_JWT_SECRET: SECRET });
  for (const id of ['run', 'day', 'small']) {
    const res = await fetch(`${svc.url}/api/restaurants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEPLOYMENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: `History ${id}` }),
    });
    expect(res.status, await res.text()).toBe(201);
  }
  readToken = await signed(['*']);
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  client?.disconnect();
  await server?.stop();
});

describe('GET …/state?at= through a real dish service', () => {
  it('answers the state recorded at 20 random moments of a 20,000-event run, dishes and digest', async () => {
    const { log, recorder } = writerOf('run', 50_000);
    await recorder.write(20_000);
    const stamps = recorder.changes.map((c) => c.ts);
    expect(stamps.length).toBe(20_000);
    const first = stamps[0]!;
    const last = stamps.at(-1)!;
    console.log(`[state-at] 20,000 events over ${last - first} ms, ${await client.xlen(log.keys.checkpoints)} checkpoints`);
    for (let i = 0; i < 20; i++) {
      const at = randomIn(first, last);
      const expected = recorder.stateAt(at);
      const res = await stateAt('run', at);
      expect(res.status, `at=${at}`).toBe(200);
      expect(res.body.at).toBe(at);
      expect(res.body.dishes, `the state at ${at}`).toEqual(expected);
      expect(res.body.digest, `the digest at ${at}`).toBe(stateDigest(expected));
    }
    const before = await stateAt('run', first - 1);
    expect(before.body).toEqual({ at: first - 1, id: '0-0', dishes: [], digest: stateDigest([]) });
    const now = await stateAt('run', Date.now());
    expect(now.body.id).toBe(await log.lastId());
    expect(now.body.dishes).toEqual((await log.dishes()).dishes);
  }, 300_000);

  it('answers 400 to what is not a moment or is in the future, 410 to what the log no longer holds', async () => {
    for (const bad of ['noon', '1e12', '-1', String(Date.now() + 60_000)]) {
      const res = await stateAt('run', bad);
      expect(res.status, `at=${bad}`).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
    }
    const old = await stateAt('default', Date.now() - RETENTION_MS - 60_000);
    expect(old.status).toBe(410);
    expect(old.type).toMatch(/^application\/problem\+json/);
    // A log cut by its memory bound (STREAM_MAXLEN) before its age: its early moments are gone, its late ones answered.
    const { log, recorder } = writerOf('small', 1000);
    await recorder.write(3000);
    const early = recorder.changes[10]!.ts;
    const gone = await stateAt('small', early);
    expect(gone.status).toBe(410);
    expect(gone.body.type).toBe('urn:dish-live:problem:history-gone');
    const late = recorder.changes.at(-5)!.ts;
    expect((await stateAt('small', late)).body.dishes).toEqual(recorder.stateAt(late));
    expect(await client.xlen(log.keys.events)).toBeLessThan(1500);
  }, 120_000);

  it('is read like every other REST read: a subscription token naming the restaurant', async () => {
    expect((await stateAt('run', Date.now(), '')).status).toBe(401);
    expect((await stateAt('run', Date.now(), await signed(['small']))).status).toBe(403);
    expect((await stateAt('run', Date.now(), await signed(['run']))).status).toBe(200);
  });

  it('reads at most a checkpoint interval of entries for any moment of 100,000 events', async () => {
    // STREAM_MAXLEN sized for the day (the default 10,000 would cut it by count first).
    const { log } = writerOf('day', 200_000);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) await log.createDish({ id: `d${i}`, name: `Dish ${i}`, category: `c${i % 4}`, price: 100, stock: 1_000_000 });
    for (let i = 12; i < 100_000; i++) {
      writes.push(i % 3 === 0 ? log.applyOrder(`o-${i}`, [{ dishId: `d${i % 12}`, qty: 1 }]) : log.updateDish(`d${i % 12}`, { price: 100 + (i % 1000) }));
      if (writes.length >= 128) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    expect(await client.xlen(log.keys.events)).toBeGreaterThanOrEqual(100_000);
    const [first] = (await client.xrange(log.keys.events, '-', '+', 'COUNT', 1)) as [string, string[]][];
    const from = Number(first![0].split('-')[0]);
    const to = Date.now();
    const bytes = (await client.memory('USAGE', log.keys.events)) ?? 0;
    console.log(`[state-at] 100,000 events: stream ${bytes} B (${Math.round(bytes / 100_000)} B per event), ${await client.xlen(log.keys.checkpoints)} checkpoints, ${await client.memory('USAGE', log.keys.checkpoints)} B`);

    const monitor = await new Redis(server.url).monitor();
    const reads: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (/^x(rev)?range$/i.test(args[0] ?? '') && args[1]?.startsWith(`${PREFIX}{r:day}`)) reads.push(args);
    });
    try {
      for (let i = 0; i < 20; i++) {
        const before = reads.length;
        const res = await stateAt('day', randomIn(from, to));
        expect(res.status).toBe(200);
        // The checkpoint read and the stream read at least (MONITOR reports a command as Redis runs it).
        await waitFor('the answer\'s reads in MONITOR', () => reads.length >= before + 2, 5000);
        const mine = reads.slice(before);
        // The checkpoint, one interval of the stream (its own event and at most an interval after it), a page of the next ms.
        expect(mine.length, JSON.stringify(mine)).toBeLessThanOrEqual(4);
        for (const args of mine) expect(Number(args[args.length - 1]), args.join(' ')).toBeLessThanOrEqual(log.checkpointEvents + 1);
      }
    } finally {
      monitor.disconnect();
    }
  }, 300_000);
});
