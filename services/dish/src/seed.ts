// Loads the demo menu once into a restaurant's empty log, through the event log, with a lock so two replicas cannot both seed it.
import { randomUUID } from 'node:crypto';
import { DishExistsError, type EventLog, type RedisClient } from '@dish-live/broker';
import { ZERO_ID, type CreateDish } from '@dish-live/protocol';

export type SeedResult = 'seeded' | 'not-empty' | 'locked';

/** Longer than a seed takes; a replica that dies mid-seed frees the lock by expiry. */
const LOCK_MS = 30_000;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Seeds only when there is no dish and the log has never had an event, so a menu emptied on purpose stays empty.
 * The dishes go through createDish, one `dish.created` each, so the log alone can rebuild the state.
 */
export async function seedMenu(redis: RedisClient, log: EventLog, menu: readonly CreateDish[]): Promise<SeedResult> {
  if (!(await isEmpty(redis, log))) return 'not-empty';
  // Under the restaurant's tag: one lock per restaurant, in its cluster slot.
  const lockKey = `${log.keys.base}dish:seed-lock`;
  const token = randomUUID();
  if ((await redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return 'locked';
  try {
    // Another replica may have finished seeding between the first check and the lock.
    if (!(await isEmpty(redis, log))) return 'not-empty';
    for (const dish of menu) {
      try {
        await log.createDish(dish);
      } catch (err) {
        if (!(err instanceof DishExistsError)) throw err;
      }
    }
    return 'seeded';
  } finally {
    await redis.eval(RELEASE, 1, lockKey, token);
  }
}

async function isEmpty(redis: RedisClient, log: EventLog): Promise<boolean> {
  const [dishes, last] = await Promise.all([redis.scard(log.keys.dishIndex), log.lastId()]);
  return dishes === 0 && last === ZERO_ID;
}
