// The notifier's following: one RestaurantFollower per restaurant that has a webhook, the set read again every few
// seconds, a restaurant whose last webhook went released.
import { RestaurantFollower, type FollowerDeps } from './restaurant-follower.js';

export interface AlertFollowerOptions extends Omit<FollowerDeps, 'pollMs' | 'retryMs' | 'pageSize'> {
  /** How often the set of restaurants with webhooks is read: the longest a new restaurant waits to be followed. */
  indexMs?: number;
  pollMs?: number;
  retryMs?: number;
  pageSize?: number;
}

const DEFAULTS = { indexMs: 2000, pollMs: 1000, retryMs: 500, pageSize: 500 };

export class AlertFollower {
  readonly #followers = new Map<string, RestaurantFollower>();
  readonly #deps: FollowerDeps;
  readonly #indexMs: number;
  #indexReadAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly options: AlertFollowerOptions) {
    this.#indexMs = options.indexMs ?? DEFAULTS.indexMs;
    this.#deps = {
      ...options,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      retryMs: options.retryMs ?? DEFAULTS.retryMs,
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
    };
  }

  /** The restaurants followed now. */
  get restaurants(): string[] {
    return [...this.#followers.keys()];
  }

  /** The set was read lately and every restaurant in it knows its place. */
  get following(): boolean {
    if (Date.now() - this.#indexReadAt > 3 * this.#indexMs) return false;
    for (const follower of this.#followers.values()) if (!follower.ready) return false;
    return true;
  }

  /** Where the follower of `restaurant` stands (tests, probes); undefined when it is not followed. */
  position(restaurant: string): string | undefined {
    return this.#followers.get(restaurant)?.position;
  }

  /** Resolves after the first read of the set (successful or not: it is read again until it is). */
  async start(): Promise<void> {
    await this.#sync();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#syncing;
    await Promise.all([...this.#followers.values()].map((follower) => follower.stop()));
    this.#followers.clear();
  }

  #sync(): Promise<void> {
    this.#syncing = this.#readIndex().finally(() => {
      this.#syncing = undefined;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => void this.#sync(), this.#indexMs);
      this.#timer.unref();
    });
    return this.#syncing;
  }

  async #readIndex(): Promise<void> {
    let restaurants: Set<string>;
    try {
      restaurants = new Set(await this.options.store.restaurants());
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'reading the restaurants with webhooks failed; retrying');
      return;
    }
    this.#indexReadAt = Date.now();
    for (const restaurant of restaurants) {
      if (this.#followers.has(restaurant) || this.#stopped) continue;
      const follower = new RestaurantFollower(restaurant, this.#deps);
      this.#followers.set(restaurant, follower);
      this.options.logger.info({ restaurant }, 'following for alerts');
      await follower.start();
    }
    for (const [restaurant, follower] of this.#followers) {
      if (restaurants.has(restaurant)) continue;
      this.#followers.delete(restaurant);
      this.options.logger.info({ restaurant }, 'no webhook left: released');
      await follower.release().catch((err: Error) => this.options.logger.warn({ restaurant, err: err.message }, 'releasing failed'));
    }
  }
}
