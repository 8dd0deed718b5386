// connect(): one live view over any transport — snapshot then deltas, every link and digest checked, reconnect with backoff and resume.
import { DEFAULT_RESTAURANT } from '@dish-live/protocol/wire';
import { Backoff } from './backoff.js';
import type { ClientEvents, ClientStats, ClientStatus, ConnectOptions, DishClient } from './client-api.js';
import { Emitter } from './emitter.js';
import { LatencyTracker } from './latency.js';
import { apiBase, requireFetch, transportOpener, type Opener } from './opener.js';
import { Proof, type ResyncInfo, type ResyncReason } from './proof.js';
import { Receiver } from './receiver.js';
import { apiPath, checkedRestaurant } from './restaurant-route.js';
import { DishStore } from './store.js';
import type { TransportConnection, TransportEnd, TransportParams, TransportSink } from './transport.js';

export type { ClientEvents, ClientStats, ClientStatus, ConnectOptions, ConnectionState, DishClient, SnapshotInfo } from './client-api.js';

export function connect(options: ConnectOptions): DishClient {
  return new Client(options);
}

class Client implements DishClient {
  readonly store: DishStore;
  readonly restaurant: string;
  #status: ClientStatus;
  readonly #options: ConnectOptions;
  /** As given: undefined keeps the first-wave routes, so a server from before restaurants is still followed. */
  readonly #restaurant: string | undefined;
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #backoff: Backoff;
  /** Apart from the reconnect backoff, which every live connection resets: only a resync that recovered resets this one. */
  readonly #resyncBackoff: Backoff;
  readonly #latency: LatencyTracker;
  readonly #now: () => number;
  readonly #counts = { events: 0, duplicates: 0, snapshots: 0, reconnects: 0, requests: 0, bytes: 0 };
  readonly #proof = new Proof();
  readonly #open: Opener;
  readonly #receiver: Receiver;
  #connection: TransportConnection | undefined;
  /** Bumped for each connection: what an older one still delivers is ignored. */
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** A refusal was already answered with a renewed token since the last live connection: the next one stops. */
  #renewedAfterRefusal = false;

  constructor(options: ConnectOptions) {
    this.#options = options;
    this.#restaurant = checkedRestaurant(options.restaurant);
    this.restaurant = this.#restaurant ?? DEFAULT_RESTAURANT;
    this.#now = options.now ?? Date.now;
    this.store = options.store ?? new DishStore();
    if (options.since !== undefined) this.store.lastId = options.since;
    // Polling takes no filter: it delivers (and proves) every dish, so only the streams' clients hold a filtered menu.
    if (options.transport !== 'poll' && options.categories !== undefined && options.categories.length > 0) this.store.categories = new Set(options.categories);
    this.#backoff = new Backoff(options.backoff);
    this.#resyncBackoff = new Backoff(options.backoff);
    this.#latency = new LatencyTracker(512, 5, this.#now);
    this.#status = { state: 'connecting', transport: options.transport };
    this.#receiver = new Receiver(
      { store: this.store, proof: this.#proof, latency: this.#latency, emitter: this.#emitter, counts: this.#counts, now: this.#now },
      { live: (instance) => this.#live(instance), resync: (reason, detail) => this.#resync(reason, detail), settled: (via) => this.#settled(via) },
    );
    // Resolve constructors now so a missing one fails at connect(), not later inside a timer.
    this.#open = transportOpener(options, this.#restaurant);
    // Listeners attach after connect() returns; nothing can arrive before the next tick.
    this.#start();
  }

  get status(): ClientStatus {
    return this.#status;
  }

  get lastId(): string | undefined {
    return this.store.lastId;
  }

  get lastResync(): ResyncInfo | undefined {
    return this.#proof.last && { ...this.#proof.last };
  }

  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(name, listener);
  }

