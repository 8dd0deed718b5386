// The fan-out hub: the registry of connections and their filter groups over one live view, composing catch-up, the
// writer and backpressure. Every event is framed once per group; the only per-client work on the hot path is a write.
import type { Redis } from 'ioredis';
import type { DishEvent, ServerMessage, SubscriptionOptions } from '@dish-live/protocol';
import type { EventLog } from '@dish-live/broker';
import { Backpressure } from './backpressure.js';
import { CatchUp } from './catch-up.js';
import { Connection } from './connection.js';
import type { Group } from './group.js';
import { Groups } from './groups.js';
import { LiveView } from './live-view.js';
import type { Logger } from '@dish-live/server';
import type { FanoutMetrics } from './metrics.js';
import type { CloseReason, Sink, Transport } from './transport.js';
import { Writer } from './writer.js';

export interface HubOptions<S extends Sink = Sink> {
  /** Reads (snapshot, replays, gap fills). */
  log: EventLog;
  /** A connection of its own for SUBSCRIBE. */
  subscriber: Redis;
  transport: Transport<S>;
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
  /** See WriterOptions.coalesceMs. */
  coalesceMs?: number;
}

export const DEFAULT_TICK_MS = 25;

export class Hub<S extends Sink = Sink> {
  readonly instance: string;
  readonly #o: HubOptions<S>;
  readonly #live: LiveView;
  readonly #writer: Writer<S>;
  readonly #backpressure: Backpressure<S>;
  readonly #catchUp: CatchUp<S>;
  readonly #groups: Groups<S>;
  readonly #connections = new Set<Connection<S>>();
  #tick: NodeJS.Timeout | undefined;
  #nextId = 1;
  #gapsSeen = 0;

  constructor(options: HubOptions<S>) {
    const { log, subscriber, transport, logger, metrics, instance } = options;
    this.#o = options;
    this.instance = instance;
    this.#live = new LiveView({
      log, subscriber, logger, ringSize: options.ringSize,
      onEvent: (event, json) => this.#groups.route(event, json),
      // Nothing in memory can resume the clients exactly: they reconnect and resume from the log.
      onReloaded: () => {
        for (const conn of [...this.#connections]) this.close(conn, 'restart');
      },
    });
    this.#writer = new Writer({
      transport, metrics, coalesceMs: options.coalesceMs ?? 0,
      afterFlush: (written, published) => this.#afterFlush(written, published),
    });
    this.#backpressure = new Backpressure({
      softLimitBytes: options.softLimitBytes, hardLimitBytes: options.hardLimitBytes, transport, metrics,
      writer: this.#writer, close: (conn, reason) => this.close(conn, reason),
    });
    this.#groups = new Groups({
      transport, writer: this.#writer, lastId: () => this.#live.last, offer: (conn, event, json) => this.#offer(conn, event, json),
    });
    this.#catchUp = new CatchUp({
      log, live: this.#live, transport, writer: this.#writer, backpressure: this.#backpressure, metrics, logger, instance,
      replayPageSize: options.replayPageSize ?? 1000,
    });
  }

  /** Loads the view once from Redis, then follows the feed from the snapshot's id. */
  async start(): Promise<void> {
    await this.#live.start();
    this.#tick = setInterval(() => this.#onTick(), this.#o.tickMs ?? DEFAULT_TICK_MS);
    this.#tick.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#tick);
    this.#writer.stop();
    await this.#live.stop();
  }

  /** The feed is subscribed and delivering, and the command connection (replays, gap fills) is up. */
  get ready(): boolean {
    return this.#live.ready;
  }

  get lastId(): string {
    return this.#live.last;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Resolves when the feed has delivered everything it has queued (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#live.idle();
  }

  /** A new connection, subscribed with `options`, closed with `token_expired` at `expiresAt` (ms) when its token ends. */
  connect(sink: S, options: SubscriptionOptions, expiresAt?: number): Connection<S> {
    const conn = new Connection(this.#nextId++, sink);
    this.#connections.add(conn);
    this.#o.metrics.bound.connections.inc();
    this.subscribe(conn, options);
    this.expireAt(conn, expiresAt);
    return conn;
  }

  /** (Re)starts a connection's subscription: snapshot, or resumed + missed events, then live. */
  subscribe(conn: Connection<S>, options: SubscriptionOptions): void {
    if (conn.closed) return;
    this.#detach(conn, true);
    conn.epoch++;
    conn.options = options;
    conn.floor = '0-0';
    this.#groups.join(conn, options.categories);
    this.#catchUp.start(conn, options.since);
  }

  /** A message for this connection alone (error, pong), outside the event chain. */
  send(conn: Connection<S>, message: ServerMessage): void {
    if (conn.closed) return;
    this.#writer.queue(conn, this.#o.transport.encode(message, JSON.stringify(message)));
  }

  /**
   * Closes the connection with `token_expired` at `at` (ms since the epoch), or never when undefined; a later call
   * (re-authentication) replaces the deadline. One unref'd timer per connection that has a token, none otherwise.
   */
  expireAt(conn: Connection<S>, at: number | undefined): void {
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
  disconnect(conn: Connection<S>, reason = 'client'): void {
    if (conn.closed) return;
    this.#forget(conn, reason);
  }

  /** Ends a connection from the server side. */
  close(conn: Connection<S>, reason: CloseReason): void {
    if (conn.closed) return;
    this.#forget(conn, reason);
    conn.sink.close(reason);
  }

  /** Shutdown: whatever is queued goes out, then every client is told to reconnect elsewhere. */
  closeAll(reason: CloseReason): void {
    this.#writer.flush();
    for (const conn of [...this.#connections]) this.close(conn, reason);
  }

  #forget(conn: Connection<S>, reason: string): void {
    // Never touch the socket here: the transport has let go of it or is about to.
    this.#detach(conn, false);
    clearTimeout(conn.expiry);
    conn.expiry = undefined;
    conn.ended();
    this.#connections.delete(conn);
    this.#o.metrics.bound.connections.dec();
    this.#o.metrics.disconnects.labels(this.#o.transport.name, reason).inc();
  }

  /** Takes a connection out of its group and every set. */
  #detach(conn: Connection<S>, socketOpen: boolean): void {
    if (!conn.group) return;
    this.#groups.leave(conn, socketOpen);
    this.#backpressure.forget(conn);
    this.#writer.dropJoin(conn);
    conn.detached();
  }

  #offer(conn: Connection<S>, event: DishEvent, json: string): void {
    switch (conn.mode) {
      case 'replaying':
        conn.pending.push(event);
        break;
      case 'catching-up':
        this.#catchUp.send(conn, event, json);
        break;
      case 'conflating':
        if (conn.isNew(event.id)) conn.conflation!.add(event);
        break;
      default:
        break;
    }
  }

  #afterFlush(written: readonly Connection<S>[], published: readonly Group<S>[]): void {
    this.#backpressure.afterFlush(written, published);
    const gaps = this.#live.gapsFilled;
    if (gaps > this.#gapsSeen) {
      this.#o.metrics.feedGapsFilled.inc(gaps - this.#gapsSeen);
      this.#gapsSeen = gaps;
    }
  }

  #onTick(): void {
    // Frames still waiting for this turn's flush go out first: a member leaving its group must not miss them.
    this.#writer.flushPending();
    this.#backpressure.tick();
  }
}
