import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dish, DishEvent, PollResponse } from '@dish-live/protocol';
import type { DishApi, StateAt } from '../api.js';
import type { PastStore } from './past-store.js';
import { SEEK_DEBOUNCE_MS, Timeline } from './timeline.js';

const dish = (stock: number, ts: number): Dish => ({ id: 'tofu', name: 'Tofu', category: 'c', price: 900, stock, sold: 0, version: ts, updatedAt: ts });
const ids = [1000, 5000, 12_000, 20_000];
/** The log: the dish created at 1 s, its stock lowered at 5, 12 and 20 s. */
const LOG: DishEvent[] = ids.map((ts, i) => ({
  id: `${ts}-0`,
  prev: i === 0 ? '0-0' : `${ids[i - 1]}-0`,
  type: i === 0 ? 'dish.created' : 'dish.updated',
  ts,
  data: { dish: dish(10 - i, ts) },
}));

function fakeApi() {
  const calls = { stateAt: [] as number[], eventsSince: [] as string[] };
  const api = {
    historySpan: () => Promise.resolve({ from: 1000, to: Date.now(), retentionMs: 86_400_000 }),
    stateAt(at: number): Promise<StateAt> {
      calls.stateAt.push(at);
      const upTo = LOG.filter((e) => e.ts <= at);
      const last = upTo.at(-1);
      const dishes = last && 'dish' in last.data ? [last.data.dish] : [];
      return Promise.resolve({ at, id: last?.id ?? '0-0', dishes, digest: '' });
    },
    salesPage: (from: number, to: number) => Promise.resolve({ from, to, bucketMs: 10_000, buckets: [] }),
    eventsSince(since: string, limit: number): Promise<PollResponse> {
      calls.eventsSince.push(since);
      const start = since === '0-0' ? 0 : LOG.findIndex((e) => e.id === since) + 1;
      const events = LOG.slice(start, start + limit);
      return Promise.resolve({ recovered: true, events, last: events.at(-1)?.id ?? since, more: start + limit < LOG.length });
    },
  };
  return { api: api as unknown as DishApi, calls };
}

describe('Timeline', () => {
  let shown: (PastStore | undefined)[];
  let timeline: Timeline;
  let calls: ReturnType<typeof fakeApi>['calls'];
  beforeEach(() => {
    vi.useFakeTimers({ now: 30_000 });
    const fake = fakeApi();
    calls = fake.calls;
    shown = [];
    timeline = new Timeline({ api: fake.api, showPast: (s) => shown.push(s), requestFrame: () => undefined, salesBucketMs: () => 10_000 });
  });
  afterEach(() => {
    timeline.dispose();
    vi.useRealTimers();
  });

  it('asks for one state once a drag rests, and shows the moment: the bucket start state and the events up to it', async () => {
    for (let at = 25_000; at > 13_000; at -= 500) timeline.seek(at);
    expect(timeline.mode.value).toBe('past');
    await vi.advanceTimersByTimeAsync(SEEK_DEBOUNCE_MS + 10);
    expect(calls.stateAt).toEqual([9_999]);
    const store = shown.at(-1)!;
    expect(store.at).toBe(13_500);
    // The state at 9.999 s had stock 9 (the 5 s write); the 12 s write is applied here, the 20 s one is not.
    expect(store.dishes.get('tofu')?.stock).toBe(8);
    expect(timeline.moment.value).toBe(13_500);
  });

  it('replays at 10× at the events’ pace and is live again on reaching the present', async () => {
    await timeline.load(13_000);
    const store = shown.at(-1)!;
    timeline.play(10);
    expect(timeline.mode.value).toBe('replay');
    await vi.advanceTimersByTimeAsync(500);
    expect(store.dishes.get('tofu')?.stock).toBe(8);
    // 20 s is 0.7 s of wall time away at 10×.
    await vi.advanceTimersByTimeAsync(400);
    expect(store.dishes.get('tofu')?.stock).toBe(7);
    // The replay catches up with the clock after (30 − 13) / (10 − 1) ≈ 1.9 s.
    await vi.advanceTimersByTimeAsync(1200);
    expect(timeline.mode.value).toBe('live');
    expect(shown.at(-1)).toBeUndefined();
  });

  it('keeps what a paused replay had read for the next one', async () => {
    await timeline.load(13_000);
    const store = shown.at(-1)!;
    timeline.play(1);
    await vi.advanceTimersByTimeAsync(1000);
    timeline.pause();
    expect(timeline.mode.value).toBe('past');
    timeline.play(60);
    expect(store.dishes.get('tofu')?.stock).toBe(8);
    await vi.advanceTimersByTimeAsync(200);
    expect(store.dishes.get('tofu')?.stock).toBe(7);
  });
});
