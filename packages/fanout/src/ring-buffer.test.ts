// The ring serves a resume only when it can prove nothing is missing.
import { describe, expect, it } from 'vitest';
import type { DishEvent } from '@dish-live/protocol';
import { RingBuffer } from './ring-buffer.js';

const ev = (n: number): DishEvent => ({
  id: `${n}-0`, prev: n === 1 ? '0-0' : `${n - 1}-0`, type: 'chat.message', ts: n, data: { author: 'a', text: String(n) },
});

describe('RingBuffer', () => {
  it('answers the events after an id it holds, or after its oldest event’s prev', () => {
    const ring = new RingBuffer(3);
    for (let n = 1; n <= 5; n++) ring.push(ev(n));
    expect(ring.size).toBe(3);
    expect(ring.after('3-0')?.map((e) => e.event.id)).toEqual(['4-0', '5-0']);
    expect(ring.after('2-0')?.map((e) => e.event.id)).toEqual(['3-0', '4-0', '5-0']);
    expect(ring.after('5-0')).toEqual([]);
  });

  it('cannot answer ids it does not hold', () => {
    const ring = new RingBuffer(3);
    for (let n = 1; n <= 5; n++) ring.push(ev(n));
    expect(ring.after('1-0')).toBeUndefined();
    expect(ring.after('0-0')).toBeUndefined();
    expect(ring.after('4-5')).toBeUndefined();
  });

  it('answers "0-0" while it still holds the first event ever', () => {
    const ring = new RingBuffer(10);
    for (let n = 1; n <= 3; n++) ring.push(ev(n));
    expect(ring.after('0-0')?.length).toBe(3);
    ring.clear();
    expect(ring.after('0-0')).toBeUndefined();
  });

  it('keeps each event’s JSON, so a resume serializes nothing', () => {
    const ring = new RingBuffer(3);
    const e = ev(1);
    ring.push(e, '{"as":"published"}');
    ring.push(ev(2));
    expect(ring.after('0-0')?.map((x) => x.json)).toEqual(['{"as":"published"}', JSON.stringify(ev(2))]);
    expect(ring.after('0-0')![0]!.event).toBe(e);
  });
});
