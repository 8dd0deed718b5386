// The fan-out core: one feed, a view and a ring, groups per filter set, and each connection's way from connect to live.
import type { Redis } from 'ioredis';
import {
  compareStreamIds,
  filterKey,
  isStreamId,
  type DishEvent,
  type ResumedMessage,
  type ServerMessage,
  type Snapshot,
  type SnapshotMessage,
  type SubscriptionOptions,
} from '@dish-live/protocol';
import { LiveFeed, type EventLog } from '@dish-live/broker';
import { Conflation } from './conflation.js';
import { Connection } from './connection.js';
import { Group } from './group.js';
import type { Logger } from './logger.js';
import type { FanoutMetrics } from './metrics.js';
import { RingBuffer, type RingEntry } from './ring-buffer.js';
import type { CloseReason, Sink, Transport } from './transport.js';
import { View } from './view.js';

export interface HubOptions {
  /** Reads (snapshot, replays, gap fills). */
  log: EventLog;
  /** A connection of its own for SUBSCRIBE. */
  subscriber: Redis;
  transport: Transport;
  logger: Logger;
  metrics: FanoutMetrics;
  instance: string;
  ringSize: number;
  /** Past this many buffered bytes a client is conflated. */
  softLimitBytes: number;
  /** Past this many bytes owed (buffered + conflated) a client is disconnected. */
  hardLimitBytes: number;
  /** How often conflated clients are looked at (flush when drained, maxRate pacing). */
  tickMs?: number;
  /** Events per XRANGE page of a replay from Redis. */
  replayPageSize?: number;
  /**
   * Flushes at most once per this many ms while events keep coming (0: every event-loop turn). A flush after a quiet
   * spell goes out on the next turn, so this adds latency only under load, where it bounds the writes per client.
   */
  coalesceMs?: number;
}

export const DEFAULT_TICK_MS = 25;

export class Hub {
  readonly instance: string;
  readonly #o: HubOptions;
  readonly #transport: Transport;
  readonly #ring: RingBuffer;
  readonly #groups = new Map<string, Group>();
  readonly #connections = new Set<Connection>();
  readonly #conflating = new Set<Connection>();
  readonly #joinable = new Set<Connection>();
  /** Groups published to since the last tick, whose members' backpressure the tick measures. */
  readonly #toSweep = new Set<Group>();
  #dirtyConns: Connection[] = [];
  #dirtyGroups: Group[] = [];
  #scheduled = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #lastFlushAt = -Infinity;
  #view: View | undefined;
  #feed: LiveFeed | undefined;
  #tick: NodeJS.Timeout | undefined;
  #nextId = 1;
  #gapsSeen = 0;
  /** While the view is read again after a feed reset, the feed's events wait here in order. */
  #held: { event: DishEvent; json: string }[] | undefined;
  /** Counts resets: only the latest one's reload may install its view. */
  #resets = 0;
  #reloadRetry: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Failed replays since the last warning: a Redis outage fails every resuming client at once, and one line a second says so. */
  #replayFailures = 0;
  #replayWarnedAt = 0;

  constructor(options: HubOptions) {
    this.#o = options;
    this.instance = options.instance;
    this.#transport = options.transport;
    this.#ring = new RingBuffer(options.ringSize);
  }

