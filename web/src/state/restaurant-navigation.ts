// The restaurant a page shows, kept in its URL: a pick is a history entry, back and forward show the entry's, and a
// link naming no restaurant (or one that is not there) opens `default` and says so.
import { DEFAULT_RESTAURANT } from '@dish-live/protocol/wire';
import type { Dashboard, RestaurantNotice } from './dashboard.js';
import { readRestaurant, readTransportChoice, writeRestaurant } from './url-state.js';

/**
 * The restaurant to open the page on. An id that cannot be one is replaced by `default` in the URL as well (the page
 * shows what its URL says), and the notice tells the reader why.
 */
export function openingRestaurant(): { restaurant: string; notice?: RestaurantNotice } {
  const place = readRestaurant(location.search);
  if (place.rejected === undefined) return { restaurant: place.restaurant };
  history.replaceState(history.state, '', writeRestaurant(location.href, place.restaurant));
  return { restaurant: place.restaurant, notice: { reason: 'invalid', id: place.rejected } };
}

/** The reader picked `restaurant`: a new history entry, so that Back returns to the one before. */
export function pickRestaurant(dash: Dashboard, restaurant: string): void {
  if (restaurant === dash.restaurant.value) return;
  history.pushState(history.state, '', writeRestaurant(location.href, restaurant));
  dash.restaurantNotice.value = undefined;
  dash.switchRestaurant(restaurant);
}

/** Back and forward: the page shows what the entry's URL names, restaurant and transport alike. Returns the unsubscribe. */
export function followHistory(dash: Dashboard): () => void {
  const onPop = () => {
    const place = readRestaurant(location.search);
    dash.restaurantNotice.value = place.rejected !== undefined ? { reason: 'invalid', id: place.rejected } : undefined;
    dash.show(place.restaurant, readTransportChoice(location.search));
  };
  addEventListener('popstate', onPop);
  return () => removeEventListener('popstate', onPop);
}

/**
 * Loads the picker's list; when it does not name the restaurant shown, that restaurant does not exist (its
 * connection would only meet 404s): the page shows `default` instead and says so. Without a list nothing changes.
 */
export async function loadRestaurants(dash: Dashboard): Promise<void> {
  const list = await dash.loadRestaurants();
  const shown = dash.restaurant.value;
  if (!list || list.length === 0 || shown === DEFAULT_RESTAURANT || list.some((r) => r.id === shown)) return;
  history.replaceState(history.state, '', writeRestaurant(location.href, DEFAULT_RESTAURANT));
  dash.restaurantNotice.value = { reason: 'unknown', id: shown };
  dash.switchRestaurant(DEFAULT_RESTAURANT);
}
