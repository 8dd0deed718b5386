// History by time against a real Redis: checkpoints as events flow, the state at any retained moment from the nearest
// one, the trim by age, and the moments the log no longer holds.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { compareStreamIds, type Dish } from '@dish-live/protocol';
import { EventLog, type EventLogOptions } from './event-log.js';
import { HistoryGoneError } from './history.js';

const { prefix, connect, durability } = testRedis('history');
const redis = connect();
let n = 0;
const freshLog = (options: Omit<EventLogOptions, 'prefix'> = {}) =>
  new EventLog(redis, { prefix: `${prefix}${n++}:`, durability, ...options });

afterAll(() => redis.disconnect());

type Entry = [id: string, fields: string[]];
/** The first or the last entry of a stream, as the test reads it straight from Redis. */
const edge = async (key: string, which: 'first' | 'last'): Promise<Entry> =>
  ((which === 'first' ? await redis.xrange(key, '-', '+', 'COUNT', 1) : await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as Entry[])[0]!;
const field = ([, fields]: Entry, name: string) => fields[fields.indexOf(name) + 1]!;

/** The test's own record of what it wrote: each change with the ts its event got, so a moment's state is a fold. */
class Recorder {
  readonly changes: { ts: number; apply: (state: Map<string, Dish>) => void }[] = [];

  constructor(private readonly log: EventLog) {}

  stateAt(at: number): Dish[] {
    const state = new Map<string, Dish>();
    for (const change of this.changes) if (change.ts <= at) change.apply(state);
    return [...state.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** `count` writes of every kind, in order, each awaited (the order Redis applies them in). */
  async write(count: number, pauseEvery = 0): Promise<void> {
    const log = this.log;
    for (let i = 0; i < count; i++) {
      const id = `d${i % 7}`;
      const current = await log.getDish(id);
      const step = i % 10;
      if (!current) {
        const dish = await log.createDish({ id, name: `Dish ${id}`, category: `c${i % 3}`, price: 100 + i, stock: 1000 });
        this.#set(dish);
      } else if (step === 9) {
        await log.deleteDish(id);
        this.changes.push({ ts: Number(field(await edge(log.keys.events, 'last'), 'ts')), apply: (s) => s.delete(id) });
      } else if (step % 3 === 0) {
        const { outcome } = await log.applyOrder(`o-${n}-${i}`, [{ dishId: id, qty: 1 }]);
        if (outcome.status === 'applied') this.#set((await log.getDish(id))!);
      } else if (step === 4) {
        const event = await log.appendChat({ author: 'a', text: `t${i}` });
        this.changes.push({ ts: event.ts, apply: () => undefined });
      } else {
        this.#set(await log.updateDish(id, { price: 200 + i }));
      }
      if (pauseEvery > 0 && i % pauseEvery === 0) await sleep(1);
    }
  }

  #set(dish: Dish): void {
    this.changes.push({ ts: dish.updatedAt, apply: (s) => s.set(dish.id, dish) });
  }
}

const pick = <T>(items: readonly T[], count: number) => Array.from({ length: count }, () => items[Math.floor(Math.random() * items.length)]!);

describe('state at a moment', () => {
  it('is the state after the last event with ts ≤ at, read from the nearest checkpoint and one interval of events', async () => {
    const log = freshLog({ checkpointEvents: 25 });
    const recorder = new Recorder(log);
    await recorder.write(700, 5);
    const stamps = recorder.changes.map((c) => c.ts);
    const first = stamps[0]!;
    const last = stamps.at(-1)!;
    const moments = [first - 1, first, last, last + 1, ...pick(stamps, 40), ...pick(stamps, 40).map((t) => t - 1)];
    for (const at of moments) {
      const answer = await log.stateAt(at);
      expect(answer.dishes, `state at ${at}`).toEqual(recorder.stateAt(at));
      // The checkpoint's own event, at most an interval after it, and a page of the next milliseconds.
      expect(answer.entriesRead).toBeLessThanOrEqual(25 + 1 + 8);
    }
    expect((await log.stateAt(first - 1)).id).toBe('0-0');
    expect((await log.stateAt(last)).id).toBe(await log.lastId());
    expect(await redis.xlen(log.keys.checkpoints)).toBeGreaterThanOrEqual(700 / 25 - 1);
    // The mirror checkpoints copy is the menu itself.
    const mirror = (await redis.hvals(log.keys.historyDishes)).map((json) => JSON.parse(json) as Dish).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(mirror).toEqual((await log.dishes()).dishes);
  });

  it('answers a log written before its history existed, once its next write filled the mirror', async () => {
    const old = freshLog({ checkpointEvents: 20 });
    const recorder = new Recorder(old);
    await recorder.write(120);
    // As a log of the first waves would be: no mirror, no meta, no checkpoints.
    await redis.del(old.keys.historyDishes, old.keys.historyMeta, old.keys.checkpoints);
    const log = new EventLog(redis, { prefix: old.keys.prefix, durability, checkpointEvents: 20 });
    const seededAt = (await log.stateAt(Date.now())).id;
    const later = new Recorder(log);
    later.changes.push(...recorder.changes);
    await later.write(60);
    expect(await redis.get(log.keys.historyMeta)).toMatch(/^\d+ \d+$/);
    const [firstCheckpoint] = await edge(log.keys.checkpoints, 'first');
    expect(firstCheckpoint, 'the first checkpoint is the seed, at the last event before it').toBe(seededAt);
    for (const at of pick(later.changes.map((c) => c.ts), 30)) {
      expect((await log.stateAt(at)).dishes, `state at ${at}`).toEqual(later.stateAt(at));
    }
  });
});

describe('state at an event id', () => {
  it('is the menu as of that event, from the nearest checkpoint and at most one interval of events', async () => {
    const log = freshLog({ checkpointEvents: 25 });
    const truth = new Map<string, Dish[]>();
    for (let i = 0; i < 120; i++) {
      const id = `d${i % 5}`;
      if (!(await log.getDish(id))) await log.createDish({ id, name: id, category: 'c', price: 100, stock: 10 });
      else if (i % 11 === 0) await log.deleteDish(id);
      else await log.updateDish(id, { price: 100 + i });
      truth.set(await log.lastId(), (await log.dishes()).dishes);
    }
    for (const [id, dishes] of truth) {
      const at = await log.dishesAt(id);
      // Before the first checkpoint nothing is known this cheaply: no answer rather than a walk through the log.
      if (at === undefined) expect(compareStreamIds(id, (await edge(log.keys.checkpoints, 'first'))[0])).toBeLessThan(0);
      else expect(at).toEqual(dishes);
    }
    expect(await log.dishesAt((await edge(log.keys.events, 'last'))[0])).toEqual((await log.dishes()).dishes);
  });
});

describe('history kept by time', () => {
  it('refuses a moment older than the retention, and one the memory bound already trimmed away', async () => {
    const log = freshLog({ historyRetentionMs: 60_000, streamMaxLen: 100, checkpointEvents: 25 });
    await expect(log.stateAt(Date.now() - 61_000)).rejects.toBeInstanceOf(HistoryGoneError);
    const recorder = new Recorder(log);
    await recorder.write(600, 3);
    const stamps = recorder.changes.map((c) => c.ts);
    await expect(log.stateAt(stamps[5]!)).rejects.toBeInstanceOf(HistoryGoneError);
    const recent = stamps.at(-20)!;
    expect((await log.stateAt(recent)).dishes).toEqual(recorder.stateAt(recent));
    // Checkpoints before the stream's first link are of no use and gone with it.
    const firstPrev = field(await edge(log.keys.events, 'first'), 'prev');
    const [oldestCheckpoint] = await edge(log.keys.checkpoints, 'first');
    expect(compareStreamIds(oldestCheckpoint, firstPrev)).toBeGreaterThanOrEqual(0);
  });

  it('trims the stream by age, Redis clock, and still answers every retained moment', async () => {
    const retention = 400;
    const log = freshLog({ historyRetentionMs: retention, checkpointMs: 20, checkpointEvents: 1000 });
    const recorder = new Recorder(log);
    const started = Date.now();
    while (Date.now() - started < 1500) await recorder.write(20, 1);
    const written = recorder.changes.length;
    const first = await edge(log.keys.events, 'first');
    const lastTs = recorder.changes.at(-1)!.ts;
    expect(await redis.xlen(log.keys.events)).toBeLessThan(written / 2);
    // The oldest event kept: the checkpoint before the horizon, give or take one of the stream's nodes (MINID ~).
    expect(Number(field(first, 'ts'))).toBeGreaterThan(lastTs - retention - 500);
    expect(field(first, 'prev')).not.toBe('0-0');
    // What a usable `since` is did not change: trimmed by age as by count, from the head only.
    expect((await log.replay('0-0')).recovered, 'the first event ever is gone').toBe(false);
    expect((await log.replay(field(first, 'prev'))).recovered, 'an id trimmed away').toBe(false);
    expect((await log.replay(first[0], 10)).recovered, 'the oldest id kept').toBe(true);
    const now = Date.now();
    for (const at of [now - retention + 1, now - retention / 2, lastTs]) {
      expect((await log.stateAt(at, now)).dishes, `state at ${at}`).toEqual(recorder.stateAt(at));
    }
  });
});
