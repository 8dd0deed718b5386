// One restaurant's log followed for alerts: read from the notifier's stored place, the alerts of each page queued, then
// the place moved past them; woken by the restaurant's channel, with a poll in case a publish was missed.
import type { Channels, EventLog } from '@dish-live/broker';
import { compareStreamIds } from '@dish-live/protocol';
import type { Dish } from '@dish-live/protocol';
import { alertBatch, catchUpBatch, registrationBatch, type AlertJob } from './alert-batch.js';
import { PlaceLostError, type FollowState, type NotifierState } from './notifier-keys.js';
import type { WebhookStore } from './store.js';

/** What the follower logs through (pino's logger fits). */
export interface FollowerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface FollowerDeps {
  store: WebhookStore;
  state: NotifierState;
  logOf(restaurant: string): EventLog;
  /** Queues jobs in the order given and resolves once they are stored; a job id already queued is not queued again. */
  enqueue(jobs: readonly AlertJob[]): Promise<void>;
  /** Told of every job queued (metrics). */
  onAlerts?(jobs: readonly AlertJob[]): void;
  /** Told when a stored place was gone from the log and the net changes were alerted from a snapshot (metrics). */
  onPlaceLost?(restaurant: string): void;
  /** The restaurant's channel wakes its follower as soon as an event is published; without it, polling alone. */
  channels?: Channels;
  logger: FollowerLogger;
  /** How often the log is read without a wake-up: the bound on an alert's delay when a publish was missed. */
  pollMs: number;
  /** The wait before a failed read or write (Redis away) is tried again. */
  retryMs: number;
  /** Events read, and their alerts queued, per step. */
  pageSize: number;
}

/**
 * How far back a first follow looks for events since a registration: far more than the seconds the notifier takes to
 * notice a new restaurant (or to restart), and short enough that a notifier started long after webhooks were
 * registered (its state lost) does not send alerts of old news.
 */
const REGISTRATION_WINDOW_MS = 60_000;

type Snapshot = { id: string; dishes: Dish[] };

export class RestaurantFollower {
  #state: FollowState | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #woken = false;
  #wake: (() => void) | undefined;
  #failing = false;
  /** Another notifier holds the restaurant's lease: this one waits, ready to take over when it lapses. */
  #standby = false;
  readonly #log: EventLog;

  constructor(
    readonly restaurant: string,
    private readonly deps: FollowerDeps,
  ) {
    this.#log = deps.logOf(restaurant);
  }

