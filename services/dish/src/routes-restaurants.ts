// The restaurant registry over HTTP: the public list, creation with a deployment token (the new restaurant's write
// token shown once), and one restaurant's entry.
import { Router, type RequestHandler } from 'express';
import type { Restaurants } from '@dish-live/broker';
import { createRestaurantSchema } from '@dish-live/protocol';
import { jsonBody, jsonParser } from './input.js';
import { methodNotAllowed } from './http-errors.js';
import { restaurantOf } from './restaurant-param.js';

/** `/api/restaurants`, at the app's root. `createGuards` admit deployment tokens only. */
export function restaurantListRoutes(registry: Restaurants, createGuards: RequestHandler[]): Router {
  const router = Router();
  router
    .route('/api/restaurants')
    .get(async (_req, res) => {
      // A restaurant created on another replica shows at once.
      res.set('Cache-Control', 'no-store').json(await registry.list());
    })
    .post(...createGuards, jsonParser, async (req, res) => {
      const { id, name } = createRestaurantSchema.parse(jsonBody(req));
      const { restaurant, token } = await registry.create(id, name);
      // The token exists nowhere else from now on (the registry keeps its digest): nothing may keep this answer.
      res
        .status(201)
        .location(`/api/restaurants/${restaurant.id}`)
        .set('Cache-Control', 'no-store')
        .json({ id: restaurant.id, name: restaurant.name, token });
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));
  return router;
}

/** `GET /api/restaurants/{rid}`: its `{id, name}`, where the Location of its creation points. Under the restaurant's mount. */
export function restaurantEntryRoutes(registry: Restaurants, readGuards: RequestHandler[]): Router {
  const router = Router();
  router
    .route('/')
    .get(...readGuards, async (_req, res) => {
      const { id } = restaurantOf(res);
      const entry = (await registry.get(id)) ?? { id, name: id };
      res.set('Cache-Control', 'no-store').json({ id: entry.id, name: entry.name });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
