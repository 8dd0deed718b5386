// The fan-out hub: the registry of connections over the live restaurants, composing catch-up, the writer and
// backpressure. Every event is framed once per group of its restaurant; the only per-client work on the hot path is a
// write, and nothing on it grows with the number of restaurants.
import { DEFAULT_RESTAURANT, type DishEvent, type ServerMessage, type SubscriptionOptions } from '@dish-live/protocol';
import type { EventLog } from '@dish-live/broker';
import { throttledWarn } from '@dish-live/server';
import { Backpressure } from './backpressure.js';
import { Connection, keptOptions } from './connection.js';
import type { Group } from './group.js';
import { DEFAULT_RESTAURANT_BUDGET_BYTES, DEFAULT_RESTAURANT_GRACE_MS, DEFAULT_TICK_MS, type HubOptions } from './hub-options.js';
import { LiveRestaurants } from './live-restaurants.js';
import type { RestaurantLease } from './restaurant-lease.js';
import type { CloseReason, Sink } from './transport.js';
import { Writer } from './writer.js';
import { Checks, DEFAULT_CHECK_MS } from './checks.js';
import { digestFor } from './proof.js';

export type { HubOptions } from './hub-options.js';

export class Hub<S extends Sink = Sink> {
  readonly instance: string;
  readonly #o: HubOptions<S>;
  readonly #restaurants: LiveRestaurants<S>;
  readonly #writer: Writer<S>;
  readonly #backpressure: Backpressure<S>;
  readonly #checks: Checks<S>;
  /** Only its `ready` is read: whether the shared command connection is up. */
  readonly #commandLog: EventLog;
  #tick: NodeJS.Timeout | undefined;

