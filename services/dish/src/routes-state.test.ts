// GET …/state?at= in process against real Redis: the state at a moment with its digest, and the 400 and 410 answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { stateDigest, type Dish } from '@dish-live/protocol';
import type { ProblemBody } from './http-errors.js';
import type { DishService } from './service.js';
import { AUTH, call, startTestService, testConfig } from './dish.test-helpers.js';

const redis = testRedis('dish-state');
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
