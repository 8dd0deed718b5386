// Cross-origin access to the API from browsers: only the origins ALLOWED_ORIGINS names (default none: same origin only).
import type { RequestHandler } from 'express';
import { HttpProblem, originAllowed, sameOrigin, type AllowedOrigins } from '@dish-live/server';

export const CORS_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
export const CORS_REQUEST_HEADERS = 'Authorization, Content-Type, If-Match';
/** What a script on another origin may read beyond the safelisted response headers. */
const EXPOSED = 'ETag, Location, Retry-After';

/**
 * The same origin policy as the gateways': a browser request from an origin that is neither the page's own nor
 * allowed is refused with 403 before it reads or changes anything; a request without Origin (not a browser) passes.
 * Writes authenticate with a bearer token, never a cookie, so credentials are not allowed and `*` is safe to configure.
 */
export function cors(allowed: AllowedOrigins): RequestHandler {
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (!originAllowed(allowed, origin, req.get('host'))) {
      throw new HttpProblem(403, 'origin-not-allowed', 'Origin not allowed', 'this origin may not call the API from a browser');
    }
    if (origin && !sameOrigin(origin, req.get('host'))) res.set({ 'Access-Control-Allow-Origin': allowed === '*' ? '*' : origin, 'Access-Control-Expose-Headers': EXPOSED });
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    if (!preflight) return next();
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
