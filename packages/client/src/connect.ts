// connect(): one live view over any transport — snapshot then deltas, duplicates dropped, reconnect with backoff and resume.
import type { ChatMessageEvent, Dish, DishEvent, ErrorMessage, PongMessage, SalesHistory, StateMessage } from '@dish-live/protocol';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { LatencyTracker, type LatencySummary } from './latency.js';
import { openPoll, type FetchLike } from './poll-transport.js';
import { openEventSource, type EventSourceConstructor } from './sse-transport.js';
import { apiPath, checkedRestaurant, streamUrl } from './restaurant-route.js';
import { DishStore } from './store.js';
import { resolveUrl, type TransportConnection, type TransportEnd, type TransportKind, type TransportParams, type TransportSink } from './transport.js';
import { DEFAULT_RESTAURANT, isEventType, isStreamId } from '@dish-live/protocol/wire';
import { openWebSocket, type WebSocketConstructor } from './ws-transport.js';

export interface ConnectOptions {
  transport: TransportKind;
  /** ws: `ws://host:8081/ws`; sse: `http://host:8082/sse`; poll: the dish service's base, `http://host:3000`. */
  url: string;
  /** Base URL of the dish service for `POST /api/chat` (sse and poll); defaults to the poll URL, else the URL's origin. */
  apiUrl?: string;
  /**
   * The restaurant to follow: `{url}/{restaurant}` at a gateway (`…/ws/{rid}`, `…/sse/{rid}`), `/api/restaurants/{rid}/…`
   * for polling and chat. Without it, the routes without a restaurant, which serve `default`. An id that is not a
   * restaurant id makes connect() throw.
   */
  restaurant?: string;
  /** Resume after this id; defaults to the store's last id. */
  since?: string;
  maxRate?: number;
  categories?: readonly string[];
  /** Polling interval (default 1000 ms). */
  intervalMs?: number;
  /** WebSocket and SSE: asked before each connect; an expired token (WS close 4001, SSE `unauthorized`/401) asks again and reconnects. */
  getToken?: () => string | Promise<string>;
  /** State to continue from, e.g. the store of the client this one replaces. */
  store?: DishStore;
  backoff?: BackoffOptions;
  /** Constructors and fetch; default to the globals (browser). In Node pass `nodeTransports()`. */
  WebSocket?: WebSocketConstructor;
  EventSource?: EventSourceConstructor;
  fetch?: FetchLike;
  /** Clock for latency, injectable for tests. */
  now?: () => number;
}

/** `refused`: the server turned this client away (WS close 1008, HTTP 401/403) and a renewed token did not help. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused';

export interface ClientStatus {
  state: ConnectionState;
  transport: TransportKind;
  /** The gateway process serving the connection, once it said. */
  instance?: string;
  /** reconnecting: how long until the next attempt. */
  delayMs?: number;
  /** reconnecting, offline and refused: why, in the server's words when it gave any. */
  reason?: string;
  /** reconnecting: attempts since the last successful connection. */
  attempt?: number;
}

export interface SnapshotInfo {
  id: string;
  dishes: Dish[];
  sales?: SalesHistory;
  /** The most recent chat messages, oldest first; empty from a server older than chat in snapshots. */
  chat: ChatMessageEvent[];
  instance?: string;
}

export interface ClientStats extends LatencySummary {
  lastId: string | undefined;
  /** Events applied (chat carried by a state included). */
  events: number;
  duplicates: number;
  snapshots: number;
  reconnects: number;
  requests: number;
  bytes: number;
}

export interface ClientEvents {
  snapshot: [snapshot: SnapshotInfo];
  resumed: [resumed: { id: string; instance: string }];
  /** Each new event, in order, after the store applied it; `latencyMs` is receipt − `ts`. */
  event: [event: DishEvent, latencyMs: number];
  state: [state: StateMessage];
  status: [status: ClientStatus];
  /** An `error` message from the server; the connection stays open. */
  error: [error: ErrorMessage];
  pong: [pong: PongMessage];
}

