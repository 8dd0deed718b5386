// Where a restaurant lives on the wire: `/ws/{rid}` and `/sse/{rid}` at the gateways, `/api/restaurants/{rid}/…` at the dish service.
import { isRestaurantId } from '@dish-live/protocol/wire';
import { resolveUrl } from './transport.js';

/**
 * The `restaurant` option, checked at connect(): an id that cannot exist would only become a path every server
 * answers 404 to, and a WebSocket cannot even read that status, so it would be retried for ever.
 */
export function checkedRestaurant(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isRestaurantId(value)) {
    throw new Error(`restaurant ${JSON.stringify(value)} is not a restaurant id: 1-40 characters of a-z, 0-9 and "-", not starting with "-"`);
  }
  return value;
}

/**
 * A gateway URL as configured (`…/ws`, `…/sse`) turned into one restaurant's: `…/ws/{rid}`, query kept. Without a
 * restaurant the URL stays as given: the first-wave path, which serves `default`.
 */
export function streamUrl(base: string, restaurant: string | undefined): string {
  if (restaurant === undefined) return base;
  const url = resolveUrl(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${restaurant}`;
  return url.toString();
}

/** A dish API path (`/events`, `/chat`) for one restaurant, `/api/restaurants/{rid}/events`; without one, `/api/events`. */
export function apiPath(restaurant: string | undefined, path: string): string {
  return restaurant === undefined ? `/api${path}` : `/api/restaurants/${restaurant}${path}`;
}
