// For hub tests: an in-memory transport and sink (frames kept, backpressure set by hand) and a testbed over real Redis.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { EventLog, ShardSubscriber } from '@dish-live/broker';
import type { DishEvent, ServerMessage, SubscriptionOptions } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import { DEFAULT_RESTAURANT } from '@dish-live/protocol';
import { Hub, type HubOptions } from './hub.js';
import { createMetrics } from './metrics.js';
import type { Logger } from '@dish-live/server';
import type { CloseReason, Sink, Transport } from './transport.js';

export class MemorySink implements Sink {
  readonly frames: string[] = [];
  bufferedBytes = 0;
  closedWith: CloseReason | undefined;

  buffered(): number {
    return this.bufferedBytes;
  }

  send(frames: readonly string[]): void {
    this.frames.push(...frames);
  }

  close(reason: CloseReason): void {
    this.closedWith = reason;
  }

  get messages(): ServerMessage[] {
    return this.frames.map((f) => JSON.parse(f) as ServerMessage);
  }
}

export class MemoryTransport implements Transport<MemorySink> {
  readonly name = 'memory';
  encodes = 0;
  publishes = 0;
  /** Frames per publish, in order: how the hub batched a group's events. */
  readonly batches: number[] = [];

  encode(_message: ServerMessage, json: string): string {
    this.encodes++;
    return json;
  }

  join(): void {}

  leave(): void {}

  publish(_topic: string, sinks: readonly MemorySink[], frames: readonly string[]): void {
    this.publishes++;
    this.batches.push(frames.length);
    for (const sink of sinks) sink.frames.push(...frames);
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export async function until<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A real Redis with three dishes of `default` (a and b: soup; c: grill) and hubs over it, each stopped after its test.
 * `log` serves `default` (a test may pass its own); any other restaurant gets a log of its own under the same prefix.
 */
export function hubTestbed(name: string) {
  const { url, prefix } = testRedis(name);
  const hubs: { hub: Hub<MemorySink>; subscriber: Redis }[] = [];
  let redis: Redis | undefined;
  let log: EventLog | undefined;

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

  return {
    prefix,
    hubs,
    get redis(): Redis {
      return redis!;
    },
    get log(): EventLog {
      return log!;
    },
    /**
     * A started hub with `default` loaded and held for the test (so `connect` below needs no wait); `log` replaces the
     * testbed's log of `default`.
     */
    startHub: async (
      options: Partial<HubOptions<MemorySink>> & { log?: EventLog } = {},
    ): Promise<{ hub: Hub<MemorySink>; transport: MemoryTransport; metrics: ReturnType<typeof createMetrics> }> => {
      const transport = new MemoryTransport();
      const subscriber = new Redis(url);
      const metrics = createMetrics('memory');
      const { log: own, ...rest } = options;
      const logFor = (restaurant: string) => (restaurant === DEFAULT_RESTAURANT ? (own ?? log!) : new EventLog(redis!, { prefix, restaurant }));
      const hub = new Hub<MemorySink>({
        logFor, channels: new ShardSubscriber(subscriber), transport, logger: silentLogger, metrics, instance: 'test-1',
        ringSize: 100, softLimitBytes: 1000, hardLimitBytes: 10_000, tickMs: 5, ...rest,
      });
      await hub.start();
      hubs.push({ hub, subscriber });
      await hub.acquire(DEFAULT_RESTAURANT);
      return { hub, transport, metrics };
    },
    /** `n` changes to the dishes in turn; the ids of their events. */
    change: async (n: number, ids = ['a', 'b', 'c']): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        await log!.updateDish(ids[i % ids.length]!, { stock: 900_000 - i });
        out.push(await log!.lastId());
      }
      return out;
    },
  };
}

/** A client of a restaurant that is live on the hub (the testbed holds `default`). */
export function connect(hub: Hub<MemorySink>, options: SubscriptionOptions = {}, restaurant: string = DEFAULT_RESTAURANT) {
  const sink = new MemorySink();
  const lease = hub.restaurants.tryAcquire(restaurant);
  if (!lease) throw new Error(`${restaurant} is not live on this hub`);
  return { sink, conn: hub.connect(sink, lease, options) };
}

export const eventsOf = (sink: MemorySink) => sink.messages.filter((m): m is DishEvent => 'prev' in m);

/** The chain a client can check: every event's prev (and every state's coverage) continues from the id before it. */
export function chainOf(messages: ServerMessage[]): string[] {
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
