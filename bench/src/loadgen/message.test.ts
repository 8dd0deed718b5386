import { describe, expect, it } from 'vitest';
import { accountMessage, BENCH_DISH_ID } from './message.js';
import { emptyCounters, LatencyHistogram, SequenceTracker } from './stats.js';

const sink = () => ({ counters: emptyCounters(), latency: new LatencyHistogram(), sequence: new SequenceTracker() });
const dish = (version: number) => ({ id: BENCH_DISH_ID, name: 'n', category: 'c', price: 1, stock: 1, sold: 0, version, updatedAt: 1 });
const event = (version: number, ts: number) =>
  JSON.stringify({ id: `1-${version}`, prev: `1-${version - 1}`, type: 'dish.updated', ts, data: { dish: dish(version) } });

function account(s: ReturnType<typeof sink>, text: string, now: number) {
  const buf = Buffer.from(`xx${text}yy`);
  accountMessage(s, buf, 2, buf.length - 2, now);
}

describe('accountMessage', () => {
  it('reads latency and sequence from an event, whatever the field order', () => {
    const s = sink();
    account(s, event(7, 1000), 1012.5);
    account(s, JSON.stringify({ data: { dish: dish(8) }, ts: 1001, type: 'dish.updated', id: '1-8', prev: '1-7' }), 1002);
    expect(s.counters).toMatchObject({ events: 2, lost: 0, reordered: 0 });
    expect(s.latency.max).toBe(12.5);
    expect(s.sequence.last).toBe(8);
  });

  it('reads a Socket.IO event array the same way', () => {
    const s = sink();
    account(s, `["dish.updated",${event(3, 1000)}]`, 1001);
    account(s, `["dish.updated",${event(5, 1000)}]`, 1001);
    expect(s.counters).toMatchObject({ events: 2, lost: 1 });
  });

  it('takes its baseline from a snapshot and counts a state as conflated', () => {
    const s = sink();
    account(s, JSON.stringify({ type: 'snapshot', id: '1-4', dishes: [dish(4)], sales: {}, recovered: false, instance: 'i' }), 0);
    account(s, event(5, 0), 1);
    account(s, JSON.stringify({ type: 'state', id: '1-9', dishes: [dish(9)], chat: [] }), 1);
    account(s, event(10, 0), 1);
    expect(s.counters).toMatchObject({ events: 2, control: 2, lost: 0, conflated: 4 });
  });
});
