// Per-client rate limits on writes and chat, counted in Redis so every replica shares one budget per client.
import type { Request, RequestHandler, Response } from 'express';
import type { RateDecision, RateLimit, RateLimiter } from '@dish-live/broker';
import { tokenId } from './auth.js';
import { isRedisUnavailable, HttpProblem } from '@dish-live/server';
import { restaurantOf } from './restaurant-param.js';

/** Names the bucket a request counts against; undefined: this limit does not apply to the request. */
export type Bucket = (req: Request, res: Response) => string | undefined;

/**
 * Takes a token from each named bucket (in one Redis call where the limiter can). A limit of 0 per second turns the
 * check off. Over the limit: a 429 with `Retry-After` in whole seconds, rounded up. While Redis is away the budget
 * cannot be counted, and nothing can be written either: the request goes on, so bad input is still told apart (400)
 * and a well-formed write meets the Redis call that answers it with 503.
 */
export async function spend(limiter: RateLimiter, names: readonly string[], limit: RateLimit, what: string): Promise<void> {
  if (!(limit.perSecond > 0) || names.length === 0) return;
  let decision: RateDecision;
  try {
    decision = await limiter.takeAll(names, limit);
  } catch (err) {
    if (isRedisUnavailable(err)) return;
    throw err;
  }
  if (decision.allowed) return;
  throw new HttpProblem(429, 'rate-limited', 'Too many requests', `slow down: this client sent too many ${what}`, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) },
  });
}

/** One bucket's limit as a middleware. */
export function rateLimit(limiter: RateLimiter, bucket: Bucket, limit: RateLimit, what: string): RequestHandler {
  if (!(limit.perSecond > 0)) return (_req, _res, next) => next();
  return async (req, res, next) => {
    const name = bucket(req, res);
    if (name !== undefined) await spend(limiter, [name], limit, what);
    next();
  };
}

/** The client address as express sees it behind the trusted proxies (TRUST_PROXY). */
export const byClientAddress =
  (scope: string): Bucket =>
  (req) =>
    `${scope}:ip:${req.ip ?? 'unknown'}`;

/** The client address within the request's restaurant: one budget per restaurant, so no restaurant spends another's. */
export const byRestaurantClientAddress =
  (scope: string): Bucket =>
  (req, res) =>
    `${scope}:r:${restaurantOf(res).id}:ip:${req.ip ?? 'unknown'}`;

/** The bearer token, by its SHA-256 (the token itself never reaches Redis); no token, no bucket. */
export const byToken =
  (scope: string): Bucket =>
  (req) => {
    const id = tokenId(req);
    return id === undefined ? undefined : `${scope}:token:${id}`;
  };
