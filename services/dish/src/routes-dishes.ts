// The dishes resource of one restaurant: list, read, create, patch (If-Match on the version), delete. Reads pass the
// read guards (subscription token when keys are set), writes the write guards (rate limits, token and its scope).
import { Router, type RequestHandler, type Response } from 'express';
import { DishNotFoundError } from '@dish-live/broker';
import { createDishSchema, dishIdSchema, patchDishSchema, type Dish } from '@dish-live/protocol';
import { ifMatchVersion, jsonBody, jsonParser } from './input.js';
import { methodNotAllowed, notFound } from './http-errors.js';
import { restaurantOf, restaurantPath } from './restaurant-param.js';

const etag = (dish: Dish) => `"${dish.version}"`;

/** A malformed id names no dish, so it is a 404 like any unknown one (not echoed: it may be anything). */
function dishId(raw: string | string[] | undefined): string {
  const id = String(raw);
  if (!dishIdSchema.safeParse(id).success) throw notFound('no dish has this id');
  return id;
}

function sendDish(res: Response, status: number, dish: Dish): void {
  res.status(status).set('ETag', etag(dish)).json(dish);
}

/** Paths relative to the restaurant's mount (`/api` for `default`, `/api/restaurants/{rid}` for any). */
export function dishRoutes(readGuards: RequestHandler[], writeGuards: RequestHandler[]): Router {
  const router = Router();

  router
    .route('/dishes')
    .get(...readGuards, async (_req, res) => {
      const { log, answers } = restaurantOf(res);
      // An unchanged menu costs one GET of the last id.
      const body = await answers.get('dishes', await log.lastId(), async () => JSON.stringify((await log.dishes()).dishes));
      res.type('application/json').send(body);
    })
    .post(...writeGuards, jsonParser, async (req, res) => {
      const input = createDishSchema.parse(jsonBody(req));
      const dish = await restaurantOf(res).log.createDish(input);
      res.location(`${restaurantPath(res)}/dishes/${encodeURIComponent(dish.id)}`);
      sendDish(res, 201, dish);
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));

  router
    .route('/dishes/:id')
    .get(...readGuards, async (req, res) => {
      const id = dishId(req.params.id);
      const dish = await restaurantOf(res).log.getDish(id);
      if (!dish) throw new DishNotFoundError(id);
      sendDish(res, 200, dish);
    })
    .patch(...writeGuards, jsonParser, async (req, res) => {
      const id = dishId(req.params.id);
      const version = ifMatchVersion(req);
      const patch = patchDishSchema.parse(jsonBody(req));
      sendDish(res, 200, await restaurantOf(res).log.updateDish(id, patch, version));
    })
    .delete(...writeGuards, async (req, res) => {
      const id = dishId(req.params.id);
      await restaurantOf(res).log.deleteDish(id, ifMatchVersion(req));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'PATCH', 'DELETE']));

  return router;
}
