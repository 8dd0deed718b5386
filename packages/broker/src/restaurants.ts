// The restaurant registry: which restaurants exist, their names, and the write tokens scoped to one of them.
import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import { DEFAULT_RESTAURANT, type Restaurant } from '@dish-live/protocol';
import { registryKeys } from './keys.js';

export class RestaurantExistsError extends Error {
  constructor(readonly id: string) {
    super(`restaurant ${id} already exists`);
  }
}

/** A restaurant write token is stored only as this digest: the registry can check one, never show one again. */
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex');

const DEFAULT_ENTRY: Restaurant = { id: DEFAULT_RESTAURANT, name: 'Default' };

export class Restaurants {
  readonly keys: ReturnType<typeof registryKeys>;

  constructor(
    private readonly redis: RedisClient,
    prefix = '',
  ) {
    this.keys = registryKeys(prefix);
  }

  /** Writes `default`'s entry unless it has one: the restaurant the routes without one serve always exists. */
  async ensureDefault(): Promise<void> {
    await this.redis.hsetnx(this.keys.restaurants, DEFAULT_RESTAURANT, JSON.stringify(DEFAULT_ENTRY));
  }

  /** Every restaurant, sorted by id; `default` always among them. */
  async list(): Promise<Restaurant[]> {
    const entries = await this.redis.hvals(this.keys.restaurants);
    const byId = new Map<string, Restaurant>([[DEFAULT_RESTAURANT, DEFAULT_ENTRY]]);
    for (const json of entries) {
      const { id, name } = JSON.parse(json) as Restaurant;
      byId.set(id, { id, name });
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(id: string): Promise<Restaurant | undefined> {
    const json = await this.redis.hget(this.keys.restaurants, id);
    if (json) {
      const { name } = JSON.parse(json) as Restaurant;
      return { id, name };
    }
    return id === DEFAULT_RESTAURANT ? DEFAULT_ENTRY : undefined;
  }

  async exists(id: string): Promise<boolean> {
    return id === DEFAULT_RESTAURANT || (await this.redis.hexists(this.keys.restaurants, id)) === 1;
  }

  /**
   * Registers a restaurant and answers its write token, which exists nowhere else afterwards: only its digest is
   * kept. Entry and token are written in one transaction (one slot: both keys carry the registry's tag).
   */
  async create(id: string, name: string): Promise<{ restaurant: Restaurant; token: string }> {
    if (id === DEFAULT_RESTAURANT) throw new RestaurantExistsError(id);
    const token = `rt_${randomBytes(24).toString('base64url')}`;
    const restaurant = { id, name };
    const entry = JSON.stringify({ ...restaurant, createdAt: Date.now() });
    const created = (await this.redis.eval(
      `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
       redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
       return 1`,
      2, this.keys.restaurants, this.keys.tokens, id, entry, tokenDigest(token),
    )) as number;
    if (created === 0) throw new RestaurantExistsError(id);
    return { restaurant, token };
  }

  /** The restaurant a write token is scoped to, or undefined when it is not a restaurant token. */
  async tokenRestaurant(token: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.tokens, tokenDigest(token))) ?? undefined;
  }
}
