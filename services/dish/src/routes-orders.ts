// The orders resource of one restaurant: POST queues an order (202), GET tells its outcome (200), that it waits (202), or nothing (404).
import { Router, type RequestHandler } from 'express';
import { orderSchema } from '@dish-live/protocol';
import { HttpProblem } from '@dish-live/server';
import { jsonBody, jsonParser } from './input.js';
import type { Orders } from './orders.js';
import { methodNotAllowed, notFound } from './http-errors.js';
import { restaurantOf, restaurantPath } from './restaurant-param.js';

/** Paths relative to the restaurant's mount (`/api` for `default`, `/api/restaurants/{rid}` for any). */
export function orderRoutes(orders: Orders, readGuards: RequestHandler[], writeGuards: RequestHandler[]): Router {
  const router = Router();

  router
    .route('/orders')
    .post(...writeGuards, jsonParser, async (req, res) => {
      const input = orderSchema.parse(jsonBody(req));
      const { orderId, outcome } = await orders.submit(restaurantOf(res).log, input);
      res.location(`${restaurantPath(res)}/orders/${encodeURIComponent(orderId)}`);
      // An orderId with a final outcome changes nothing again and answers with that outcome.
      if (outcome) res.status(200).json(outcome);
      else res.status(202).json({ orderId, status: 'queued' });
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/orders/:id')
    .get(...readGuards, async (req, res) => {
      const orderId = String(req.params.id);
      const parsed = orderSchema.shape.orderId.safeParse(orderId);
      if (!parsed.success) throw notFound('no order has this id');
      const status = await orders.status(restaurantOf(res).log, orderId);
      switch (status.kind) {
        case 'done':
          res.json(status.outcome);
          return;
        case 'queued':
          res.status(202).set('Retry-After', '1').json({ orderId, status: 'queued' });
          return;
        case 'failed':
          // The job's failure reason is internal (it may quote Redis or code); the log has it, the client gets none of it.
          throw new HttpProblem(500, 'order-failed', 'Order processing failed', `order ${orderId} could not be applied; it changed nothing`);
        case 'unknown':
          throw notFound(`no order ${orderId}`);
      }
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  return router;
}
