// Which browser origins may call a service: the page's own, plus those ALLOWED_ORIGINS names.
import { z } from 'zod';

/**
 * ALLOWED_ORIGINS as every service reads it: `*`, or exact origins (scheme, host, optional port), comma-separated,
 * lower-cased; unset: the page's own origin only.
 */
export const allowedOriginsEnv = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
  .refine(
    (list) => list.every((o) => o === '*' || isOrigin(o)),
    'expected *, or comma-separated origins such as https://app.example.com (scheme, host, optional port; no path)',
  )
  .transform((list): AllowedOrigins => (list.includes('*') ? '*' : list.map((o) => o.toLowerCase())));

export type AllowedOrigins = '*' | readonly string[];

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * One origin policy for every service: a request without `Origin` (not a browser) passes; a browser's passes when
 * it comes from the page's own origin (its host is the `Host` it asked for) or from one `allowed` names (`*`: any).
 */
export function originAllowed(allowed: AllowedOrigins, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  return allowed === '*' || allowed.includes(origin.toLowerCase()) || sameOrigin(origin, host);
}

/** Whether a browser's `Origin` is the page's own: its host is the `Host` the request was sent to. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
