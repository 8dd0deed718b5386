// The hub against a real Redis: snapshot, resume from ring and from Redis under live traffic, filters, conflation, limits.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { DishEvent, ServerMessage, Snapshot, SnapshotMessage, StateMessage, SubscriptionOptions } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import { Hub, type HubOptions } from './hub.js';
import { MemorySink, MemoryTransport, silentLogger, until } from './hub.test-helpers.js';
import { createMetrics } from './metrics.js';

const { url, prefix } = testRedis('fanout-hub');
let redis: Redis;
let log: EventLog;
const hubs: { hub: Hub; subscriber: Redis }[] = [];

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  for (const [id, category] of [['a', 'soup'], ['b', 'soup'], ['c', 'grill']] as const) {
    await log.createDish({ id, name: id.toUpperCase(), category, price: 100, stock: 1_000_000 });
  }
});

afterEach(async () => {
  for (const { hub, subscriber } of hubs.splice(0)) {
    await hub.stop();
    subscriber.disconnect();
  }
});

afterAll(() => redis?.disconnect());

async function startHub(options: Partial<HubOptions> = {}): Promise<{ hub: Hub; transport: MemoryTransport }> {
  const transport = new MemoryTransport();
  const subscriber = new Redis(url);
  const hub = new Hub({
    log, subscriber, transport, logger: silentLogger, metrics: createMetrics('memory'), instance: 'test-1',
    ringSize: 100, softLimitBytes: 1000, hardLimitBytes: 10_000, tickMs: 5, ...options,
  });
  await hub.start();
  hubs.push({ hub, subscriber });
  return { hub, transport };
}

function connect(hub: Hub, options: SubscriptionOptions = {}) {
  const sink = new MemorySink();
  return { sink, conn: hub.connect(sink, options) };
}

const eventsOf = (sink: MemorySink) => sink.messages.filter((m): m is DishEvent => 'prev' in m);

/** The chain a client can check: every event's prev (and every state's coverage) continues from the id before it. */
function chainOf(messages: ServerMessage[]): string[] {
  const problems: string[] = [];
  let last: string | undefined;
  for (const m of messages) {
    if (m.type === 'snapshot' || m.type === 'resumed' || m.type === 'state') last = m.id;
    else if ('prev' in m) {
      if (m.prev !== last) problems.push(`${m.id}: prev ${m.prev}, expected ${last}`);
      last = m.id;
    }
  }
  return problems;
}

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

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function change(n: number, ids = ['a', 'b', 'c']): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    await log.updateDish(ids[i % ids.length]!, { stock: 900_000 - i });
    out.push(await log.lastId());
  }
  return out;
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
    await subscriber.unsubscribe(log.keys.channel);
    await log.updateDish('c', { stock: 4242 });
    await log.applyOrder('trim-1', [{ dishId: 'a', qty: 2 }]);
    await log.applyOrder('trim-2', [{ dishId: 'b', qty: 3 }]);
    // A stream of two: the hub's last id and the update of c are gone before it read them.
    await redis.xtrim(log.keys.events, 'MAXLEN', 2);

    const installing = gate();
    heldLog.snapshotHold = installing.promise;
    const published: string[] = [];
    subscriber.on('message', (_ch: string, json: string) => published.push((JSON.parse(json) as DishEvent).id));
    await subscriber.subscribe(log.keys.channel);
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
    await until('the view at the newest event', () => hub.lastId === newest);
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
