// Which restaurant a request is about: from the path (`/api/restaurants/{rid}/…`), or `default` for the first wave's routes.
import type { RequestHandler, Response } from 'express';
import type { RestaurantScope, RestaurantScopes } from './restaurant-scopes.js';

interface ScopedLocals {
  restaurant?: RestaurantScope;
  /** The mount's path pattern, so metrics label `/api/restaurants/:rid/dishes`, not one label per restaurant. */
  routeBase?: string;
}

const locals = (res: Response) => res.locals as ScopedLocals;

/** The mount pattern of the routes with a restaurant. */
export const RESTAURANT_MOUNT = '/api/restaurants/:rid';
/** The mount of the first wave's routes, which serve `default`. */
export const DEFAULT_MOUNT = '/api';

/** Resolves `:rid` of the mount path: a malformed or unknown id is a 404 `restaurant-not-found`. */
export function restaurantFromPath(scopes: RestaurantScopes): RequestHandler {
  return async (req, res, next) => {
    locals(res).restaurant = await scopes.find(String(req.params.rid));
    locals(res).routeBase = RESTAURANT_MOUNT;
    next();
  };
}

/** The first wave's routes: `default`, which always exists (no Redis call, so they answer as before). */
export function defaultRestaurant(scopes: RestaurantScopes): RequestHandler {
  return (_req, res, next) => {
    locals(res).restaurant = scopes.default;
    locals(res).routeBase = DEFAULT_MOUNT;
    next();
  };
}

/** The restaurant of a request that passed one of the two middlewares above. */
export function restaurantOf(res: Response): RestaurantScope {
  const scope = locals(res).restaurant;
  if (!scope) throw new Error('a restaurant route ran without its restaurant resolved');
  return scope;
}

/** Where the request's restaurant's resources live, for Location headers: `/api` or `/api/restaurants/{rid}`. */
export function restaurantPath(res: Response): string {
  const { restaurant, routeBase } = locals(res);
  return routeBase === RESTAURANT_MOUNT ? `/api/restaurants/${restaurant!.id}` : DEFAULT_MOUNT;
}

/** The mount pattern a restaurant route was reached through, or '' for routes of the app itself. */
export function routeBaseOf(res: Response): string {
  return locals(res).routeBase ?? '';
}