  /** Loads the view once from Redis, then follows the feed from the snapshot's id. */
  async start(): Promise<void> {
    const { log, subscriber, logger } = this.#o;
    const snapshot = await log.snapshot();
    this.#view = new View(snapshot, log.snapshotSalesWindowMs);
    this.#feed = new LiveFeed({
      log, subscriber, from: snapshot.id,
      onEvent: (event, json) => this.#onEvent(event, json),
      onReset: (lastId) => this.#onReset(lastId),
      onLiveChange: (live) => (live ? logger.info({ live }, 'feed live') : logger.warn({ live }, 'feed down')),
      onError: (err) => logger.warn({ err: err.message }, 'feed error'),
    });
    await this.#feed.start();
    this.#tick = setInterval(() => this.#onTick(), this.#o.tickMs ?? DEFAULT_TICK_MS);
    this.#tick.unref();
    logger.info({ lastId: snapshot.id, dishes: snapshot.dishes.length }, 'view loaded');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#tick);
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#reloadRetry);
    await this.#feed?.stop();
  }

  /** The feed is subscribed and delivering, and the command connection (replays, gap fills) is up. */
  get ready(): boolean {
    return (this.#feed?.live ?? false) && this.#o.log.ready;
  }

  get lastId(): string {
    return this.#view?.last ?? '0-0';
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Resolves when the feed has delivered everything it has queued (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#feed?.idle();
  }

  connect<S extends Sink>(sink: S, options: SubscriptionOptions): Connection<S> {
    const conn = new Connection(this.#nextId++, sink);
    this.#connections.add(conn);
    this.#o.metrics.bound.connections.inc();
    this.subscribe(conn, options);
    return conn;
  }

  /** (Re)starts a connection's subscription: snapshot, or resumed + missed events, then live. */
  subscribe(conn: Connection, options: SubscriptionOptions): void {
    if (conn.closed) return;
    this.#detach(conn, true);
    conn.epoch++;
    conn.options = options;
    conn.floor = '0-0';
    const group = this.#groupFor(options.categories);
    conn.group = group;
    group.others.add(conn);
    const view = this.#view!;
    const since = options.since;
    if (since === undefined || !isStreamId(since)) return this.#sendSnapshot(conn);
    if (since === view.last) {
      this.#sendResumed(conn, since);
      return this.#afterSync(conn);
    }
    const fromRing = compareStreamIds(since, view.last) < 0 ? this.#ring.after(since) : undefined;
    if (fromRing) {
      this.#sendResumed(conn, since);
      for (const entry of fromRing) if (group.passes(entry.event)) this.#sendEvent(conn, entry.event, entry.json, entry);
      return this.#afterSync(conn);
    }
    void this.#replayFromRedis(conn, since, conn.epoch);
  }

  /** A message for this connection alone (error, pong), outside the event chain. */
  send(conn: Connection, message: ServerMessage): void {
    if (conn.closed) return;
    this.#queue(conn, this.#transport.encode(message, JSON.stringify(message)));
  }

  /**
   * Closes the connection with `token_expired` at `at` (ms since the epoch), or never when undefined; a later call
   * (re-authentication) replaces the deadline. One unref'd timer per connection that has a token, none otherwise.
   */
  expireAt(conn: Connection, at: number | undefined): void {
    clearTimeout(conn.expiry);
    conn.expiry = undefined;
    if (at === undefined || conn.closed) return;
    // setTimeout holds at most ~24.8 days; a longer token is looked at again then.
    const delay = Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1);
    conn.expiry = setTimeout(() => {
      if (Date.now() >= at) this.close(conn, 'token_expired');
      else this.expireAt(conn, at);
    }, delay);
    conn.expiry.unref();
  }

  /** The transport saw the connection end. */
  disconnect(conn: Connection, reason = 'client'): void {
    if (conn.closed) return;
    this.#forget(conn, reason);
  }

  /** Ends a connection from the server side. */
  close(conn: Connection, reason: CloseReason): void {
    if (conn.closed) return;
    this.#forget(conn, reason);
    conn.sink.close(reason);
  }

  /** Shutdown: whatever is queued goes out, then every client is told to reconnect elsewhere. */
  closeAll(reason: CloseReason): void {
    this.#flush();
    for (const conn of [...this.#connections]) this.close(conn, reason);
  }

  #forget(conn: Connection, reason: string): void {
    // Never touch the socket here: the transport has let go of it or is about to.
    this.#detach(conn, false);
    clearTimeout(conn.expiry);
    conn.expiry = undefined;
    conn.mode = 'closed';
    conn.out.length = 0;
    conn.outBytes = 0;
    this.#connections.delete(conn);
    this.#o.metrics.bound.connections.dec();
    this.#o.metrics.disconnects.labels(this.#transport.name, reason).inc();
  }

  #groupFor(categories: readonly string[] | undefined): Group {
    const existing = this.#groups.get(filterKey(categories));
    if (existing) return existing;
    const group = new Group(categories, this.#view!.last);
    this.#groups.set(group.key, group);
    return group;
  }

  /** Takes a connection out of its group and every set. */
  #detach(conn: Connection, socketOpen: boolean): void {
    const group = conn.group;
    if (!group) return;
    if (conn.mode === 'live') {
      group.removeMember(conn);
      if (socketOpen) this.#transport.leave(conn, group);
    }
    group.others.delete(conn);
    this.#setConflating(conn, false);
    this.#joinable.delete(conn);
    conn.pending = [];
    conn.conflation = undefined;
    conn.group = undefined;
    conn.mode = 'catching-up';
    if (group.size === 0) this.#groups.delete(group.key);
  }

  #onEvent(event: DishEvent, json: string): void {
    if (this.#held) {
      this.#held.push({ event, json });
      return;
    }
    this.#view!.apply(event);
    this.#ring.push(event, json);
    for (const group of this.#groups.values()) {
      if (!group.passes(event)) continue;
      const prev = group.lastPassed;
      group.lastPassed = event.id;
      if (group.members.length > 0) {
        // One serialization and one frame per group, whatever its number of clients.
        group.batch.push(this.#transport.encode(event, group.json(event, json, prev)));
        group.batchTs.push(event.ts);
        if (group.batch.length === 1) this.#dirtyGroups.push(group);
        this.#schedule();
      }
      for (const conn of group.others) this.#offer(conn, event, json);
    }
  }

  #offer(conn: Connection, event: DishEvent, json: string): void {
    switch (conn.mode) {
      case 'replaying':
        conn.pending.push(event);
        break;
      case 'catching-up':
        this.#sendEvent(conn, event, json);
        break;
      case 'conflating':
        if (this.#isNew(conn, event.id)) conn.conflation!.add(event);
        break;
      default:
        break;
    }
  }

  #isNew(conn: Connection, id: string): boolean {
    return compareStreamIds(id, conn.lastChain) > 0 && compareStreamIds(id, conn.floor) > 0;
  }

  /** One event to one connection, its `prev` the end of this connection's chain. */
  #sendEvent(conn: Connection, event: DishEvent, json: string, entry?: RingEntry): void {
    if (!this.#isNew(conn, event.id)) return;
    if (conn.lastChain !== event.prev) {
      this.#queue(conn, this.#transport.encode(event, JSON.stringify({ ...event, prev: conn.lastChain })));
    } else if (!entry) {
      this.#queue(conn, this.#transport.encode(event, json));
    } else {
      // The unfiltered chain: one frame per ring entry, whatever the number of clients resuming through it.
      if (entry.frame === undefined) {
        entry.frame = this.#transport.encode(event, json);
        entry.frameBytes = Buffer.byteLength(entry.frame);
      }
      this.#queue(conn, entry.frame, entry.frameBytes);
    }
    conn.lastChain = event.id;
    this.#o.metrics.bound.eventsDelivered.inc();
    if (conn.mode === 'catching-up') this.#joinable.add(conn);
  }

  #sendSnapshot(conn: Connection): void {
    const group = conn.group!;
    const view = this.#view!;
    if (group.snapshotCache?.id !== view.last) {
      const snapshot = view.snapshot(group.categories);
      const message: SnapshotMessage = { type: 'snapshot', ...snapshot, recovered: false, instance: this.instance };
      const frame = this.#transport.encode(message, JSON.stringify(message));
      group.snapshotCache = { id: snapshot.id, frame, bytes: Buffer.byteLength(frame) };
    }
    this.#queue(conn, group.snapshotCache.frame, group.snapshotCache.bytes);
    conn.pending = [];
    conn.lastChain = view.last;
    conn.floor = view.last;
    this.#afterSync(conn);
  }

  #sendResumed(conn: Connection, since: string): void {
    const message: ResumedMessage = { type: 'resumed', id: since, recovered: true, instance: this.instance };
    this.#queue(conn, this.#transport.encode(message, JSON.stringify(message)));
    conn.lastChain = since;
  }

  /** The client has its snapshot or replay: it goes live, or conflated when it asked for a maximum rate. */
  #afterSync(conn: Connection): void {
    if (conn.options.maxRate !== undefined) {
      conn.mode = 'conflating';
      conn.conflation = new Conflation();
      conn.lastFlush = Date.now();
      this.#setConflating(conn, true);
    } else {
      conn.mode = 'catching-up';
      this.#joinable.add(conn);
      this.#schedule();
    }
  }

  /**
   * Reads what the client missed from Redis. Live events arriving meanwhile wait in `pending`; once the replay is
   * written, those the replay already covered (ids ≤ its last) are dropped and the rest follow in order.
   */
  async #replayFromRedis(conn: Connection, since: string, epoch: number): Promise<void> {
    conn.mode = 'replaying';
    conn.pending = [];
    const { log, replayPageSize = 1000, logger } = this.#o;
    const stale = () => conn.closed || conn.epoch !== epoch;
    try {
      let page = await log.replay(since, replayPageSize);
      if (stale()) return;
      if (!page.recovered) return this.#sendSnapshot(conn);
      const group = conn.group!;
      this.#sendResumed(conn, since);
      for (;;) {
        for (const event of page.events) if (group.passes(event)) this.#sendEvent(conn, event, JSON.stringify(event));
        conn.floor = page.last;
        if (!page.more) break;
        page = await log.replay(page.last, replayPageSize);
        if (stale()) return;
        // Trimmed while we read: the rest is gone from Redis, but a snapshot from memory needs no reconnect.
        if (!page.recovered) return this.#sendSnapshot(conn);
      }
      const pending = conn.pending;
      conn.pending = [];
      for (const event of pending) this.#sendEvent(conn, event, JSON.stringify(event));
      this.#afterSync(conn);
    } catch (err) {
      if (stale()) return;
      // Redis is away: a snapshot from memory is always possible, and never an error.
      this.#replayFailures++;
      const now = Date.now();
      if (now - this.#replayWarnedAt >= 1000) {
        logger.warn({ err: (err as Error).message, failures: this.#replayFailures }, 'replay failed; sending a snapshot');
        this.#replayWarnedAt = now;
        this.#replayFailures = 0;
      }
      this.#sendSnapshot(conn);
    }
  }

  #onReset(lastId: string): void {
    // Events after lastId were trimmed before this process read them: the view never saw them and nothing in memory
    // can resume anyone exactly. The view is read again from Redis; clients reconnect once it is current.
    this.#o.logger.warn({ lastId }, 'feed reset: stream trimmed past this process; reloading the view');
    this.#ring.clear();
    this.#held = [];
    void this.#reload(++this.#resets);
  }

  async #reload(reset: number): Promise<void> {
    const { log, logger } = this.#o;
    let snapshot: Snapshot;
    try {
      snapshot = await log.snapshot();
    } catch (err) {
      if (reset !== this.#resets || this.#stopped) return;
      // Redis is away: the feed is stalled too, so holding its events until a read succeeds loses nothing.
      logger.warn({ err: (err as Error).message }, 'view reload failed; retrying');
      this.#reloadRetry = setTimeout(() => void this.#reload(reset), 250);
      this.#reloadRetry.unref();
      return;
    }
    // A later reset started its own reload, whose snapshot covers everything this one would.
    if (reset !== this.#resets || this.#stopped) return;
    this.#view = new View(snapshot, log.snapshotSalesWindowMs);
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const conn of [...this.#connections]) this.close(conn, 'restart');
    // The snapshot already holds what the feed delivered up to its id; applying those again would count sales twice.
    for (const { event, json } of held) if (compareStreamIds(event.id, snapshot.id) > 0) this.#onEvent(event, json);
    logger.info({ lastId: this.#view.last, dishes: snapshot.dishes.length }, 'view reloaded');
  }

  /** `bytes` is passed for a shared, cached frame; a frame made for this connection alone is measured here, once. */
  #queue(conn: Connection, frame: string, bytes = Buffer.byteLength(frame)): void {
    if (conn.out.length === 0) this.#dirtyConns.push(conn);
    conn.out.push(frame);
    conn.outBytes += bytes;
    this.#schedule();
  }

  /**
   * Each syscall to a client costs about as much as the bytes it carries (loopback: the receiver's TCP work is the
   * sender's too), so under load the flush waits out the coalescing window and every client gets one write for all
   * the events of it; after a quiet spell it runs on the next turn.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#lastFlushAt + (this.#o.coalesceMs ?? 0) - performance.now();
    if (wait < 1) setImmediate(() => this.#scheduled && this.#flush());
    else this.#flushTimer = setTimeout(() => this.#flush(), wait);
  }

  /** End of a turn: each connection's own frames, then one publish per group, then joins, then backpressure. */
  #flush(): void {
    this.#scheduled = false;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#lastFlushAt = performance.now();
    const { metrics, softLimitBytes: soft, hardLimitBytes: hard } = this.#o;
    const written = this.#dirtyConns;
    this.#dirtyConns = [];
    for (const conn of written) {
      if (conn.closed || conn.out.length === 0) continue;
      conn.sink.send(conn.out);
      metrics.bound.bytesSent.inc(conn.outBytes);
      conn.out.length = 0;
      conn.outBytes = 0;
    }
    const published = this.#dirtyGroups;
    this.#dirtyGroups = [];
    const now = Date.now();
    for (const group of published) {
      const n = group.members.length;
      if (n > 0) {
        this.#transport.publish(group, group.batch);
        let bytes = 0;
        for (const frame of group.batch) bytes += Buffer.byteLength(frame);
        metrics.bound.bytesSent.inc(bytes * n);
        metrics.bound.eventsDelivered.inc(group.batch.length * n);
        for (const ts of group.batchTs) metrics.bound.publishLatency.observe((now - ts) / 1000);
      }
      group.batch.length = 0;
      group.batchTs.length = 0;
    }
    for (const conn of this.#joinable) {
      const group = conn.group;
      if (conn.mode !== 'catching-up' || !group || conn.lastChain !== group.lastPassed) continue;
      this.#joinable.delete(conn);
      group.others.delete(conn);
      group.addMember(conn);
      conn.mode = 'live';
      this.#transport.join(conn, group);
    }
    // Full-rate members are measured by the tick, not here, so a publish costs each of them a write and nothing else.
    for (const group of published) this.#toSweep.add(group);
    for (const conn of written) {
      if (conn.closed) continue;
      const buffered = conn.sink.buffered();
      if (buffered > hard) this.close(conn, 'slow');
      else if (buffered > soft && (conn.mode === 'catching-up' || conn.mode === 'live')) this.#conflate(conn);
    }
    const gaps = this.#feed?.stats.gapsFilled ?? 0;
    if (gaps > this.#gapsSeen) {
      metrics.feedGapsFilled.inc(gaps - this.#gapsSeen);
      this.#gapsSeen = gaps;
    }
  }

  #conflate(conn: Connection): void {
    const group = conn.group!;
    if (conn.mode === 'live') {
      group.removeMember(conn);
      this.#transport.leave(conn, group);
      group.others.add(conn);
      // Everything published so far is in its buffer: its chain ends where the group's does.
      conn.lastChain = group.lastPassed;
    }
    this.#joinable.delete(conn);
    conn.mode = 'conflating';
    conn.conflation = new Conflation();
    conn.lastFlush = Date.now();
    this.#setConflating(conn, true);
  }

  #onTick(): void {
    // Frames still waiting for this turn's flush go out first: a member leaving its group must not miss them.
    if (this.#scheduled) this.#flush();
    const { softLimitBytes: soft, hardLimitBytes: hard } = this.#o;
    // Past soft a full-rate client is conflated; past hard it is let go and resumes by itself. uWS's own cap sits well
    // above hard, so a client growing between two ticks is closed, never silently skipped.
    for (const group of this.#toSweep) {
      for (let i = group.members.length - 1; i >= 0; i--) {
        const conn = group.members[i]!;
        const buffered = conn.sink.buffered();
        if (buffered > hard) this.close(conn, 'slow');
        else if (buffered > soft) this.#conflate(conn);
      }
    }
    this.#toSweep.clear();
    if (this.#conflating.size === 0) return;
    const now = Date.now();
    for (const conn of this.#conflating) {
      const conflation = conn.conflation!;
      const buffered = conn.sink.buffered();
      if (buffered + conflation.bytes > hard) {
        this.close(conn, 'slow');
        continue;
      }
      const rate = conn.options.maxRate;
      if (rate !== undefined) {
        if (!conflation.empty && buffered < soft && now - conn.lastFlush >= 1000 / rate) this.#flushState(conn, now);
      } else if (buffered <= soft / 2) {
        // Drained: what it missed goes out as one `state`, then it rejoins the full-rate path.
        if (!conflation.empty) this.#flushState(conn, now);
        this.#setConflating(conn, false);
        conn.conflation = undefined;
        conn.mode = 'catching-up';
        this.#joinable.add(conn);
        this.#schedule();
      }
    }
  }

  #setConflating(conn: Connection, on: boolean): void {
    if (on === this.#conflating.has(conn)) return;
    if (on) this.#conflating.add(conn);
    else this.#conflating.delete(conn);
    this.#o.metrics.bound.conflating.set(this.#conflating.size);
  }

  #flushState(conn: Connection, now: number): void {
    const conflation = conn.conflation!;
    const events = conflation.events;
    const state = conflation.take();
    if (!state) return;
    this.#queue(conn, this.#transport.encode(state, JSON.stringify(state)));
    conn.lastChain = state.id;
    conn.lastFlush = now;
    this.#o.metrics.stateMessages.labels(this.#transport.name).inc();
    this.#o.metrics.conflatedEvents.labels(this.#transport.name).inc(events);
  }
}
