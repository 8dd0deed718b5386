// The live feed: one restaurant's sharded channel turned into every event exactly once, in stream order, gaps filled
// from the stream.
import { compareStreamIds, type DishEvent } from '@dish-live/protocol';
import type { EventLog } from './event-log.js';
import type { Channels } from './shard-subscriber.js';

export interface LiveFeedOptions {
  /** Gap fills and the last-id check read the log. */
  log: EventLog;
  /** The process's subscriber connection, shared by every restaurant it follows. */
  channels: Channels;
  /** The id of the last event the consumer already has; the feed delivers what comes after it. */
  from: string;
  /** Each event once, in stream order; `json` is its wire form. */
  onEvent(event: DishEvent, json: string): void;
  /**
   * The consumer must re-snapshot: the events after `lastId` were trimmed from the stream before they could be read
   * (`trimmed`), or a failover took back events this feed had delivered and the log now ends at `lastId`
   * (`rolled-back`: possible only without WRITE_MIN_REPLICAS).
   */
  onReset?(lastId: string, cause: ResetCause): void;
  onLiveChange?(live: boolean): void;
  onError?(err: Error): void;
  /** How often the last id is compared with Redis, to notice events whose publish was lost while nothing else flows. */
  checkIntervalMs?: number;
  /** How long to wait before retrying a failed read. */
  retryMs?: number;
}

export type ResetCause = 'trimmed' | 'rolled-back';

type Work = { kind: 'message'; json: string } | { kind: 'catch-up' } | { kind: 'verify' };

const PAGE = 1000;

export class LiveFeed {
  #last: string;
  #queue: Work[] = [];
  #busy = false;
  #live = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #gapsFilled = 0;
  #eventsFromStream = 0;
  /** When the channel last brought a message (performance.now()); -Infinity before the first. */
  #heardAt = -Infinity;
  #checkIntervalMs = 1000;

  constructor(private readonly options: LiveFeedOptions) {
    this.#last = options.from;
  }

  get lastId(): string {
    return this.#last;
  }

  /** True while the subscription is up. */
  get live(): boolean {
    return this.#live;
  }

  get stats(): { gapsFilled: number; eventsFromStream: number } {
    return { gapsFilled: this.#gapsFilled, eventsFromStream: this.#eventsFromStream };
  }

  async start(): Promise<void> {
    const { channels, log } = this.options;
    await channels.listen(log.keys.channel, {
      message: (json) => {
        this.#heardAt = performance.now();
        this.#push({ kind: 'message', json });
      },
      // The subscription is back after a reconnect; what was published meanwhile is read from the stream.
      ready: () => {
        this.#setLive(true);
        this.#push({ kind: 'catch-up' });
      },
      down: () => this.#setLive(false),
      error: (err) => this.options.onError?.(err),
    });
    this.#setLive(true);
    this.#push({ kind: 'catch-up' });
    this.#checkIntervalMs = this.options.checkIntervalMs ?? 1000;
    this.#timer = setInterval(() => void this.#checkLast(), this.#checkIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    await this.options.channels.unlisten(this.options.log.keys.channel);
  }

  /** Resolves when every event already queued has been delivered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#busy || this.#queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  #setLive(live: boolean): void {
    if (this.#live === live) return;
    this.#live = live;
    this.options.onLiveChange?.(live);
  }

  /**
   * Only while the channel is quiet: while messages flow, each one's `prev` already proves nothing before it was missed
   * (and a rolled-back log shows as a `prev` older than the last delivered), so the check is needed only for a last
   * publish lost before a silence. Asking Redis every interval anyway cost a gateway of 1,000 busy restaurants 1,000
   * GETs a second, and a catch-up read whenever the answer was ahead of a message still on its way.
   */
  async #checkLast(): Promise<void> {
    if (this.#busy || this.#stopped || performance.now() - this.#heardAt < this.#checkIntervalMs) return;
    try {
      const order = compareStreamIds(await this.options.log.lastId(), this.#last);
      if (order > 0) this.#push({ kind: 'catch-up' });
      // The log ends before what this feed delivered: a failover may have taken events back.
      else if (order < 0) this.#push({ kind: 'verify' });
    } catch {
      // Redis is away: the subscriber's reconnect brings a catch-up when it is back.
    }
  }

  #push(work: Work): void {
    if (this.#stopped) return;
    this.#queue.push(work);
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const work = this.#queue[0]!;
        if (work.kind === 'catch-up') await this.#fillAfter('+');
        else if (work.kind === 'verify') await this.#verify();
        else {
          const event = parseEvent(work.json);
          if (event && !this.#message(event, work.json)) await this.#fillAfter(event.id, true);
        }
        this.#queue.shift();
      }
    } catch (err) {
      // A read failed (Redis away): keep the queue and try again shortly; nothing is dropped.
      this.options.onError?.(err as Error);
      this.#retry = setTimeout(() => void this.#pump(), this.options.retryMs ?? 250);
    } finally {
      this.#busy = false;
    }
  }

  /** Delivers a published event if it follows the last one; false when it opens a gap. */
  #message(event: DishEvent, json: string): boolean {
    if (compareStreamIds(event.id, this.#last) <= 0) return true;
    if (event.prev !== this.#last) return false;
    this.#deliver(event, json);
    return true;
  }

  /** Reads from the stream everything after the last id up to `upTo` (the event that revealed a gap, or the end). */
  async #fillAfter(upTo: string, gap = false): Promise<void> {
    let filled = false;
    for (;;) {
      const events = await this.options.log.range(`(${this.#last}`, upTo, PAGE);
      for (const event of events) {
        if (compareStreamIds(event.id, this.#last) <= 0) continue;
        if (event.prev !== this.#last) {
          // Chained to something older than what was delivered: the log lost the events after it (a failover).
          const rolledBack = compareStreamIds(event.prev, this.#last) < 0;
          this.options.onReset?.(rolledBack ? event.prev : this.#last, rolledBack ? 'rolled-back' : 'trimmed');
        }
        this.#eventsFromStream++;
        filled = true;
        this.#deliver(event, JSON.stringify(event));
      }
      if (events.length < PAGE || this.#stopped) break;
    }
    if (filled && gap) this.#gapsFilled++;
  }

  /**
   * The log's last id is before the feed's: with replicas required the confirmed mark may just lag (the events are
   * there), otherwise the events after the log's end were taken back, and the consumer re-snapshots from it.
   */
  async #verify(): Promise<void> {
    const { log } = this.options;
    const last = await log.lastId();
    if (compareStreamIds(last, this.#last) >= 0) return;
    if ((await log.range(this.#last, this.#last, 1)).length > 0) return;
    this.#last = last;
    this.options.onReset?.(last, 'rolled-back');
  }

  #deliver(event: DishEvent, json: string): void {
    this.#last = event.id;
    this.options.onEvent(event, json);
  }
}

/** A published envelope, or undefined for anything else on the channel (it is not ours to deliver). */
function parseEvent(json: string): DishEvent | undefined {
  try {
    const event = JSON.parse(json) as Partial<DishEvent> | null;
    return typeof event?.id === 'string' && typeof event.prev === 'string' ? (event as DishEvent) : undefined;
  } catch {
    return undefined;
  }
}
