import { describe, expect, it } from 'vitest';
import type { DishEvent } from '@dish-live/protocol';
import { ReplayScheduler } from './replay-scheduler.js';

const event = (n: number, ts: number): DishEvent => ({
  id: `${ts}-${n}`,
  prev: n === 0 ? '0-0' : `${ts}-${n - 1}`,
  type: 'chat.message',
  ts,
  data: { author: 'a', text: String(n) },
});

describe('ReplayScheduler', () => {
  it('hands out events at their recorded pace times the speed, in log order', () => {
    const wall = 1_000_000;
    const s = new ReplayScheduler(5_000, 10, wall);
    s.push([event(0, 5_500), event(1, 6_000), event(2, 15_000)]);
    expect(s.due(wall).events).toEqual([]);
    expect(s.nextDueIn(wall)).toBe(50);
    // 100 wall ms at 10× is one replayed second: two events are due.
    const { at, events } = s.due(wall + 100);
    expect(at).toBe(6_000);
    expect(events.map((e) => e.ts)).toEqual([5_500, 6_000]);
    expect(s.queued).toBe(1);
    expect(s.due(wall + 999).events).toEqual([]);
    expect(s.due(wall + 1000).events.map((e) => e.ts)).toEqual([15_000]);
    expect(s.nextDueIn(wall + 1000)).toBeUndefined();
  });

  it('keeps the log order when a later event has an earlier ts, and changes speed without jumping', () => {
    const s = new ReplayScheduler(0, 1, 0);
    s.push([event(0, 100), event(1, 300), event(2, 299)]);
    expect(s.due(200).events.map((e) => e.ts)).toEqual([100]);
    s.setSpeed(60, 200);
    expect(s.moment(200)).toBe(200);
    expect(s.moment(210)).toBe(800);
    expect(s.due(210).events.map((e) => e.ts)).toEqual([300, 299]);
  });

  it('gives the events still waiting to a paused replay, and none twice', () => {
    const s = new ReplayScheduler(0, 10, 0);
    s.push([event(0, 10), event(1, 20_000), event(2, 30_000)]);
    expect(s.due(1).events).toHaveLength(1);
    expect(s.rest().map((e) => e.ts)).toEqual([20_000, 30_000]);
    expect(s.queued).toBe(0);
    expect(s.due(1_000_000).events).toEqual([]);
  });
});
