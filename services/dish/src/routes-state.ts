// Time travel (issue 16): a restaurant's dishes as they were at a past moment, with the contract's digest.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HistoryGoneError } from '@dish-live/broker';
import { stateDigest } from '@dish-live/protocol';
import { HttpProblem } from '@dish-live/server';
import { methodNotAllowed } from './http-errors.js';
import { restaurantOf } from './restaurant-param.js';

// Other query parameters (`token` of the read scope) are left to their own readers.
const stateQuerySchema = z.object({
  at: z.string().regex(/^\d{1,15}$/, 'epoch milliseconds (a non-negative integer)').transform(Number),
});

/** Paths relative to the restaurant's mount: `/api/state` for `default`, `/api/restaurants/{rid}/state` for any. */
export function stateRoutes(readGuards: RequestHandler[]): Router {
  const router = Router();

  router
    .route('/state')
    .get(...readGuards, async (req, res) => {
      const { at } = stateQuerySchema.parse(req.query);
      const now = Date.now();
      if (at > now) {
        throw new HttpProblem(400, 'validation', 'Invalid request', 'at is in the future', {
          errors: [{ path: 'at', message: `after the server's clock (${now})` }],
        });
      }
      const log = restaurantOf(res).log;
      try {
        const { id, dishes } = await log.stateAt(at, now);
        res.set('Cache-Control', 'no-store').json({ at, id, dishes, digest: stateDigest(dishes) });
      } catch (err) {
        if (!(err instanceof HistoryGoneError)) throw err;
        throw new HttpProblem(410, 'history-gone', 'History gone', `the log no longer holds ${at}: history is kept ${log.historyRetentionMs} ms`, {
          extensions: { retentionMs: log.historyRetentionMs },
        });
      }
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  // Where a timeline starts: `{from, to, retentionMs}`, every moment from `from` to `to` (the server's now) answers
  // `state?at=` (until `from` is passed by now − retentionMs, which moves with the clock).
  router
    .route('/state/span')
    .get(...readGuards, async (_req, res) => {
      const log = restaurantOf(res).log;
      const now = Date.now();
      const from = (await log.historyStart(now)) ?? now;
      res.set('Cache-Control', 'no-store').json({ from, to: now, retentionMs: log.historyRetentionMs });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  return router;
}

