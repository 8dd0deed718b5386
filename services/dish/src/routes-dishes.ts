// The dishes resource: list, read, create, patch (If-Match on the version), delete. Writes pass the write guards (rate limits, token).
import { Router, type RequestHandler, type Response } from 'express';
import { DishNotFoundError, type EventLog } from '@dish-live/broker';
import { createDishSchema, dishIdSchema, patchDishSchema, type Dish } from '@dish-live/protocol';
import type { AnswerCache } from './answer-cache.js';
import { ifMatchVersion, jsonBody, jsonParser } from './input.js';
import { methodNotAllowed, notFound } from './http-errors.js';

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

export function dishRoutes(eventLog: EventLog, writeGuards: RequestHandler[], answers: AnswerCache): Router {
  const router = Router();

  router
    .route('/api/dishes')
    .get(async (_req, res) => {
      // An unchanged menu costs one GET of the last id.
      const body = await answers.get('dishes', await eventLog.lastId(), async () => JSON.stringify((await eventLog.dishes()).dishes));
      res.type('application/json').send(body);
    })
    .post(...writeGuards, jsonParser, async (req, res) => {
      const input = createDishSchema.parse(jsonBody(req));
      const dish = await eventLog.createDish(input);
      res.location(`/api/dishes/${encodeURIComponent(dish.id)}`);
      sendDish(res, 201, dish);
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));

  router
    .route('/api/dishes/:id')
    .get(async (req, res) => {
      const id = dishId(req.params.id);
      const dish = await eventLog.getDish(id);
      if (!dish) throw new DishNotFoundError(id);
      sendDish(res, 200, dish);
    })
    .patch(...writeGuards, jsonParser, async (req, res) => {
      const id = dishId(req.params.id);
      const version = ifMatchVersion(req);
      const patch = patchDishSchema.parse(jsonBody(req));
      sendDish(res, 200, await eventLog.updateDish(id, patch, version));
    })
    .delete(...writeGuards, async (req, res) => {
      const id = dishId(req.params.id);
      await eventLog.deleteDish(id, ifMatchVersion(req));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'PATCH', 'DELETE']));

  return router;
}
