// The Dish Live client for browsers and Node: connect over WebSocket, SSE or polling, and the state it keeps.
export { connect } from './connect.js';
export type { ClientEvents, ClientStats, ClientStatus, ConnectOptions, ConnectionState, DishClient, SnapshotInfo } from './client-api.js';
export type { ProofCounts, ResyncInfo, ResyncReason } from './proof.js';
export { DishStore, type ApplyResult, type DishStoreOptions } from './store.js';
export { emptyChanges, hasChanges, mergeChanges, reshaped, type ChangeRecord, type DishField } from './change-record.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { LatencyRing, LatencyTracker, percentile, type LatencyPercentiles, type LatencySummary } from './latency.js';
export { RateMeter } from './rate-meter.js';
export type { TransportKind } from './transport.js';
export type { WebSocketConstructor, WebSocketLike } from './ws-transport.js';
export type { EventSourceConstructor, EventSourceLike } from './sse-transport.js';
export type { FetchLike } from './poll-transport.js';
export { compareStreamIds, ZERO_ID } from '@dish-live/protocol/wire';
