// One client's delivery state: where it stands in its chain, and how it is being fed (its mode, changed only here).
import { compareStreamIds, type DishEvent, type SubscriptionOptions } from '@dish-live/protocol';
import { Conflation } from './conflation.js';
import type { Group } from './group.js';
import type { LiveRestaurant } from './live-restaurant.js';
import type { Sink } from './transport.js';

/**
 * replaying: a replay is being read from Redis; live events wait in `pending`.
 * catching-up: events are written one by one until the chain meets the group's, then the client joins it.
 * live: a full-rate member of its group.
 * conflating: events fold into a `state`, flushed when drained or at the client's maxRate.
 */
export type ConnectionMode = 'replaying' | 'catching-up' | 'live' | 'conflating' | 'closed';

/** The options of every connection that has none of its own: one frozen object, not one per idle client. */
export const NO_OPTIONS: SubscriptionOptions = Object.freeze({});

/**
 * What a connection keeps of its options: `since` is used once, when the subscription starts; a connection left with
 * none shares NO_OPTIONS.
 */
export function keptOptions(options: SubscriptionOptions): SubscriptionOptions {
  if (options.maxRate === undefined && options.categories === undefined) return NO_OPTIONS;
  if (options.since === undefined) return options;
  const { since: _since, ...kept } = options;
  return kept;
}

/**
 * Every idle client holds one of these, so it carries no per-client arrays or objects it is not using: `pending`,
 * `out` and the conflation exist only while they hold something.
 */
export class Connection<S extends Sink = Sink> {
  #mode: ConnectionMode = 'catching-up';
  group: Group<S> | undefined;
  options: SubscriptionOptions = NO_OPTIONS;
  /** The id the client's chain ends at: the `prev` its next event must carry. */
  lastChain = '0-0';
  /** Events up to this id are already covered (a replay from Redis may run ahead of this process's feed). */
  floor = '0-0';
  /** Live events that arrived during a replay from Redis. */
  pending: DishEvent[] | undefined;
  /** The id of the last `check`, snapshot or `resumed` it was sent: it is checked again once its chain moved on. */
  checkedId = '0-0';
  /** Frames for this connection alone, written at the end of the turn. */
  out: string[] | undefined;
  /** Their bytes, counted as they are queued (a shared frame's length is measured once, where it is cached). */
  outBytes = 0;
  #conflation: Conflation | undefined;
  memberIndex = -1;
  /** Bumped by every re-subscription, so a replay started for older options is dropped. */
  epoch = 0;
  /** Ends the connection when its subscription token expires; cleared when it closes. */
  expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly sink: S,
    /** The restaurant it reads, for its whole life (another restaurant is another connection). */
    readonly restaurant: LiveRestaurant<S>,
  ) {}

  get mode(): ConnectionMode {
    return this.#mode;
  }

  get closed(): boolean {
    return this.#mode === 'closed';
  }

  /** Whether an event is beyond what this client already has (its chain and its floor). */
  isNew(id: string): boolean {
    return compareStreamIds(id, this.lastChain) > 0 && compareStreamIds(id, this.floor) > 0;
  }

  /** What it is owed while conflating. */
  get conflation(): Conflation | undefined {
    return this.#conflation;
  }

  /** Out of its group, nothing pending: ready to be subscribed again. */
  detached(): void {
    this.#mode = 'catching-up';
    this.pending = undefined;
    this.#conflation = undefined;
    this.group = undefined;
  }

  replaying(): void {
    this.#mode = 'replaying';
    this.pending = undefined;
  }

  catchingUp(): void {
    this.#mode = 'catching-up';
    this.#conflation = undefined;
  }

  live(): void {
    this.#mode = 'live';
  }

  conflating(now: number): void {
    this.#mode = 'conflating';
    this.#conflation = new Conflation(now);
  }

  ended(): void {
    this.#mode = 'closed';
    this.out = undefined;
    this.outBytes = 0;
  }
}
