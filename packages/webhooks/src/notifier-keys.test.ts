import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerKeys, type RedisClient } from '@dish-live/broker';
import { testRedis } from '@dish-live/test-support';
import { NotifierState, notifierKeys, PlaceLostError } from './notifier-keys.js';

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
    expect(await state.take('r1')).toBe('taken');

    await state.reset('r1', undefined, { position: '10-0', stock: new Map([['duck', 10], ['soup', 3]]) });
    expect(await state.load('r1')).toEqual({ position: '10-0', stock: new Map([['duck', 10], ['soup', 3]]) });

    await state.advance('r1', '10-0', '12-0', new Map([['duck', 0], ['soup', undefined], ['rice', 7]]));
    expect(await state.load('r1')).toEqual({ position: '12-0', stock: new Map([['duck', 0], ['rice', 7]]) });
    // A batch of chat only moves the place.
    await state.advance('r1', '12-0', '13-0', new Map());
    expect((await state.load('r1'))?.position).toBe('13-0');

    // A reset replaces every stock, not only those it names.
    await state.reset('r1', '13-0', { position: '20-0', stock: new Map() });
    expect(await state.load('r1')).toEqual({ position: '20-0', stock: new Map() });

    await state.clear('r1');
    expect(await state.load('r1')).toBeUndefined();
  });

  it('moves a place only from where it was, and only under its lease', async () => {
    const first = new NotifierState(redis, redisAccess.prefix, 'first', 300);
    const second = new NotifierState(redis, redisAccess.prefix, 'second', 300);
    expect(await first.take('r2')).toBe('taken');
    expect(await second.take('r2')).toBe('held');
    await first.reset('r2', undefined, { position: '5-0', stock: new Map([['duck', 1]]) });
    expect(await first.take('r2')).toBe('renewed');

    // The second cannot write while the first holds the lease, whatever it believes the place is.
    await expect(second.advance('r2', '5-0', '6-0', new Map([['duck', 0]]))).rejects.toBeInstanceOf(PlaceLostError);
    // The first, with a stale idea of its place, cannot move it either.
    await expect(first.advance('r2', '4-0', '6-0', new Map())).rejects.toThrow(/moved/);
    expect(await first.load('r2')).toEqual({ position: '5-0', stock: new Map([['duck', 1]]) });

    // The lease lapses (a pause longer than it): the second takes it, and the first's next write is refused.
    await new Promise((r) => setTimeout(r, 400));
    expect(await second.take('r2')).toBe('taken');
    await second.advance('r2', '5-0', '6-0', new Map([['duck', 0]]));
    await expect(first.advance('r2', '5-0', '7-0', new Map())).rejects.toThrow(/lease/);
    // Clearing is the holder's, and letting go frees the lease at once.
    await first.clear('r2');
    expect((await second.load('r2'))?.position).toBe('6-0');
    await second.letGo('r2');
    expect(await first.take('r2')).toBe('taken');
  });
});
