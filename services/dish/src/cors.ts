// Cross-origin access to the API from browsers: only the origins ALLOWED_ORIGINS names (default none: same origin only).
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem.js';

export const CORS_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
export const CORS_REQUEST_HEADERS = 'Authorization, Content-Type, If-Match';
/** What a script on another origin may read beyond the safelisted response headers. */
const EXPOSED = 'ETag, Location, Retry-After';

/**
 * Writes authenticate with a bearer token, never a cookie, so credentials are not allowed and `*` is safe to
 * configure. A request from an origin that is not allowed is still answered (a same-origin POST carries an Origin
 * too), only without the headers that let another origin's script read it; its preflight is refused with 403.
 */
export function cors(allowed: '*' | readonly string[]): RequestHandler {
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (origin === undefined) return undefined;
    if (allowed === '*') return '*';
    return allowed.includes(origin.toLowerCase()) ? origin : undefined;
  };
  return (req, res, next) => {
    res.vary('Origin');
    const allow = allowOrigin(req.get('origin'));
    if (allow !== undefined) res.set({ 'Access-Control-Allow-Origin': allow, 'Access-Control-Expose-Headers': EXPOSED });
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    if (!preflight) return next();
    if (allow === undefined) {
      throw new HttpProblem(403, 'origin-not-allowed', 'Origin not allowed', 'this origin may not call the API from a browser');
    }
    res
      .status(204)
      .set({
        'Access-Control-Allow-Methods': CORS_METHODS,
        'Access-Control-Allow-Headers': CORS_REQUEST_HEADERS,
        'Access-Control-Max-Age': '600',
      })
      .end();
  };
}
