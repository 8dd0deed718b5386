// Headers every HTTP answer of every service carries: no sniffing, no framing, no referrer, no use across sites, no scripts.

/**
 * The services answer JSON, plain text and event streams only, so the content security policy allows nothing at all:
 * an answer opened as a document can neither run nor load anything, nor be framed.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-site',
});
