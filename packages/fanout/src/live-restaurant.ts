// One restaurant a gateway follows while it has clients: its event log, its live view (view, ring, feed), its filter
// groups and catch-up, and who holds it (connections, and admissions on their way to becoming one).
import type { DishEvent } from '@dish-live/protocol';
import type { Channels, EventLog, ResetCause } from '@dish-live/broker';
import type { Logger } from '@dish-live/server';
import type { Backpressure } from './backpressure.js';
import { CatchUp } from './catch-up.js';
import type { Connection } from './connection.js';
import { Groups } from './groups.js';
import { LiveView } from './live-view.js';
import { Proof } from './proof.js';
import type { FanoutMetrics } from './metrics.js';
import type { Sink, Transport } from './transport.js';
import type { Writer } from './writer.js';

/**
 * What a live restaurant costs beyond its view's dishes, chat and sales and its ring's JSON, estimated for the memory
 * budget: the log, feed, view, ring, groups and catch-up objects, the parsed events beside their JSON, the channel's
 * entry in the subscriber, its timer. tests/tenants/gateway-many-restaurants.test.ts measures a live restaurant of 5
 * dishes with a ring of 3 events at 11–13 KiB of heap (without its clients); this plus that view's estimate is ~12.6.
 */
export const RESTAURANT_OVERHEAD_BYTES = 10 * 1024;

/** The process-wide parts every live restaurant serves its clients through: the hub's. */
export interface RestaurantWiring<S extends Sink> {
  channels: Channels;
  transport: Transport<S>;
  writer: Writer<S>;
  backpressure: Backpressure<S>;
  metrics: FanoutMetrics;
  logger: Logger;
  instance: string;
  ringSize: number;
  replayPageSize: number;
  /** An event for a connection that is not a full-rate member of its group (resuming, catching up, conflated). */
  offer: (conn: Connection<S>, event: DishEvent, json: string) => void;
  /** The restaurant's view was read again after a reset: its clients must resume from the log, or take a snapshot. */
  reloaded(restaurant: LiveRestaurant<S>, cause: ResetCause): void;
  /** A feed error of any restaurant (throttled by the caller: one subscriber outage reaches every restaurant). */
  feedError(restaurant: string, err: Error): void;
}

export type LiveRestaurantState = 'loading' | 'live' | 'released';

export class LiveRestaurant<S extends Sink = Sink> {
  readonly live: LiveView;
  readonly groups: Groups<S>;
  readonly catchUp: CatchUp<S>;
  readonly proof: Proof;
  /** Its open connections: each is in one of its groups, so they are counted here, not kept a second time. */
  connectionCount = 0;
  /** Admissions that hold it and are not yet connections (or gave up): it stays loaded for them. */
  leases = 0;
  state: LiveRestaurantState = 'loading';
  /** When a client last arrived or left (performance.now()): the budget releases and shrinks the least recent first. */
  lastUsed = performance.now();
  /** Set while it has no holder: it is released when this fires. */
  releaseTimer: NodeJS.Timeout | undefined;
  /** Resolves once the view is loaded and the channel subscribed; rejects when that failed. */
  loaded: Promise<void> = Promise.resolve();
  /** The feed's gap fills already counted in the metric. */
  gapsCounted = 0;

  constructor(
    readonly id: string,
    readonly log: EventLog,
    wiring: RestaurantWiring<S>,
  ) {
    const { channels, transport, writer, backpressure, metrics, logger, instance } = wiring;
    this.live = new LiveView({
      log, channels, logger, ringSize: wiring.ringSize,
      onEvent: (event, json) => this.groups.route(event, json),
      onReloaded: (cause) => wiring.reloaded(this, cause),
      onFeedError: (err) => wiring.feedError(id, err),
    });
    this.groups = new Groups<S>({ restaurant: id, transport, writer, lastId: () => this.live.last, offer: wiring.offer });
    this.proof = new Proof(this.live);
    this.catchUp = new CatchUp<S>({
      log, live: this.live, proof: this.proof, transport, writer, backpressure, metrics, logger, instance, replayPageSize: wiring.replayPageSize,
    });
  }

  /** Connections and admissions holding it: while any, it is never released. */
  get holders(): number {
    return this.connectionCount + this.leases;
  }

  /** Its open connections, from its groups (every open connection is in one). */
  connections(): Connection<S>[] {
    return this.groups.connections();
  }

  /** View, ring and the fixed overhead, as the memory budget counts them. */
  get estimatedBytes(): number {
    return this.live.estimatedBytes + RESTAURANT_OVERHEAD_BYTES;
  }
}
