// Restaurants (tenants): the id every route, key and token scope names. Zod-free, so browsers import it from `wire`.

/** The restaurant the routes without one serve; it always exists. */
export const DEFAULT_RESTAURANT = 'default';

export const RESTAURANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function isRestaurantId(value: unknown): value is string {
  return typeof value === 'string' && RESTAURANT_ID_PATTERN.test(value);
}
