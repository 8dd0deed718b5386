// Per-client rate limits on open writes (chat), counted in Redis so every replica shares one budget per client.
import type { Request, RequestHandler } from 'express';
import type { RateLimit, RateLimiter } from '@dish-live/broker';
import { HttpProblem } from './problem.js';

/** A limit of 0 per second turns the check off. */
export function rateLimit(limiter: RateLimiter, bucket: (req: Request) => string, limit: RateLimit): RequestHandler {
  if (!(limit.perSecond > 0)) return (_req, _res, next) => next();
  return async (req, _res, next) => {
    const decision = await limiter.take(bucket(req), limit);
    if (decision.allowed) return next();
    throw new HttpProblem(429, 'rate-limited', 'Too many requests', 'slow down: this client sent too many messages', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) },
    });
  };
}

/** The client address as express sees it behind the trusted proxies (TRUST_PROXY). */
export const byClientAddress = (scope: string) => (req: Request) => `${scope}:ip:${req.ip ?? 'unknown'}`;
