// What connect() takes and what the client it returns offers: options, status, statistics, events.
import type { ChatMessageEvent, CheckMessage, Dish, DishEvent, ErrorMessage, PongMessage, SalesHistory, StateMessage } from '@dish-live/protocol';
import type { BackoffOptions } from './backoff.js';
import type { LatencySummary } from './latency.js';
import type { EventSourceConstructor } from './sse-transport.js';
import type { DishStore } from './store.js';
import type { FetchLike } from './poll-transport.js';
import type { ProofCounts, ResyncInfo } from './proof.js';
import type { TransportKind } from './transport.js';
import type { WebSocketConstructor } from './ws-transport.js';

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

export interface ClientStats extends LatencySummary, ProofCounts {
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
  /** A `check` whose digest agreed with what the client holds. */
  check: [check: CheckMessage];
  /**
   * A broken link or a digest that disagreed: emitted when the client starts to resynchronise (`recovered: false`)
   * and again once it is back in step (`recovered: true`).
   */
  resync: [resync: ResyncInfo];
}

export interface DishClient {
  readonly store: DishStore;
  /** The restaurant followed: the option, else `default`. */
  readonly restaurant: string;
  readonly status: ClientStatus;
  readonly lastId: string | undefined;
  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): () => void;
  stats(): ClientStats;
  /** The latest resync, as last emitted; undefined while there was none. */
  readonly lastResync: ResyncInfo | undefined;
  /** WebSocket: `{op:'chat'}` on the socket; SSE and polling: `POST {apiUrl}/api/chat` (or the restaurant's `…/chat`). */
  sendChat(author: string, text: string): Promise<void>;
  close(): void;
}
