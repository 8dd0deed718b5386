// Backpressure against a real Redis: conflation past the soft limit and back, the hard limit, maxRate pacing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventLog } from '@dish-live/broker';
import type { StateMessage } from '@dish-live/protocol';
import { chainOf, connect, eventsOf, hubTestbed, until } from './hub.test-helpers.js';

const bed = hubTestbed('fanout-backpressure');
const { startHub, change } = bed;
let log: EventLog;
beforeAll(() => {
  log = bed.log;
});

describe('backpressure', () => {
  it('conflates a client past the soft limit, then sends one state when it drains and puts it back on full rate', async () => {
    const { hub } = await startHub();
    const slow = connect(hub);
    const fast = connect(hub);
    await change(1);
    await until('first event', () => eventsOf(slow.sink).length === 1);
    slow.sink.bufferedBytes = 5000;
    await change(1);
    await until('conflated', () => slow.conn.mode === 'conflating');
    const whileSlow = await change(9);
    await log.appendChat({ author: 'x', text: 'never conflated away' });
    await hub.idle();
    await until('fast client has all', () => eventsOf(fast.sink).length === 12);
    slow.sink.bufferedBytes = 0;
    const state = await until('a state', () => slow.sink.messages.find((m): m is StateMessage => m.type === 'state'));
    expect(state.id).toBe(await log.lastId());
    expect(state.dishes.map((d) => d.id).sort()).toEqual(['a', 'b', 'c']);
    expect(state.chat.map((c) => c.data.text)).toEqual(['never conflated away']);
    expect(whileSlow.length).toBe(9);
    await until('live again', () => slow.conn.mode === 'live');
    const after = await change(2);
    await until('live events', () => eventsOf(slow.sink).slice(-2).map((e) => e.id).join() === after.join());
    expect(chainOf(slow.sink.messages)).toEqual([]);
  });

  it('disconnects a client past the hard limit with reason slow', async () => {
    const { hub } = await startHub();
    const slow = connect(hub);
    slow.sink.bufferedBytes = 20_000;
    await change(1);
    await until('closed', () => slow.sink.closedWith);
    expect(slow.sink.closedWith).toBe('slow');
    expect(slow.conn.closed).toBe(true);
  });

  it('paces a maxRate client with state messages and ends on the latest state', async () => {
    const { hub } = await startHub();
    const capped = connect(hub, { maxRate: 10 });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      await change(1);
      await new Promise((r) => setTimeout(r, 10));
    }
    const last = await log.lastId();
    await until('the last state', () => capped.sink.messages.some((m) => m.type === 'state' && m.id === last));
    const seconds = (Date.now() - started) / 1000;
    const states = capped.sink.messages.filter((m) => m.type === 'state');
    expect(states.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(eventsOf(capped.sink)).toEqual([]);
  });

});