  constructor(options: HubOptions<S>) {
    const { channels, transport, logger, metrics, instance } = options;
    this.#o = options;
    this.instance = instance;
    this.#commandLog = options.logFor(DEFAULT_RESTAURANT);
    this.#writer = new Writer({
      transport, metrics, coalesceMs: options.coalesceMs ?? 0,
      afterFlush: (written, published) => this.#afterFlush(written, published),
    });
    this.#backpressure = new Backpressure({
      softLimitBytes: options.softLimitBytes, hardLimitBytes: options.hardLimitBytes, transport, metrics,
      writer: this.#writer, close: (conn, reason) => this.close(conn, reason), digestAt: digestFor,
    });
    // One subscriber outage is heard by every live restaurant's feed: one warning says it.
    const feedWarning = throttledWarn(logger, 'feed error', 5000);
    this.#restaurants = new LiveRestaurants<S>({
      logFor: options.logFor, logger, metrics,
      graceMs: options.restaurantGraceMs ?? DEFAULT_RESTAURANT_GRACE_MS,
      budgetBytes: options.restaurantBudgetBytes ?? DEFAULT_RESTAURANT_BUDGET_BYTES,
      budgetCheckMs: options.budgetCheckMs,
      wiring: {
        channels, transport, writer: this.#writer, backpressure: this.#backpressure, metrics, logger, instance,
        ringSize: options.ringSize, replayPageSize: options.replayPageSize ?? 1000,
        offer: (conn, event, json) => this.#offer(conn, event, json),
        // Nothing in memory can resume the restaurant's clients exactly: they reconnect and resume from the log.
        reloaded: (r, cause) => {
          for (const conn of r.connections()) {
            // They hold events the log no longer has: a fresh snapshot (recovered: false) replaces them, as the
            // contract says. After a trim they reconnect and resume from the log, exact wherever it still can be.
            if (cause === 'rolled-back') this.subscribe(conn, conn.options);
            else this.close(conn, 'restart');
          }
        },
        feedError: (_restaurant, err) => feedWarning(err),
      },
    });
    this.#checks = new Checks({ restaurants: this.#restaurants, writer: this.#writer, transport, metrics, intervalMs: options.checkMs ?? DEFAULT_CHECK_MS });
  }

  /** Starts the tick and the budget's periodic check; restaurants load as their clients come. */
  start(): Promise<void> {
    this.#restaurants.start();
    this.#checks.start();
    this.#tick = setInterval(() => this.#onTick(), this.#o.tickMs ?? DEFAULT_TICK_MS);
    this.#tick.unref();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    clearInterval(this.#tick);
    this.#checks.stop();
    this.#writer.stop();
    await this.#restaurants.stop();
  }

  /**
   * The command connection (replays, gap fills, loads) and the subscriber connection are up, and every live
   * restaurant's feed is delivering.
   */
  get ready(): boolean {
    return this.#commandLog.ready && this.#o.channels.live && this.#restaurants.allReady;
  }

  /** The live restaurants (loading ones included), for the budget's tests and the probes. */
  get restaurants(): LiveRestaurants<S> {
    return this.#restaurants;
  }

  /** The newest event a live restaurant's view holds, or undefined when it is not live here. */
  lastId(restaurant: string = DEFAULT_RESTAURANT): string | undefined {
    return this.#restaurants.get(restaurant)?.live.last;
  }

  /** Counted over the restaurants: a registry of every connection would cost each one an entry. */
  get connectionCount(): number {
    let n = 0;
    for (const r of this.#restaurants.values()) n += r.connectionCount;
    return n;
  }

  /** Resolves when every live restaurant's feed has delivered everything it has queued (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#restaurants.values()].map((r) => r.live.idle()));
  }

  /**
   * A hold on the restaurant for a client being admitted, loading it (snapshot read, channel subscribed) unless it is
   * loaded or loading already; rejects when it cannot be loaded (Redis away). The lease becomes the connection's in
   * `connect`, or must be released if the client goes before that.
   */
  acquire(restaurant: string): Promise<RestaurantLease<S>> {
    return this.#restaurants.acquire(restaurant);
  }

  /** Whether the restaurant is loaded or loading here: it exists, no registry read needed. */
  isLive(restaurant: string): boolean {
    return this.#restaurants.has(restaurant);
  }

  /**
   * A new connection of the lease's restaurant, subscribed with `options`, closed with `token_expired` at `expiresAt`
   * (ms) when its token ends.
   */
  connect(sink: S, lease: RestaurantLease<S>, options: SubscriptionOptions, expiresAt?: number): Connection<S> {
    const restaurant = lease.live;
    // A lease holds its restaurant loaded, so a fresh one is always of a live restaurant.
    if (!lease.take()) throw new Error(`the lease on ${lease.restaurant} was already used or released`);
    const conn = new Connection(sink, restaurant);
    this.#restaurants.attach(restaurant);
    this.#o.metrics.bound.connections.inc();
    this.subscribe(conn, options);
    this.expireAt(conn, expiresAt);
    return conn;
  }

  /** The event log of the connection's restaurant (its chat is written there). */
  logOf(conn: Connection<S>): EventLog {
    return conn.restaurant.log;
  }

  /** (Re)starts a connection's subscription: snapshot, or resumed + missed events, then live. */
  subscribe(conn: Connection<S>, options: SubscriptionOptions): void {
    if (conn.closed) return;
    this.#detach(conn, true);
    conn.epoch++;
    conn.options = keptOptions(options);
    conn.floor = '0-0';
    conn.restaurant.groups.join(conn, options.categories);
    conn.restaurant.catchUp.start(conn, options.since);
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
    for (const r of [...this.#restaurants.values()]) for (const conn of r.connections()) this.close(conn, reason);
  }

  #forget(conn: Connection<S>, reason: string): void {
    // Never touch the socket here: the transport has let go of it or is about to.
    this.#detach(conn, false);
    clearTimeout(conn.expiry);
    conn.expiry = undefined;
    conn.ended();
    this.#restaurants.detach(conn.restaurant);
    this.#o.metrics.bound.connections.dec();
    this.#o.metrics.disconnects.labels(this.#o.transport.name, reason).inc();
  }

  /** Takes a connection out of its group and every set. */
  #detach(conn: Connection<S>, socketOpen: boolean): void {
    if (!conn.group) return;
    conn.restaurant.groups.leave(conn, socketOpen);
    this.#backpressure.forget(conn);
    this.#writer.dropJoin(conn);
    conn.detached();
  }

  #offer(conn: Connection<S>, event: DishEvent, json: string): void {
    switch (conn.mode) {
      case 'replaying':
        (conn.pending ??= []).push(event);
        break;
      case 'catching-up':
        conn.restaurant.catchUp.send(conn, event, json);
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
  }

  #onTick(): void {
    // Frames still waiting for this turn's flush go out first: a member leaving its group must not miss them.
    this.#writer.flushPending();
    this.#backpressure.tick();
  }
}
