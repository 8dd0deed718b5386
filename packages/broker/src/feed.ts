// The live feed: one pub/sub subscription turned into every event exactly once, in stream order, gaps filled from the stream.
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { compareStreamIds, type DishEvent } from '@dish-live/protocol';
import { eventFromEntry, type StreamEntry } from './decode.js';
import type { EventLog } from './event-log.js';

export interface LiveFeedOptions {
  log: EventLog;
  /** Commands for gap fills (XRANGE) and the last-id check; the log's own client is fine. */
  redis: Redis;
  /** A connection of its own for SUBSCRIBE (it can do nothing else). */
  subscriber: Redis;
  /** The id of the last event the consumer already has; the feed delivers what comes after it. */
  from: string;
  /** Each event once, in stream order; `json` is its wire form. */
  onEvent(event: DishEvent, json: string): void;
  /** The events after `lastId` were trimmed from the stream before they could be read: the consumer must re-snapshot. */
  onReset?(lastId: string): void;
  onLiveChange?(live: boolean): void;
  onError?(err: Error): void;
  /** How often the last id is compared with Redis, to notice events whose publish was lost while nothing else flows. */
  checkIntervalMs?: number;
  /** How long to wait before retrying a failed read. */
  retryMs?: number;
}

type Work = { kind: 'message'; json: string } | { kind: 'catch-up' };

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

  readonly #handlers = {
    message: (ch: string, json: string) => {
      if (ch === this.options.log.keys.channel) this.#push({ kind: 'message', json });
    },
    // ioredis re-subscribes by itself after a reconnect; what was published meanwhile is read from the stream.
    ready: () => {
      this.#setLive(true);
      this.#push({ kind: 'catch-up' });
    },
    close: () => this.#setLive(false),
    error: (err: Error) => this.options.onError?.(err),
  };

  async start(): Promise<void> {
    const { subscriber, log } = this.options;
    for (const [event, handler] of Object.entries(this.#handlers)) subscriber.on(event, handler);
    // SUBSCRIBE sent while the connection is still in its handshake (CLIENT SETNAME…) can be lost for good.
    if (subscriber.status !== 'ready') await once(subscriber, 'ready');
    await subscriber.subscribe(log.keys.channel);
    this.#setLive(true);
    this.#push({ kind: 'catch-up' });
    const interval = this.options.checkIntervalMs ?? 1000;
    this.#timer = setInterval(() => void this.#checkLast(), interval);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    const { subscriber, log } = this.options;
    for (const [event, handler] of Object.entries(this.#handlers)) subscriber.off(event, handler);
    if (subscriber.status === 'ready') await subscriber.unsubscribe(log.keys.channel).catch(() => undefined);
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

  async #checkLast(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    try {
      const last = await this.options.log.lastId();
      if (compareStreamIds(last, this.#last) > 0) this.#push({ kind: 'catch-up' });
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
        if (work.kind === 'catch-up') await this.#fillAfter(undefined);
        else if (!this.#message(work.json)) await this.#fillAfter(work.json);
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
  #message(json: string): boolean {
    const head = parseHead(json);
    if (!head) return true;
    if (compareStreamIds(head.id, this.#last) <= 0) return true;
    if (head.prev !== this.#last) return false;
    this.#deliver(JSON.parse(json) as DishEvent, json);
    return true;
  }

  /** Reads from the stream everything after the last id (up to the event that revealed the gap, if any). */
  async #fillAfter(gapJson: string | undefined): Promise<void> {
    const upTo = gapJson ? parseHead(gapJson)?.id ?? '+' : '+';
    let filled = false;
    for (;;) {
      const entries = (await this.options.redis.xrange(
        this.options.log.keys.events, `(${this.#last}`, upTo, 'COUNT', PAGE,
      )) as StreamEntry[];
      for (const entry of entries) {
        const event = eventFromEntry(entry);
        if (compareStreamIds(event.id, this.#last) <= 0) continue;
        if (event.prev !== this.#last) {
          this.options.onReset?.(this.#last);
        }
        this.#eventsFromStream++;
        filled = true;
        this.#deliver(event, JSON.stringify(event));
      }
      if (entries.length < PAGE || this.#stopped) break;
    }
    if (filled && gapJson) this.#gapsFilled++;
  }

  #deliver(event: DishEvent, json: string): void {
    this.#last = event.id;
    this.options.onEvent(event, json);
  }
}

/** Reads id and prev from the envelope's head without parsing the whole event (the script writes them first). */
function parseHead(json: string): { id: string; prev: string } | undefined {
  const m = /^\{"id":"(\d+-\d+)","prev":"(\d+-\d+)"/.exec(json);
  return m ? { id: m[1]!, prev: m[2]! } : undefined;
}