  stats(): ClientStats {
    return { lastId: this.store.lastId, ...this.#counts, ...this.#proof.counts, ...this.#latency.summary() };
  }

  async sendChat(author: string, text: string): Promise<void> {
    if (this.#closed) throw new Error('the client is closed');
    if (this.#options.transport === 'ws') {
      if (!this.#connection?.send?.(JSON.stringify({ op: 'chat', author, text }))) throw new Error('the WebSocket is not open');
      return;
    }
    const fetch = requireFetch(this.#options);
    const path = apiPath(this.#restaurant, '/chat');
    const res = await fetch(`${apiBase(this.#options)}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author, text }),
    });
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#drop();
    this.#setStatus({ state: 'offline', transport: this.#options.transport, reason: 'closed by the client' });
  }

  #start(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const params: TransportParams = {
      // After a digest disagreed nothing held can be trusted, the last id included: no `since`, so a snapshot.
      cursor: () => (this.#proof.snapshotNext ? undefined : this.store.lastId),
      ...(this.#options.maxRate !== undefined ? { maxRate: this.#options.maxRate } : {}),
      ...(this.#options.categories !== undefined ? { categories: this.#options.categories } : {}),
    };
    this.#connection = this.#open(params, this.#sink(++this.#generation));
  }

  /** Ends the current connection (and a pending attempt) from this side: nothing it still delivers is looked at. */
  #drop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#generation++;
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close();
  }

  /** A sink for one connection: once that connection ended or was replaced, whatever it still delivers is ignored. */
  #sink(generation: number): TransportSink {
    const alive = () => generation === this.#generation && !this.#closed;
    return {
      message: (message) => {
        if (alive()) this.#receiver.handle(message);
      },
      traffic: (bytes) => {
        if (alive()) this.#counts.bytes += bytes;
      },
      request: () => {
        if (alive()) this.#counts.requests++;
      },
      live: () => {
        if (!alive()) return;
        this.#live(this.#status.instance);
        // Polling's answer that resumed from `since` is what `resumed` is to a stream: it ends a resync after a gap.
        this.#settled('resumed');
      },
      end: (end) => {
        if (!alive()) return;
        this.#generation++;
        this.#ended(end);
      },
    };
  }

  #ended(end: TransportEnd): void {
    this.#connection = undefined;
    const transport = this.#options.transport;
    if (end.refused) {
      if (this.#options.getToken === undefined || this.#renewedAfterRefusal) {
        this.#setStatus({ state: 'refused', transport, reason: end.reason });
        return;
      }
      // The token may merely have expired: one attempt with a new one, at once (the transport asks getToken again).
      this.#renewedAfterRefusal = true;
      this.#counts.reconnects++;
      return this.#retryIn(0, end.reason);
    }
    if (!end.retry) {
      this.#setStatus({ state: 'offline', transport, reason: end.reason });
      return;
    }
    this.#counts.reconnects++;
    this.#retryIn(this.#backoff.next(), end.reason);
  }

  #retryIn(delayMs: number, reason: string): void {
    const transport = this.#options.transport;
    this.#setStatus({ state: 'reconnecting', transport, delayMs, reason, attempt: this.#backoff.attempt });
    this.#timer = setTimeout(() => {
      this.#setStatus({ state: 'connecting', transport });
      this.#start();
    }, delayMs);
  }

  /**
   * The one path for every disagreement, whatever found it: drop the connection and open another, which resumes from
   * the last id held (a gap) or asks a snapshot (a digest). At once the first time; with backoff while one has not
   * recovered, so a server that keeps disagreeing is not hammered.
   */
  #resync(reason: ResyncReason, detail: string): void {
    const { info, again } = this.#proof.start(reason, detail, this.store.lastId, this.#now());
    this.#drop();
    this.#emitter.emit('resync', info);
    if (this.#closed) return;
    if (!again) this.#resyncBackoff.reset();
    this.#retryIn(again ? this.#resyncBackoff.next() : 0, `resynchronising: ${detail}`);
  }

  /** A snapshot or resume that agreed: the client is in step again. */
  #settled(via: 'resumed' | 'snapshot'): void {
    const recovered = this.#proof.settled(via, this.#now());
    if (recovered) this.#emitter.emit('resync', recovered);
  }

  #live(instance: string | undefined): void {
    this.#backoff.reset();
    this.#renewedAfterRefusal = false;
    if (this.#status.state === 'live' && this.#status.instance === instance) return;
    this.#setStatus({ state: 'live', transport: this.#options.transport, ...(instance !== undefined ? { instance } : {}) });
  }

  #setStatus(status: ClientStatus): void {
    this.#status = status;
    this.#emitter.emit('status', status);
  }
}
