// Who may read a restaurant: anyone, as in the first wave, unless subscription keys are set; then a token naming it.
import type { RequestHandler } from 'express';
import { HttpProblem, requestToken, restaurantAllowed, type SubscriptionAuth } from '@dish-live/server';
import { restaurantOf } from './restaurant-param.js';

/** The variables SubscriptionAuth reads: the gateways' names, so one setting covers WS, SSE, polling and REST. */
export type SubscriptionAuthConfig = Parameters<typeof SubscriptionAuth.create>[0];

const BEARER = 'Bearer realm="dish-live"';

/**
 * The guard of every read of a restaurant (GET and HEAD routes only: a write carries its write token in the same
 * header, and is judged by the write scope instead). The token is `?token=` or `Authorization: Bearer`, as at the
 * gateways; its `restaurants` claim must name the restaurant. Without a key configured it lets everything through.
 */
export function readScope(auth: SubscriptionAuth): RequestHandler {
  if (!auth.enabled) return (_req, _res, next) => next();
  return async (req, res, next) => {
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    const verdict = await auth.verify(requestToken(query, req.get('authorization')));
    if (!verdict.ok) {
      throw new HttpProblem(401, 'unauthorized', 'Unauthorized', `reading needs a subscription token: ${verdict.message}`, {
        headers: { 'WWW-Authenticate': `${BEARER}, error="invalid_token"` },
      });
    }
    const { id } = restaurantOf(res);
    if (!restaurantAllowed(verdict.grant, id)) {
      throw new HttpProblem(403, 'forbidden-restaurant', 'Forbidden', `this token does not read restaurant ${id}`);
    }
    next();
  };
}
