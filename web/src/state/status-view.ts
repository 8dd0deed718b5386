// What the status bar shows, in one value refreshed a few times a second: the connection, its figures, and the proof.
import { ZERO_ID, type ClientStats, type ClientStatus, type ConnectionState, type LatencyPercentiles } from '@dish-live/client';
import type { ProofView } from './proof-tally.js';
import type { TransportChoice } from './url-state.js';

export interface StatusView {
  state: ConnectionState;
  /** Seconds until the next attempt, while reconnecting. */
  retryInS: number | undefined;
  transport: TransportChoice['transport'];
  pollIntervalMs: number;
  instance: string | undefined;
  lastId: string;
  eventsPerSecond: number;
  p50: number | undefined;
  p99: number | undefined;
  requests: number;
  bytes: number;
  reason: string | undefined;
  snapshots: number;
  proof: ProofView;
}

export interface StatusInputs {
  now: number;
  choice: TransportChoice;
  defaultPollIntervalMs: number;
  stats: ClientStats | undefined;
  status: ClientStatus | undefined;
  latency: LatencyPercentiles;
  retryAt: number | undefined;
  instance: string | undefined;
  lastId: string | undefined;
  eventsPerSecond: number;
  snapshots: number;
  proof: ProofView;
}

export function statusView(i: StatusInputs): StatusView {
  return {
    state: i.status?.state ?? 'connecting',
    retryInS: i.retryAt !== undefined ? Math.max(0, Math.ceil((i.retryAt - i.now) / 1000)) : undefined,
    transport: i.choice.transport,
    pollIntervalMs: i.choice.pollIntervalMs ?? i.defaultPollIntervalMs,
    instance: i.instance,
    lastId: i.lastId ?? ZERO_ID,
    eventsPerSecond: i.eventsPerSecond,
    p50: i.latency.p50,
    p99: i.latency.p99,
    requests: i.stats?.requests ?? 0,
    bytes: i.stats?.bytes ?? 0,
    reason: i.status?.reason,
    snapshots: i.snapshots,
    proof: i.proof,
  };
}
