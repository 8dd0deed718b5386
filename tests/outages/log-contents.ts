// What the event log holds after a fault, read back whole: every event, the breaks in its prev chain, and what it
// says was sold.
import type { EventLog } from '@dish-live/broker';
import { ZERO_ID, type DishEvent } from '@dish-live/protocol';

/** Every event of the log from the first, read page by page. Throws if the log was trimmed (the test's window is too small). */
export async function readAllEvents(log: EventLog): Promise<DishEvent[]> {
  const events: DishEvent[] = [];
  let since = ZERO_ID;
  for (;;) {
    const page = await log.replay(since, 1000);
    if (!page.recovered) throw new Error(`the log no longer starts at ${since}: raise STREAM_MAXLEN for this test`);
    events.push(...page.events);
    since = page.last;
    if (!page.more) return events;
  }
}

/** Places where an event's `prev` is not the id before it: each is a lost (or reordered) event. */
export function chainBreaks(events: readonly DishEvent[]): { at: string; prev: string; expected: string }[] {
  const breaks: { at: string; prev: string; expected: string }[] = [];
  let expected = ZERO_ID;
  const ids = new Set<string>();
  for (const e of events) {
    if (e.prev !== expected || ids.has(e.id)) breaks.push({ at: e.id, prev: e.prev, expected });
    ids.add(e.id);
    expected = e.id;
  }
  return breaks;
}

/** dish.sold events per orderId. */
export function soldEventsByOrder(events: readonly DishEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) if (e.type === 'dish.sold') counts.set(e.data.orderId, (counts.get(e.data.orderId) ?? 0) + 1);
  return counts;
}

/** Quantities sold per dish according to the log. */
export function soldQtyByDish(events: readonly DishEvent[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const e of events) if (e.type === 'dish.sold') totals.set(e.data.dish.id, (totals.get(e.data.dish.id) ?? 0) + e.data.qty);
  return totals;
}
