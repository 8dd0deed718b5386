// The restaurants this process has met: each one's event log and answer cache, created once and kept (a restaurant is never deleted).
import { EventLog, type EventLogOptions, type Restaurants, type RedisClient } from '@dish-live/broker';
import { DEFAULT_RESTAURANT, isRestaurantId } from '@dish-live/protocol';
import { HttpProblem } from '@dish-live/server';
import type { AnswerCache, CachedAnswers } from './answer-cache.js';

/** What a request of one restaurant works with. */
export interface RestaurantScope {
  id: string;
  log: EventLog;
  /** The shared answer cache, its keys under this restaurant's id: one restaurant's answer never serves another. */
  answers: CachedAnswers;
}

export const restaurantNotFound = (id: string) =>
  new HttpProblem(404, 'restaurant-not-found', 'Restaurant not found', `no restaurant ${JSON.stringify(id.slice(0, 60))}`);

/**
 * One EventLog per restaurant, sharing one Redis client (cheap: the log holds keys and a cache of closed sales
 * buckets). Entries are made only for restaurants the registry knows, so the map is bounded by the registry; unknown
 * ids are asked again each time (a restaurant created a moment ago is found at once), known ones never.
 */
export class RestaurantScopes {
  readonly #scopes = new Map<string, RestaurantScope>();

  constructor(
    private readonly redis: RedisClient,
    private readonly registry: Restaurants,
    private readonly logOptions: Omit<EventLogOptions, 'restaurant'>,
    private readonly answers: AnswerCache,
  ) {}

  /** The scope of a restaurant known to exist (`default`, one named by a queued job or by configuration). */
  get(id: string): RestaurantScope {
    let scope = this.#scopes.get(id);
    if (!scope) {
      if (!isRestaurantId(id)) throw new RangeError(`not a restaurant id: ${JSON.stringify(id)}`);
      scope = { id, log: new EventLog(this.redis, { ...this.logOptions, restaurant: id }), answers: this.answers.scoped(id) };
      this.#scopes.set(id, scope);
    }
    return scope;
  }

  get default(): RestaurantScope {
    return this.get(DEFAULT_RESTAURANT);
  }

  /** The scope of the restaurant `id` names; a 404 problem when it is malformed or not registered. */
  async find(id: string): Promise<RestaurantScope> {
    const known = this.#scopes.get(id);
    if (known) return known;
    if (!isRestaurantId(id) || !(await this.registry.exists(id))) throw restaurantNotFound(id);
    return this.get(id);
  }
}
