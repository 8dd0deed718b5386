// A restaurant's webhooks (out-of-band alerts): register one (its secret shown once), list, read, remove, and read
// its recent delivery attempts. Every route takes the write guards, reads included: a webhook URL may carry the
// receiver's own credentials in its path or query.
import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  ALERT_TYPES, alertTypeSchema, DEFAULT_STOCK_THRESHOLD, resolveAndCheck, type CreatedWebhook, type ResolveOptions,
  type Webhook, type WebhookStore,
} from '@dish-live/webhooks';
import { HttpProblem } from '@dish-live/server';
import { jsonBody, jsonParser } from './input.js';
import { methodNotAllowed, notFound } from './http-errors.js';
import { restaurantOf } from './restaurant-param.js';

/** The stock a `stock.low` threshold may name: more than any kitchen counts, small enough to stay exact. */
export const MAX_WEBHOOK_THRESHOLD = 1_000_000;

export const createWebhookSchema = z.strictObject({
  url: z.string(),
  events: z
    .array(alertTypeSchema)
    .min(1, 'name at least one event, or leave events out for all of them')
    .refine((events) => new Set(events).size === events.length, 'each event at most once')
    .optional(),
  threshold: z.number().int().min(1).max(MAX_WEBHOOK_THRESHOLD).optional(),
});

/** `wh_` and 16 base64url characters, as the store makes them. */
const WEBHOOK_ID = /^wh_[A-Za-z0-9_-]{16}$/;

export interface WebhookRouteDeps {
  store: WebhookStore;
  /** WEBHOOK_ALLOW_HOSTS and the WEBHOOK_DNS_SERVERS lookup: the guard a registered URL passes. */
  guard: ResolveOptions;
  /** WEBHOOK_TIMEOUT_MS: how long a registration waits for DNS before it answers 422 unresolvable, never hanging. */
  resolveTimeoutMs: number;
}

/** The webhook a path names among the restaurant's; a malformed or unknown id is the same 404 (not echoed). */
async function webhookOf(deps: WebhookRouteDeps, res: Response, raw: unknown): Promise<Webhook> {
  const id = String(raw);
  // Listed rather than got: a read needs no secret opened, so it works whatever WEBHOOK_SECRET_KEY is.
  const found = WEBHOOK_ID.test(id) ? (await deps.store.list(restaurantOf(res).id)).find((w) => w.id === id) : undefined;
  if (!found) throw notFound('no webhook has this id');
  return found;
}

/** Paths relative to `/api/restaurants/{rid}`. `writeGuards`: rate limits, then a token of this restaurant or the deployment. */
export function webhookRoutes(deps: WebhookRouteDeps, writeGuards: RequestHandler[]): Router {
  const router = Router();
  // Secrets once, and URLs that may hold the receiver's credentials: no cache keeps any of these answers.
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  const guards = [...writeGuards, noStore];

  router
    .route('/webhooks')
    .get(...guards, async (_req, res) => {
      res.json(await deps.store.list(restaurantOf(res).id));
    })
    .post(...guards, jsonParser, async (req, res) => {
      const input = createWebhookSchema.parse(jsonBody(req));
      const signal = AbortSignal.timeout(deps.resolveTimeoutMs);
      const checked = await resolveAndCheck(input.url, { ...deps.guard, signal });
      if (!checked.ok) {
        throw new HttpProblem(422, 'webhook-url-refused', 'Webhook URL refused', checked.detail, { extensions: { reason: checked.reason } });
      }
      const { id } = restaurantOf(res);
      const created = await deps.store.create(id, {
        url: checked.url.href,
        events: input.events ?? [...ALERT_TYPES],
        threshold: input.threshold ?? DEFAULT_STOCK_THRESHOLD,
      });
      const answer: CreatedWebhook = { id: created.id, url: created.url, events: created.events, threshold: created.threshold, secret: created.secret };
      res.status(201).location(`/api/restaurants/${id}/webhooks/${created.id}`).json(answer);
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST']));

  router
    .route('/webhooks/:id')
    .get(...guards, async (req, res) => {
      res.json(await webhookOf(deps, res, req.params.id));
    })
    .delete(...guards, async (req, res) => {
      const id = String(req.params.id);
      if (!WEBHOOK_ID.test(id) || !(await deps.store.remove(restaurantOf(res).id, id))) throw notFound('no webhook has this id');
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'DELETE']));

  router
    .route('/webhooks/:id/deliveries')
    .get(...guards, async (req, res) => {
      const webhook = await webhookOf(deps, res, req.params.id);
      res.json(await deps.store.deliveries(restaurantOf(res).id, webhook.id));
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  return router;
}