  /** True once its place is known (loaded or taken from a snapshot), or another notifier follows, and the last step did not fail. */
  get ready(): boolean {
    return (this.#state !== undefined || this.#standby) && !this.#failing;
  }

  get position(): string | undefined {
    return this.#state?.position;
  }

  async start(): Promise<void> {
    const wake = () => this.#signal();
    const noop = () => undefined;
    // A missed subscription costs latency, not alerts: the poll reads the log anyway.
    await this.deps.channels
      ?.listen(this.#log.keys.channel, { message: wake, ready: wake, down: noop, error: noop })
      .catch((err: Error) => this.deps.logger.warn({ restaurant: this.restaurant, err: err.message }, 'alert wake-ups unavailable; polling'));
    this.#loop = this.#run();
  }

  /** Stops after the step under way (its jobs are queued and its place stored, or neither) and gives the lease up. */
  async stop(): Promise<void> {
    await this.#halt();
    await this.deps.state.letGo(this.restaurant).catch(() => undefined);
  }

  /** Stops and forgets the stored place: the restaurant has no webhook left. */
  async release(): Promise<void> {
    await this.#halt();
    await this.deps.state.clear(this.restaurant);
  }

  async #halt(): Promise<void> {
    this.#stopped = true;
    this.#signal();
    await this.#loop;
    await this.deps.channels?.unlisten(this.#log.keys.channel).catch(() => undefined);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let more: boolean;
      try {
        more = await this.#step();
        if (this.#failing) this.deps.logger.info({ restaurant: this.restaurant }, 'following again');
        this.#failing = false;
      } catch (err) {
        // Whatever was read is read again from the stored place: nothing half-done is kept in memory.
        this.#state = undefined;
        if (err instanceof PlaceLostError) {
          this.deps.logger.info({ restaurant: this.restaurant, err: err.message }, 'reading the place again');
          continue;
        }
        if (!this.#failing) this.deps.logger.warn({ restaurant: this.restaurant, err: (err as Error).message }, 'following failed; retrying');
        this.#failing = true;
        await this.#sleep(this.deps.retryMs);
        continue;
      }
      if (!more) await this.#sleep(this.deps.pollMs);
    }
  }

  /** One page of events: true when more are waiting. */
  async #step(): Promise<boolean> {
    const lease = await this.deps.state.take(this.restaurant);
    this.#standby = lease === 'held';
    // Without the lease nothing is read; taken afresh, what this process knew may have moved on under another.
    if (lease !== 'renewed') this.#state = undefined;
    if (this.#standby) return false;
    const state = (this.#state ??= await this.#load());
    const page = await this.#log.replay(state.position, this.deps.pageSize);
    if (!page.recovered) {
      this.deps.logger.warn(
        { restaurant: this.restaurant, position: state.position },
        'the stored position is no longer in the log (trimmed, or taken back by a failover); alerting each dish\'s net change from a snapshot',
      );
      this.#state = await this.#fromSnapshot(state.position, (snapshot) => this.#netChanges(state, snapshot));
      this.deps.onPlaceLost?.(this.restaurant);
      return true;
    }
    if (page.events.length === 0) return false;
    const dishEvents = page.events.some((event) => event.type !== 'chat.message');
    const webhooks = dishEvents ? await this.deps.store.list(this.restaurant) : [];
    const { jobs, changes } = alertBatch(this.restaurant, page.events, state.stock, webhooks);
    await this.#queue(jobs);
    // Only after the jobs are stored: a crash in between reads the page again and queues the same job ids.
    await this.deps.state.advance(this.restaurant, state.position, page.last, changes);
    for (const [id, stock] of changes) {
      if (stock === undefined) state.stock.delete(id);
      else state.stock.set(id, stock);
    }
    state.position = page.last;
    return page.more;
  }

  async #queue(jobs: readonly AlertJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.deps.enqueue(jobs);
    this.deps.onAlerts?.(jobs);
  }

  /**
   * The stored place, or for a restaurant followed for the first time (or again after its webhooks went) a snapshot,
   * with the alerts of the events since its webhooks' registration queued before the place is stored.
   */
  async #load(): Promise<FollowState> {
    const stored = await this.deps.state.load(this.restaurant);
    if (stored) return stored;
    const state = await this.#fromSnapshot(undefined, (snapshot) => this.#sinceRegistration(snapshot.id));
    this.deps.logger.info({ restaurant: this.restaurant, position: state.position }, 'following from a snapshot: alerts from the webhooks\' registration on');
    return state;
  }

  /**
   * Dishes and the id they include, read together, as the new place in place of `expected` (undefined: none stored);
   * `before` queues what is owed before it is stored.
   */
  async #fromSnapshot(expected: string | undefined, before: (snapshot: Snapshot) => Promise<void>): Promise<FollowState> {
    const snapshot = await this.#log.dishes();
    const state: FollowState = { position: snapshot.id, stock: new Map(snapshot.dishes.map((dish) => [dish.id, dish.stock])) };
    await before(snapshot);
    await this.deps.state.reset(this.restaurant, expected, state);
    return state;
  }

  /** The alerts of each dish's net change between a lost place and a snapshot. */
  async #netChanges(from: FollowState, snapshot: Snapshot): Promise<void> {
    await this.#queue(catchUpBatch(this.restaurant, from, snapshot, await this.deps.store.list(this.restaurant)));
  }

  /** Queues the alerts of the events from the earliest registration (at most REGISTRATION_WINDOW_MS ago) up to `upTo`. */
  async #sinceRegistration(upTo: string): Promise<void> {
    const webhooks = (await this.deps.store.list(this.restaurant)).filter((webhook) => webhook.disabled === null);
    if (webhooks.length === 0) return;
    const from = Math.max(Math.min(...webhooks.map((webhook) => Date.parse(webhook.createdAt))), Date.now() - REGISTRATION_WINDOW_MS);
    const events = [];
    let start = `${from}-0`;
    while (compareStreamIds(start.replace(/^\(/, ''), upTo) <= 0) {
      const page = await this.#log.range(start, upTo, this.deps.pageSize);
      events.push(...page);
      if (page.length < this.deps.pageSize) break;
      start = `(${page.at(-1)!.id}`;
    }
    await this.#queue(registrationBatch(this.restaurant, events, webhooks));
  }

  #signal(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Waits `ms` or until woken; a wake-up that came during the step ends the wait at once. */
  async #sleep(ms: number): Promise<void> {
    if (this.#woken || this.#stopped) {
      this.#woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
    this.#woken = false;
  }
}
