// The headers every response of the page carries (CSP, framing, sniffing, referrer), built from the runtime config.
// nginx builds the same Content-Security-Policy in deploy/nginx/dish-live-entrypoint.sh; the compose test compares the two.

/** The endpoints the page talks to, as /config.json names them: paths on this origin or absolute URLs. */
export interface PageEndpoints {
  apiBase: string;
  wsUrl: string;
  sseUrl: string;
}

/** The origin of an absolute http(s)/ws(s) URL; undefined for a path, which 'self' already covers. */
function absoluteOrigin(url: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  return new URL(url).origin;
}

/** The page's own scripts and styles, and connections to this origin plus every absolute endpoint's origin. */
export function contentSecurityPolicy(endpoints: PageEndpoints): string {
  const origins = new Set<string>();
  for (const url of [endpoints.apiBase, endpoints.wsUrl, endpoints.sseUrl]) {
    const origin = absoluteOrigin(url);
    if (origin !== undefined) origins.add(origin);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Vue and ECharts set style attributes at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    ['connect-src', "'self'", ...origins].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** X-Frame-Options beside frame-ancestors: older browsers know only the former. */
export function pageHeaders(endpoints: PageEndpoints): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(endpoints),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
