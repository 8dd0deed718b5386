// The guard of every write: its client address's budget (so guessing tokens is limited too), its token and what the
// token may write, then the token's budget (one however many addresses share it).
import type { RequestHandler } from 'express';
import type { RateLimit, RateLimiter } from '@dish-live/broker';
import { spend, type Bucket } from './rate-limit.js';
import type { Permission, WriteScope } from './write-scope.js';

export interface WriteGuardOptions {
  limiter: RateLimiter;
  limit: RateLimit;
  /** What the client sent too many of, for the 429. */
  what: string;
  address: Bucket;
  token: Bucket;
  scope: WriteScope;
  permission: Permission;
}

const named = (names: (string | undefined)[]) => names.filter((n): n is string => n !== undefined);

/**
 * A writer known without Redis (a deployment token, a restaurant token found lately) that may make this write spends
 * both budgets in one call, which refuses without spending either. Any other request spends the address's first,
 * so a refused or unknown token is counted before the registry is asked, and the token's only once it is good.
 */
export function writeGuard(o: WriteGuardOptions): RequestHandler {
  return async (req, res, next) => {
    const authorization = req.get('authorization');
    const known = o.scope.knownWriter(authorization);
    if (known !== undefined && o.permission(known, res) === undefined) {
      await spend(o.limiter, named([o.address(req, res), o.token(req, res)]), o.limit, o.what);
      return next();
    }
    await spend(o.limiter, named([o.address(req, res)]), o.limit, o.what);
    const refused = o.permission(await o.scope.writer(authorization), res);
    if (refused) throw refused;
    await spend(o.limiter, named([o.token(req, res)]), o.limit, o.what);
    next();
  };
}
