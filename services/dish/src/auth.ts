// Bearer-token check for writes: tokens compared in constant time over their SHA-256 digests.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem.js';

/** `disabled`: no token is configured, so no write can be authorized. */
export type TokenVerdict = 'ok' | 'missing' | 'invalid' | 'disabled';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Digests make every comparison the same length, so neither the length nor the content of a token leaks through
 * timing; every configured token is compared, so neither does which one matched.
 */
export function createTokenCheck(tokens: readonly string[]): (authorization: string | undefined) => TokenVerdict {
  const digests = tokens.map(digest);
  return (authorization) => {
    if (digests.length === 0) return 'disabled';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return 'missing';
    const offered = digest(match[1]!);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(offered, known) || ok;
    return ok ? 'ok' : 'invalid';
  };
}

const REALM = 'Bearer realm="dish-live"';

export function requireToken(check: ReturnType<typeof createTokenCheck>): RequestHandler {
  return (req, _res, next) => {
    switch (check(req.get('authorization'))) {
      case 'ok':
        return next();
      case 'disabled':
        throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'writes are disabled: the service has no DISH_API_TOKENS', {
          headers: { 'WWW-Authenticate': REALM },
        });
      case 'missing':
        throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'this write needs Authorization: Bearer <token>', {
          headers: { 'WWW-Authenticate': REALM },
        });
      default:
        throw new HttpProblem(403, 'forbidden', 'Forbidden', 'the bearer token is not allowed to write', {
          headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
        });
    }
  };
}
