// The restaurants SIM_RESTAURANTS names, registered when missing so the simulator (and the dashboard's picker) has them.
import type { Logger } from 'pino';
import { RestaurantExistsError, type Restaurants } from '@dish-live/broker';

/** `demo-noodles` → `Demo Noodles`: a readable name for a restaurant only configuration knows. */
export function nameFromId(id: string): string {
  return id
    .split('-')
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * Registers each restaurant the registry does not have. Their write tokens are not kept (only a deployment token
 * writes to them); a replica registering the same one at the same moment is no error.
 */
export async function registerRestaurants(registry: Restaurants, ids: readonly string[], logger: Logger): Promise<void> {
  for (const id of ids) {
    if (await registry.exists(id)) continue;
    try {
      await registry.create(id, nameFromId(id));
      logger.info({ restaurant: id }, 'restaurant registered for the simulator');
    } catch (err) {
      if (!(err instanceof RestaurantExistsError)) throw err;
    }
  }
}
