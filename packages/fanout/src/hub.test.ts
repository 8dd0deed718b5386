// The hub against a real Redis: snapshot, resume from ring and from Redis under live traffic, filters, restarts, expiry, reload.
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { DishEvent, Snapshot, SnapshotMessage } from '@dish-live/protocol';
import { chainOf, connect, eventsOf, hubTestbed, until } from './hub.test-helpers.js';

const bed = hubTestbed('fanout-hub');
const { startHub, change } = bed;
let log: EventLog;
beforeAll(() => {
  log = bed.log;
});
let redis: Redis;
let prefix: string;
let hubs: typeof bed.hubs;
beforeAll(() => {
  ({ redis, prefix, hubs } = bed);
});

/** An event log whose reads a test can hold: the feed's last-id check, and the snapshot a reset reloads once it is read. */
class HeldLog extends EventLog {
  lastIdHold: Promise<void> | undefined;
  snapshotHold: Promise<void> | undefined;
  snapshots = 0;

  override async lastId(): Promise<string> {
    await this.lastIdHold;
    return super.lastId();
  }

  override async snapshot(now?: number): Promise<Snapshot> {
    this.snapshots++;
    const snapshot = await super.snapshot(now);
    await this.snapshotHold;
    return snapshot;
  }
}

/** An event log counting the replay pages and ranges (a resume's digest, the feed's gap fills) read from Redis. */
class CountingLog extends EventLog {
  replays = 0;
  ranges = 0;

  override replay(since: string, limit?: number): ReturnType<EventLog['replay']> {
    this.replays++;
    return super.replay(since, limit);
  }

