// A process's picture of one restaurant's log: the view a snapshot is cut from, the ring of recent events, and the feed
// that advances both — reloaded from Redis when the feed finds the stream trimmed past it.
import { compareStreamIds, type DishEvent, type Snapshot } from '@dish-live/protocol';
import { LiveFeed, type Channels, type EventLog, type ResetCause } from '@dish-live/broker';
import type { Logger } from '@dish-live/server';
import { RingBuffer } from './ring-buffer.js';
import { View } from './view.js';

export interface LiveViewOptions {
  log: EventLog;
  /** The process's subscriber connection. */
  channels: Channels;
  logger: Logger;
  ringSize: number;
  /** Each event once, in stream order, after the view and the ring took it. */
  onEvent(event: DishEvent, json: string): void;
  /**
   * The view was read again after a reset: nothing in memory can resume the clients it had exactly (`trimmed`), or
   * they hold events the log no longer has (`rolled-back`).
   */
  onReloaded(cause: ResetCause): void;
  /**
   * A feed error (a failed read, the subscriber connection's error): every live restaurant hears the connection's, so
   * the caller throttles them across restaurants. Default: a warning each.
   */
  onFeedError?: (err: Error) => void;
}

export class LiveView {
  readonly ring: RingBuffer;
  readonly #o: LiveViewOptions;
  #view: View | undefined;
  #feed: LiveFeed | undefined;
  /** While the view is read again after a feed reset, the feed's events wait here in order. */
  #held: { event: DishEvent; json: string }[] | undefined;
  /** Counts resets: only the latest one's reload may install its view. */
  #resets = 0;
  #reloadRetry: NodeJS.Timeout | undefined;
  /** Why the pending reload happens (a rollback seen during a trim's reload wins: its clients need a snapshot). */
  #cause: ResetCause = 'trimmed';
  #stopped = false;

  constructor(options: LiveViewOptions) {
    this.#o = options;
    this.ring = new RingBuffer(options.ringSize);
  }

  /** Loads the view once from Redis, then follows the feed from the snapshot's id. */
  async start(): Promise<void> {
    const { log, channels, logger } = this.#o;
    const restaurant = log.keys.restaurant;
    const snapshot = await log.snapshot();
    if (this.#stopped) throw new Error(`${restaurant}: stopped while loading`);
    this.#view = new View(snapshot, log.snapshotSalesWindowMs);
    // Per restaurant at debug: the subscriber connection's outages are logged once, by the connection.
    this.#feed = new LiveFeed({
      log, channels, from: snapshot.id,
      onEvent: (event, json) => this.#onEvent(event, json),
      onReset: (lastId, cause) => this.#onReset(lastId, cause),
      onLiveChange: (live) => logger.debug({ restaurant, live }, live ? 'feed live' : 'feed down'),
      onError: this.#o.onFeedError ?? ((err) => logger.warn({ restaurant, err: err.message }, 'feed error')),
    });
    await this.#feed.start();
    logger.debug({ restaurant, lastId: snapshot.id, dishes: snapshot.dishes.length }, 'view loaded');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reloadRetry);
    await this.#feed?.stop();
  }

  /** The view, once started. */
  get view(): View {
    return this.#view!;
  }

  get last(): string {
    return this.#view?.last ?? '0-0';
  }

  /** The feed is subscribed and delivering, and the command connection (replays, gap fills) is up. */
  get ready(): boolean {
    return (this.#feed?.live ?? false) && this.#o.log.ready;
  }

  /** The estimated bytes of the view and the ring (the events' JSON), for the gateway's memory budget. */
  get estimatedBytes(): number {
    return (this.#view?.estimatedBytes ?? 0) + this.ring.bytes;
  }

  get gapsFilled(): number {
    return this.#feed?.stats.gapsFilled ?? 0;
  }

  /** Resolves when the feed has delivered everything it has queued (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#feed?.idle();
  }

  #onEvent(event: DishEvent, json: string): void {
    if (this.#held) {
      this.#held.push({ event, json });
      return;
    }
    this.#view!.apply(event);
    this.ring.push(event, json);
    this.#o.onEvent(event, json);
  }

  #onReset(lastId: string, cause: ResetCause): void {
    // Trimmed: events after lastId were trimmed before this process read them, so the view never saw them and nothing
    // in memory can resume anyone exactly. Rolled back: a failover took back events after lastId that the view (and
    // its clients) already have. Either way the view is read again from Redis.
    const why = cause === 'trimmed' ? 'stream trimmed past this process' : 'a failover took back delivered events';
    this.#o.logger.warn({ restaurant: this.#o.log.keys.restaurant, lastId, cause }, `feed reset: ${why}; reloading the view`);
    // A reload already pending for a rollback stays one: its clients need a snapshot whatever came next.
    if (!(this.#held && this.#cause === 'rolled-back')) this.#cause = cause;
    this.ring.clear();
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
      logger.warn({ restaurant: log.keys.restaurant, err: (err as Error).message }, 'view reload failed; retrying');
      this.#reloadRetry = setTimeout(() => void this.#reload(reset), 250);
      this.#reloadRetry.unref();
      return;
    }
    // A later reset started its own reload, whose snapshot covers everything this one would.
    if (reset !== this.#resets || this.#stopped) return;
    this.#view = new View(snapshot, log.snapshotSalesWindowMs);
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#o.onReloaded(this.#cause);
    this.#cause = 'trimmed';
    // The snapshot already holds what the feed delivered up to its id; applying those again would count sales twice.
    for (const { event, json } of held) if (compareStreamIds(event.id, snapshot.id) > 0) this.#onEvent(event, json);
    logger.info({ restaurant: log.keys.restaurant, lastId: this.#view.last, dishes: snapshot.dishes.length }, 'view reloaded');
  }
}
