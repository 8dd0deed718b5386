import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerKeys, type RedisClient } from '@dish-live/broker';
import { testRedis } from '@dish-live/test-support';
import { NotifierState, notifierKeys } from './notifier-keys.js';

const redisAccess = testRedis('notifier-keys');
let redis: RedisClient;

beforeAll(() => {
  redis = redisAccess.connect();
});
afterAll(async () => {
  await redis.quit();
});

describe("the notifier's place per restaurant", () => {
  it("lives under the restaurant's hash tag, beside its log", () => {
    const keys = notifierKeys('p:', 'noodles');
    const { base } = brokerKeys('p:', 'noodles');
    expect(keys.position.startsWith(base)).toBe(true);
    expect(keys.stock.startsWith(base)).toBe(true);
  });

  it('is unknown at first, then reset from a snapshot, advanced by batches, and forgotten on release', async () => {
    const state = new NotifierState(redis, redisAccess.prefix);
    expect(await state.load('r1')).toBeUndefined();

    await state.reset('r1', { position: '10-0', stock: new Map([['duck', 10], ['soup', 3]]) });
    expect(await state.load('r1')).toEqual({ position: '10-0', stock: new Map([['duck', 10], ['soup', 3]]) });

    await state.advance('r1', '12-0', new Map([['duck', 0], ['soup', undefined], ['rice', 7]]));
    expect(await state.load('r1')).toEqual({ position: '12-0', stock: new Map([['duck', 0], ['rice', 7]]) });
    // A batch of chat only moves the place.
    await state.advance('r1', '13-0', new Map());
    expect((await state.load('r1'))?.position).toBe('13-0');

    // A reset replaces every stock, not only those it names.
    await state.reset('r1', { position: '20-0', stock: new Map() });
    expect(await state.load('r1')).toEqual({ position: '20-0', stock: new Map() });

    await state.clear('r1');
    expect(await state.load('r1')).toBeUndefined();
  });
});