  override range(start: string, end: string, count: number): ReturnType<EventLog['range']> {
    this.ranges++;
    return super.range(start, end, count);
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('Hub', () => {
  it('sends a snapshot from memory, then each event once, serialized once per group whatever the clients', async () => {
    const { hub, transport } = await startHub();
    const clients = [connect(hub), connect(hub), connect(hub)];
    await until('snapshot flushed', () => clients[0]!.sink.frames.length === 1);
    const snap = clients[0]!.sink.messages[0] as SnapshotMessage;
    expect(snap).toMatchObject({ type: 'snapshot', recovered: false, instance: 'test-1', id: await log.lastId() });
    expect(snap.dishes).toEqual((await log.snapshot()).dishes);
    const encodesBefore = transport.encodes;
    const written = await change(5);
    for (const { sink } of clients) await until('5 events', () => eventsOf(sink).length === 5);
    expect(transport.encodes - encodesBefore).toBe(5);
    for (const { sink } of clients) {
      expect(eventsOf(sink).map((e) => e.id)).toEqual(written);
      expect(chainOf(sink.messages)).toEqual([]);
    }
  });

  it('coalesces under load: an event after a quiet spell goes out at once, those within the window in one publish', async () => {
    const { hub, transport } = await startHub({ coalesceMs: 300, tickMs: 10_000 });
    const { sink } = connect(hub);
    await until('snapshot flushed', () => sink.frames.length === 1);
    await new Promise((r) => setTimeout(r, 350));
    const first = await change(1);
    const t0 = performance.now();
    await until('the first event', () => eventsOf(sink).length === 1);
    expect(performance.now() - t0).toBeLessThan(250);
    const rest = await change(4);
    await until('all 5 events', () => eventsOf(sink).length === 5, 5000);
    expect(transport.batches).toEqual([1, 4]);
    expect(eventsOf(sink).map((e) => e.id)).toEqual([...first, ...rest]);
    expect(chainOf(sink.messages)).toEqual([]);
  });

  it('resumes from Redis while live events keep arriving, without loss or duplicates', async () => {
    const { hub } = await startHub({ ringSize: 3, replayPageSize: 7 });
    const since = await log.lastId();
    const missed = await change(30);
    await hub.idle();
    const writing = change(30);
    const { sink } = connect(hub, { since });
    const more = await writing;
    await until('60 events', () => eventsOf(sink).length >= 60);
    expect(sink.messages[0]).toMatchObject({ type: 'resumed', id: since, recovered: true });
    expect(eventsOf(sink).map((e) => e.id)).toEqual([...missed, ...more]);
    expect(chainOf(sink.messages)).toEqual([]);
  });

  it('lets clients resuming from Redis at once share its reads, each still getting every event once, in order', async () => {
    const counting = new CountingLog(redis, { prefix });
    const { hub } = await startHub({ ringSize: 3, replayPageSize: 7, log: counting });
    const since = await log.lastId();
    const missed = await change(30);
    await hub.idle();
    const writing = change(30);
    // A restarted gateway's clients, all back with the same last id: unshared, 200 × 5 pages of XRANGE.
    const clients = Array.from({ length: 200 }, () => connect(hub, { since }));
    const more = await writing;
    for (const { sink } of clients) await until('60 events', () => eventsOf(sink).length >= 60);
    for (const { sink } of clients) {
      expect(sink.messages[0]).toMatchObject({ type: 'resumed', id: since, recovered: true });
      expect(eventsOf(sink).map((e) => e.id)).toEqual([...missed, ...more]);
      expect(chainOf(sink.messages)).toEqual([]);
    }
    expect(counting.replays).toBeLessThan(40);
    expect(counting.ranges).toBeLessThan(40);
  });

  it('resumes from the ring, and answers an unknown id with a snapshot', async () => {
    const { hub } = await startHub();
    const since = await log.lastId();
    const missed = await change(4);
    await hub.idle();
    const { sink } = connect(hub, { since });
    await until('4 events', () => eventsOf(sink).length === 4);
    expect(sink.messages[0]).toMatchObject({ type: 'resumed', id: since });
    expect(eventsOf(sink).map((e) => e.id)).toEqual(missed);
    for (const bad of ['nope', '1-0', '99999999999999-0']) {
      const other = connect(hub, { since: bad });
      await until('a first message', () => other.sink.frames.length > 0);
      expect(other.sink.messages[0]).toMatchObject({ type: 'snapshot', recovered: false });
    }
  });

  it('filters by category and rewrites prev to each client’s chain', async () => {
    const { hub, transport } = await startHub();
    const soup = [connect(hub, { categories: ['soup'] }), connect(hub, { categories: ['soup'] })];
    const grill = connect(hub, { categories: ['grill'] });
    await change(6);
    await log.appendChat({ author: 'x', text: 'hi' });
    for (const { sink } of soup) await until('5 soup events', () => eventsOf(sink).length === 5);
    await until('3 grill events', () => eventsOf(grill.sink).length === 3);
    for (const { sink } of [...soup, grill]) expect(chainOf(sink.messages)).toEqual([]);
    expect((soup[0]!.sink.messages[0] as SnapshotMessage).dishes.map((d) => d.id)).toEqual(['a', 'b']);
    expect(eventsOf(soup[0]!.sink)).toEqual(eventsOf(soup[1]!.sink));
    expect(transport.publishes).toBeGreaterThan(0);
  });

  it('closes every connection for a restart', async () => {
    const { hub } = await startHub();
    const clients = [connect(hub), connect(hub, { categories: ['grill'] })];
    hub.closeAll('restart');
    expect(clients.map((c) => c.sink.closedWith)).toEqual(['restart', 'restart']);
    expect(hub.connectionCount).toBe(0);
  });

  it('closes a connection with token_expired at its deadline; a new deadline replaces it; a closed one keeps no timer', async () => {
    const { hub } = await startHub();
    const soon = connect(hub);
    const renewed = connect(hub);
    const gone = connect(hub);
    hub.expireAt(soon.conn, Date.now() + 50);
    hub.expireAt(renewed.conn, Date.now() + 50);
    hub.expireAt(renewed.conn, Date.now() + 60_000);
    hub.expireAt(gone.conn, Date.now() + 50);
    hub.disconnect(gone.conn);
    expect(gone.conn.expiry).toBeUndefined();
    await until('the expiry', () => soon.sink.closedWith);
    expect(soon.sink.closedWith).toBe('token_expired');
    expect(renewed.sink.closedWith).toBeUndefined();
    expect(gone.sink.closedWith).toBeUndefined();
    expect(hub.connectionCount).toBe(1);
    hub.closeAll('restart');
    expect(renewed.conn.expiry).toBeUndefined();
  });

  // Last: it trims the stream every other test shares.
  it('reloads its view when the stream was trimmed past it: later snapshots have the lost changes, sales counted once', async () => {
    const heldLog = new HeldLog(redis, { prefix });
    const { hub } = await startHub({ log: heldLog });
    const subscriber = hubs.at(-1)!.subscriber;
    const before = connect(hub);
    await until('a snapshot', () => before.sink.frames.length === 1);

    // The hub hears nothing: no publishes, and its periodic check of the last id waits.
    const quiet = gate();
    heldLog.lastIdHold = quiet.promise;
    await subscriber.sunsubscribe(log.keys.channel);
    await log.updateDish('c', { stock: 4242 });
    await log.applyOrder('trim-1', [{ dishId: 'a', qty: 2 }]);
    await log.applyOrder('trim-2', [{ dishId: 'b', qty: 3 }]);
    // A stream of two: the hub's last id and the update of c are gone before it read them.
    await redis.xtrim(log.keys.events, 'MAXLEN', 2);

    const installing = gate();
    heldLog.snapshotHold = installing.promise;
    const published: string[] = [];
    subscriber.on('smessage', (_ch: string, json: string) => published.push((JSON.parse(json) as DishEvent).id));
    await subscriber.ssubscribe(log.keys.channel);
    heldLog.lastIdHold = undefined;
    quiet.open();
    await until('the reload after the reset', () => heldLog.snapshots === 2);

    // Read but not yet installed: the feed delivers the two survivors (in the snapshot) and one newer sale (not in it).
    await log.applyOrder('after-1', [{ dishId: 'a', qty: 5 }]);
    const newest = await log.lastId();
    await until('the newer sale published', () => published.includes(newest));
    await hub.idle();
    installing.open();

    await until('the old client told to reconnect', () => before.sink.closedWith);
    expect(before.sink.closedWith).toBe('restart');
    await until('the view at the newest event', () => hub.lastId() === newest);
    const after = connect(hub);
    await until('a snapshot', () => after.sink.frames.length === 1);
    const snap = after.sink.messages[0] as SnapshotMessage;
    const truth = await log.snapshot();
    expect(snap.id).toBe(truth.id);
    expect(snap.dishes.find((d) => d.id === 'c')?.stock).toBe(4242);
    expect(snap.dishes).toEqual(truth.dishes);
    expect(snap.sales).toEqual(truth.sales);
  });
});
