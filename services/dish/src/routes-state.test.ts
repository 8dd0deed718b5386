// GET …/state?at= in process against real Redis: the state at a moment with its digest, and the 400 and 410 answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { stateDigest, type Dish } from '@dish-live/protocol';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, call, startTestService, testConfig } from './dish.test-helpers.js';

const redis = testRedis('dish-state');
const trimmedRedis = testRedis('dish-state-span');
let service: DishService;
let base: string;
const RETENTION_MS = 3_600_000;

interface StateAnswer {
  at: number;
  id: string;
  dishes: Dish[];
  digest: string;
}

const stateAt = (path: string, at: string | number) => call<StateAnswer & ProblemBody>(base, 'GET', `${path}?at=${at}`);

beforeAll(async () => {
  service = await startTestService(testConfig(redis, { historyRetentionMs: RETENTION_MS }));
  base = service.url;
});

afterAll(() => service.stop());

describe('GET /api/state?at=', () => {
  it('answers the dishes as they were after the last event at or before the moment, with their digest', async () => {
    const before = Date.now() - 1;
    const created = await call<Dish>(base, 'POST', '/api/dishes', { json: { id: 'tofu', name: 'Tofu', category: 'c', price: 900, stock: 5 }, headers: AUTH });
    const updated = await call<Dish>(base, 'PATCH', '/api/dishes/tofu', { json: { price: 1100 }, headers: AUTH });
    expect(updated.status).toBe(200);

    const empty = await stateAt('/api/state', before);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ at: before, id: '0-0', dishes: [], digest: stateDigest([]) });

    const first = await stateAt('/api/state', created.body.updatedAt);
    expect(first.body.dishes).toEqual(updated.body.updatedAt === created.body.updatedAt ? [updated.body] : [created.body]);
    expect(first.body.digest).toBe(stateDigest(first.body.dishes));
    expect(first.headers.get('cache-control')).toBe('no-store');

    const now = await stateAt('/api/restaurants/default/state', Date.now());
    expect(now.body.dishes).toEqual([updated.body]);
    expect(now.body.id).toBe(await service.eventLog.lastId());
  });

  it('answers 400 to a moment that is not a number or is in the future, 410 before the retained history', async () => {
    for (const bad of ['yesterday', '-5', '1.5', '', String(Date.now() + 60_000)]) {
      const res = await stateAt('/api/state', bad);
      expect(res.status, `at=${bad}`).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await call(base, 'GET', '/api/state')).status).toBe(400);
    const gone = await stateAt('/api/state', Date.now() - RETENTION_MS - 1000);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(gone.body).toMatchObject({ type: 'urn:dish-live:problem:history-gone', retentionMs: RETENTION_MS });
    expect((await stateAt('/api/restaurants/nowhere/state', Date.now())).status).toBe(404);
  });
});

describe('GET /api/state/span', () => {
  const span = (url: string) => call<{ from: number; to: number; retentionMs: number }>(url, 'GET', '/api/restaurants/default/state/span');

  it('starts at the first event while the log holds its first event ever', async () => {
    const [first] = await service.eventLog.range('-', '+', 1);
    const res = await span(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.from).toBe(first!.ts);
    expect(res.body.retentionMs).toBe(RETENTION_MS);
    expect(Math.abs(res.body.to - Date.now())).toBeLessThan(5000);
    expect((await stateAt('/api/state', res.body.from)).status).toBe(200);
  });

  it('starts, once STREAM_MAXLEN trimmed the log, at the oldest moment state?at= still answers', async () => {
    const trimmed = await startTestService(testConfig(trimmedRedis, { historyRetentionMs: RETENTION_MS, streamMaxLen: 400 }));
    try {
      const log = trimmed.eventLog;
      await log.createDish({ id: 'tofu', name: 'Tofu', category: 'c', price: 900, stock: 5 });
      for (let i = 0; i < 1200; i++) {
        await log.updateDish('tofu', { stock: i });
        // Moments a millisecond apart at least, so the start found is a moment of its own.
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const [first] = await log.range('-', '+', 1);
      expect(first!.prev).not.toBe('0-0');
      const { from } = (await span(trimmed.url)).body;
      const at = (t: number) => call(trimmed.url, 'GET', `/api/state?at=${t}`);
      expect((await at(from)).status).toBe(200);
      expect((await at(from - 1)).status).toBe(410);
    } finally {
      await trimmed.stop();
    }
  });
});