export interface DishClient {
  readonly store: DishStore;
  /** The restaurant followed: the option, else `default`. */
  readonly restaurant: string;
  readonly status: ClientStatus;
  readonly lastId: string | undefined;
  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): () => void;
  stats(): ClientStats;
  /** WebSocket: `{op:'chat'}` on the socket; SSE and polling: `POST {apiUrl}/api/chat` (or the restaurant's `…/chat`). */
  sendChat(author: string, text: string): Promise<void>;
  close(): void;
}

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
  readonly #latency: LatencyTracker;
  readonly #now: () => number;
  readonly #counts = { events: 0, duplicates: 0, snapshots: 0, reconnects: 0, requests: 0, bytes: 0 };
  readonly #open: (params: TransportParams, sink: TransportSink) => TransportConnection;
  #connection: TransportConnection | undefined;
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
    this.#backoff = new Backoff(options.backoff);
    this.#latency = new LatencyTracker(512, 5, this.#now);
    this.#status = { state: 'connecting', transport: options.transport };
    // Resolve constructors now so a missing one fails at connect(), not later inside a timer.
    this.#open = this.#opener();
    // Listeners attach after connect() returns; nothing can arrive before the next tick.
    this.#start();
  }

  get status(): ClientStatus {
    return this.#status;
  }

  get lastId(): string | undefined {
    return this.store.lastId;
  }

  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(name, listener);
  }

  stats(): ClientStats {
    return { lastId: this.store.lastId, ...this.#counts, ...this.#latency.summary() };
  }

  async sendChat(author: string, text: string): Promise<void> {
    if (this.#closed) throw new Error('the client is closed');
    if (this.#options.transport === 'ws') {
      if (!this.#connection?.send?.(JSON.stringify({ op: 'chat', author, text }))) throw new Error('the WebSocket is not open');
      return;
    }
    const fetch = this.#fetch();
    const path = apiPath(this.#restaurant, '/chat');
    const res = await fetch(`${this.#apiUrl()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author, text }),
    });
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#connection?.close();
    this.#connection = undefined;
    this.#setStatus({ state: 'offline', transport: this.#options.transport, reason: 'closed by the client' });
  }

  #start(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const params: TransportParams = {
      cursor: () => this.store.lastId,
      ...(this.#options.maxRate !== undefined ? { maxRate: this.#options.maxRate } : {}),
      ...(this.#options.categories !== undefined ? { categories: this.#options.categories } : {}),
    };
    this.#connection = this.#open(params, this.#sink());
  }

  /** A sink for one connection: once that connection ended or was replaced, whatever it still delivers is ignored. */
  #sink(): TransportSink {
    let current = true;
    const alive = () => current && !this.#closed;
    return {
      message: (message) => {
        if (alive()) this.#handle(message);
      },
      traffic: (bytes) => {
        if (alive()) this.#counts.bytes += bytes;
      },
      request: () => {
        if (alive()) this.#counts.requests++;
      },
      live: () => {
        if (alive()) this.#live(this.#status.instance);
      },
      end: (end) => {
        if (!alive()) return;
        current = false;
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
      this.#setStatus({ state: 'reconnecting', transport, delayMs: 0, reason: end.reason, attempt: this.#backoff.attempt });
      this.#timer = setTimeout(() => {
        this.#setStatus({ state: 'connecting', transport });
        this.#start();
      }, 0);
      return;
    }
    if (!end.retry) {
      this.#setStatus({ state: 'offline', transport, reason: end.reason });
      return;
    }
    const delayMs = this.#backoff.next();
    this.#counts.reconnects++;
    this.#setStatus({ state: 'reconnecting', transport, delayMs, reason: end.reason, attempt: this.#backoff.attempt });
    this.#timer = setTimeout(() => {
      this.#setStatus({ state: 'connecting', transport });
      this.#start();
    }, delayMs);
  }

  #live(instance: string | undefined): void {
    this.#backoff.reset();
    this.#renewedAfterRefusal = false;
    if (this.#status.state === 'live' && this.#status.instance === instance) return;
    this.#setStatus({ state: 'live', transport: this.#options.transport, ...(instance !== undefined ? { instance } : {}) });
  }

  #handle(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    const message = raw as { type?: unknown; id?: unknown };
    // Only cheap checks on the hot path: the gateways validate what they send, and unknown types are for newer servers.
    if (isEventType(message.type)) {
      if (!isStreamId(message.id)) return;
      const event = raw as DishEvent;
      if (this.store.applyEvent(event) === 'duplicate') {
        this.#counts.duplicates++;
        return;
      }
      this.#delivered(event);
      return;
    }
    switch (message.type) {
      case 'snapshot': {
        const given = raw as Omit<SnapshotInfo, 'chat'> & { chat?: unknown };
        if (!isStreamId(given.id) || !Array.isArray(given.dishes)) return;
        // Optional: a server from before chat rode in snapshots sends none.
        const snapshot: SnapshotInfo = { ...given, chat: Array.isArray(given.chat) ? given.chat.filter(isChatEvent) : [] };
        this.store.applySnapshot(snapshot, this.#now());
        this.#counts.snapshots++;
        this.#live(typeof snapshot.instance === 'string' ? snapshot.instance : undefined);
        this.#emitter.emit('snapshot', snapshot);
        return;
      }
      case 'resumed': {
        const resumed = raw as { id: string; instance: string };
        if (typeof resumed.id !== 'string' || typeof resumed.instance !== 'string') return;
        this.#live(resumed.instance);
        this.#emitter.emit('resumed', { id: resumed.id, instance: resumed.instance });
        return;
      }
      case 'state': {
        const state = raw as StateMessage;
        if (!isStreamId(state.id) || !Array.isArray(state.dishes)) return;
        const { result, chat } = this.store.applyState({ ...state, chat: Array.isArray(state.chat) ? state.chat : [] }, this.#now());
        if (result === 'duplicate') {
          this.#counts.duplicates++;
          return;
        }
        this.#emitter.emit('state', state);
        for (const event of chat) this.#delivered(event);
        return;
      }
      case 'error':
        this.#emitter.emit('error', raw as ErrorMessage);
        return;
      case 'pong':
        this.#emitter.emit('pong', raw as PongMessage);
        return;
      default:
        return;
    }
  }

  #delivered(event: DishEvent | ChatMessageEvent): void {
    const receivedAt = this.#now();
    this.#counts.events++;
    this.#latency.record(event.ts, receivedAt);
    this.#emitter.emit('event', event, receivedAt - event.ts);
  }

  #setStatus(status: ClientStatus): void {
    this.#status = status;
    this.#emitter.emit('status', status);
  }

  #opener(): (params: TransportParams, sink: TransportSink) => TransportConnection {
    const { transport } = this.#options;
    const restaurant = this.#restaurant;
    switch (transport) {
      case 'ws': {
        const url = streamUrl(this.#options.url, restaurant);
        const WebSocket = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
        if (!WebSocket) throw new Error('no WebSocket here: pass options.WebSocket (in Node: nodeTransports().WebSocket)');
        const getToken = this.#options.getToken;
        return (params, sink) => openWebSocket({ url, WebSocket, ...(getToken ? { getToken } : {}) }, params, sink);
      }
      case 'sse': {
        const url = streamUrl(this.#options.url, restaurant);
        const EventSource = this.#options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
        if (!EventSource) throw new Error('no EventSource here: pass options.EventSource (in Node: nodeTransports().EventSource)');
        const getToken = this.#options.getToken;
        const fetch = this.#maybeFetch();
        return (params, sink) => openEventSource({ url, EventSource, ...(getToken ? { getToken } : {}), ...(fetch ? { fetch } : {}) }, params, sink);
      }
      case 'poll': {
        const fetch = this.#fetch();
        const intervalMs = this.#options.intervalMs ?? 1000;
        const { url } = this.#options;
        return (params, sink) => openPoll({ url, intervalMs, fetch, ...(restaurant !== undefined ? { restaurant } : {}) }, params, sink);
      }
      default:
        throw new Error(`unknown transport ${JSON.stringify(transport)}`);
    }
  }

  #fetch(): FetchLike {
    const fetch = this.#maybeFetch();
    if (!fetch) throw new Error('no fetch here: pass options.fetch');
    return fetch;
  }

  #maybeFetch(): FetchLike | undefined {
    if (this.#options.fetch) {
      // Detached so a browser's fetch, passed as is, is not called with the options object as `this`.
      const { fetch } = this.#options;
      return (input, init) => fetch(input, init);
    }
    const fetch = (globalThis as { fetch?: FetchLike }).fetch;
    return fetch ? (input, init) => fetch.call(globalThis, input, init) : undefined;
  }

  #apiUrl(): string {
    const { apiUrl, transport, url } = this.#options;
    const base = apiUrl ?? (transport === 'poll' ? url : resolveUrl(url).origin);
    return resolveUrl(base).toString().replace(/\/+$/, '');
  }
}

/** A chat event as a snapshot carries it; anything else there is dropped rather than shown. */
function isChatEvent(value: unknown): value is ChatMessageEvent {
  const e = value as Partial<ChatMessageEvent> | null;
  return (
    typeof e === 'object' && e !== null && e.type === 'chat.message' && isStreamId(e.id) && typeof e.ts === 'number' &&
    typeof e.data?.author === 'string' && typeof e.data.text === 'string'
  );
}
