// Time travel (issue 16): a restaurant's dishes as they were at a past moment, with the contract's digest.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HistoryGoneError, type EventLog } from '@dish-live/broker';
import { stateDigest, ZERO_ID } from '@dish-live/protocol';
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
      res.set('Cache-Control', 'no-store').json({ from: await historyStart(log, now), to: now, retentionMs: log.historyRetentionMs });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  return router;
}

const answers = (log: EventLog, at: number, now: number) =>
  log.stateAt(at, now).then(
    () => true,
    (err: unknown) => {
      if (err instanceof HistoryGoneError) return false;
      throw err;
    },
  );

/**
 * The oldest moment `state?at=` answers: the first event still held (the state before it is empty only while the log
 * starts at its first event ever), or, trimmed, the oldest checkpoint whose event is still held, which is among the
 * first checkpoint interval of events: found by bisection over their times (answering is monotonic in time).
 */
async function historyStart(log: EventLog, now: number): Promise<number> {
  const floor = now - log.historyRetentionMs;
  const head = await log.range('-', '+', log.checkpointEvents + 1);
  const first = head[0];
  if (!first) return now;
  if (first.prev === ZERO_ID) return Math.max(floor, first.ts);
  const moments = [...new Set(head.map((e) => Math.max(floor, Number(e.id.split('-')[0]))))];
  let lo = 0;
  let hi = moments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await answers(log, moments[mid]!, now)) hi = mid;
    else lo = mid + 1;
  }
  return moments[lo] ?? now;
}
