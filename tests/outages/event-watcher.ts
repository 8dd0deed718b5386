// Clients of the project (`@dish-live/client`) that keep every event they applied through a fault, judged against the
// log afterwards.
import { connect, type ConnectOptions, type DishClient } from '@dish-live/client';
import { compareStreamIds, ZERO_ID, type DishEvent } from '@dish-live/protocol';
import { waitFor } from '@dish-live/test-support';

/**
 * A client of the project (`@dish-live/client`) that keeps every event it applied, to be judged against the log
 * after a fault. Any transport: polling on the dish service here; a WebSocket or SSE gateway the same way
 * (`watchEvents('ws', { ...nodeTransports(), transport: 'ws', url })`).
 */
export interface EventWatcher {
  name: string;
  client: DishClient;
  /** The id of its first snapshot: its view of the log starts after it. */
  startId: string | undefined;
  /** Events in the order it applied them. */
  received: DishEvent[];
  snapshots: number;
  close(): void;
}

export function watchEvents(name: string, options: ConnectOptions): EventWatcher {
  const client = connect(options);
  const watcher: EventWatcher = {
    name,
    client,
    startId: undefined,
    received: [],
    snapshots: 0,
    close: () => client.close(),
  };
  client.on('snapshot', (snapshot) => {
    watcher.snapshots++;
    watcher.startId ??= snapshot.id;
  });
  client.on('event', (event) => watcher.received.push(event));
  return watcher;
}

/** Waits until the watcher has applied the log up to `lastId` (or past it: the log may go on meanwhile). */
export function caughtUp(watcher: EventWatcher, lastId: string, timeoutMs = 30_000): Promise<true> {
  const reached = () => watcher.client.lastId !== undefined && compareStreamIds(watcher.client.lastId, lastId) >= 0;
  return waitFor(`${watcher.name} to reach ${lastId}`, () => (reached() ? true : undefined), timeoutMs, () => ({
    lastId: watcher.client.lastId,
    status: watcher.client.status,
  }));
}

/**
 * What a watcher got against what the log holds after its start, up to the log's last event as read (events
 * written since are left out): each event once, in log order. `lost` counts the events it never applied,
 * `duplicates` those it applied twice, `outOfOrder` those that came before an event the log has ahead of them,
 * `unknown` those the log does not hold.
 */
export function judgeDelivery(watcher: EventWatcher, log: readonly DishEvent[]) {
  const start = watcher.startId ?? ZERO_ID;
  const from = start === ZERO_ID ? 0 : log.findIndex((e) => e.id === start) + 1;
  const expected = log.slice(from).map((e) => e.id);
  const position = new Map(expected.map((id, i) => [id, i]));
  const cutoff = log.at(-1)?.id ?? ZERO_ID;
  const received = watcher.received.filter((e) => compareStreamIds(e.id, cutoff) <= 0);
  const seen = new Set<string>();
  let duplicates = 0;
  let outOfOrder = 0;
  let previous = -1;
  for (const event of received) {
    if (seen.has(event.id)) duplicates++;
    seen.add(event.id);
    const at = position.get(event.id) ?? -1;
    if (at < previous) outOfOrder++;
    previous = Math.max(previous, at);
  }
  const lost = expected.filter((id) => !seen.has(id)).length;
  const unknown = received.filter((e) => !position.has(e.id)).length;
  return { expected: expected.length, lost, duplicates, outOfOrder, unknown };
}
