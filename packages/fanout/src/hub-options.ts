// What a hub is built with, and the defaults of what may be left out.
import type { Channels, EventLog } from '@dish-live/broker';
import type { Logger } from '@dish-live/server';
import type { FanoutMetrics } from './metrics.js';
import type { Sink, Transport } from './transport.js';

export interface HubOptions<S extends Sink = Sink> {
  /** A restaurant's event log: reads (snapshot, replays, gap fills) and the chat its clients write. */
  logFor: (restaurant: string) => EventLog;
  /** The process's subscriber connection, shared by every live restaurant. */
  channels: Channels;
  transport: Transport<S>;
  logger: Logger;
  metrics: FanoutMetrics;
  instance: string;
  /** Events each live restaurant keeps in memory for resumes. */
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
  /** How long a restaurant without clients stays loaded (default 30 s). */
  restaurantGraceMs?: number;
  /** The estimated bytes live restaurants may take together (default 256 MiB). */
  restaurantBudgetBytes?: number;
  /** How often the budget is checked besides after each load (default 1 s). */
  budgetCheckMs?: number;
  /** How often clients that got events are sent a `check` (default 10 s, the contract's most). */
  checkMs?: number;
}

export const DEFAULT_TICK_MS = 25;
export const DEFAULT_RESTAURANT_GRACE_MS = 30_000;
export const DEFAULT_RESTAURANT_BUDGET_BYTES = 256 * 1024 * 1024;
