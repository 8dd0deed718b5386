// Reading one restaurant's log over HTTP (snapshot, polling, sales history) and writing chat messages to it.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { chatInputSchema, LIMITS, stateDigest, type PollResponse } from '@dish-live/protocol';
import { HttpProblem } from '@dish-live/server';
import { jsonBody, jsonParser } from './input.js';
import { methodNotAllowed } from './http-errors.js';
import { restaurantOf } from './restaurant-param.js';

/** A `limit` query parameter: an integer from 1 to `max`, `fallback` when absent. */
const limitParam = ({ max, default: fallback }: { max: number; default: number }) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `an integer from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback);

const pollQuerySchema = z.object({
  // Any `since` is accepted: one that is not usable answers a snapshot, never an error.
  since: z.unknown().optional(),
  limit: limitParam(LIMITS.pollLimit),
});

const epochMs = z
  .string()
  .regex(/^\d{1,15}$/, 'epoch milliseconds (an integer)')
  .transform(Number);

const salesQuerySchema = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  limit: limitParam(LIMITS.salesPage),
});

/**
 * Paths relative to the restaurant's mount (`/api` for `default`, `/api/restaurants/{rid}` for any). `chatGuards` run
 * before a chat body is read: the token check when chat needs one, and the rate limit.
 */
export function eventRoutes(readGuards: RequestHandler[], chatGuards: RequestHandler[]): Router {
  const router = Router();

  router
    .route('/snapshot')
    .get(...readGuards, async (_req, res) => {
      res.set('Cache-Control', 'no-store').json(await restaurantOf(res).log.snapshot());
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/events')
    .get(...readGuards, async (req, res) => {
      const { since, limit } = pollQuerySchema.parse(req.query);
      const { log: eventLog, answers } = restaurantOf(res);
      res.set('Cache-Control', 'no-store');
      if (typeof since === 'string' && since !== '') {
        // Dashboards polling at one cadence ask with the same `since`: one read of the log answers them all. The
        // events go out as the strings the log holds, never parsed and serialized again.
        const body = await answers.get(`events ${since} ${limit}`, await eventLog.lastId(), async () => {
          // The page ends at the id the dishes were read at (one atomic read), so the digest is of the state at `last`
          // whatever is written meanwhile; both reads are bounded by the menu and the limit, not by the log.
          const head = await eventLog.dishes();
          const replay = await eventLog.replayJson(since, limit, head.id);
          if (!replay.recovered) return '';
          const { events, last, more } = replay;
          // A page the limit cut ends before the head: the state there comes from the nearest checkpoint and at most
          // one interval of events (none only for a log older than its checkpoints).
          const dishes = more ? await eventLog.dishesAt(last) : head.dishes;
          const digest = dishes ? `,"digest":"${stateDigest(dishes)}"` : '';
          return `{"recovered":true,"events":[${events.join(',')}],"last":${JSON.stringify(last)},"more":${more}${digest}}`;
        });
        if (body) {
          res.type('application/json').send(body);
          return;
        }
      }
      const snapshot = await eventLog.snapshot();
      const body: PollResponse = { recovered: false, snapshot: { ...snapshot, digest: stateDigest(snapshot.dishes) } };
      res.json(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  // Sales history in pages: bounded work per request whatever span is asked, closed buckets served from memory.
  router
    .route('/sales')
    .get(...readGuards, async (req, res) => {
      const { log: eventLog, answers } = restaurantOf(res);
      const now = Date.now();
      // By default the window up to the end of the bucket in progress: the same page for every request within it.
      const endOfBucket = (Math.floor(now / eventLog.salesBucketMs) + 1) * eventLog.salesBucketMs;
      const { to = endOfBucket, from = to - eventLog.snapshotSalesWindowMs, limit } = salesQuerySchema.parse(req.query);
      if (from > to) throw new HttpProblem(400, 'bad-range', 'Bad range', 'from must not be after to', { errors: [{ path: 'from', message: 'must not be after to' }] });
      // A sale moves the last id, so a page built for the current one is the page until the next sale.
      const body = await answers.get(`sales ${from} ${to} ${limit}`, await eventLog.lastId(), async () =>
        JSON.stringify(await eventLog.salesPage(from, to, limit, now)),
      );
      res.set('Cache-Control', 'no-store').type('application/json').send(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  // The first wave's route: the snapshot's window, as one page.
  router
    .route('/sales/history')
    .get(...readGuards, async (_req, res) => {
      const eventLog = restaurantOf(res).log;
      const now = Date.now();
      res.set('Cache-Control', 'no-store').json(await eventLog.salesPage(now - eventLog.snapshotSalesWindowMs, now + 1, LIMITS.salesPage.max, now));
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/chat')
    .post(...chatGuards, jsonParser, async (req, res) => {
      const input = chatInputSchema.parse(jsonBody(req));
      res.status(201).json(await restaurantOf(res).log.appendChat(input));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
