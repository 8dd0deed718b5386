// The restaurant a page shows and the transport it runs on, read from and written to its URL, so a link opens the
// page on a given restaurant and transport.
import { DEFAULT_RESTAURANT, isRestaurantId } from '@dish-live/protocol/wire';

export const TRANSPORTS = ['ws', 'sse', 'poll'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const POLL_INTERVALS_MS = [250, 500, 1000, 2000, 5000] as const;

export interface TransportChoice {
  transport: Transport;
  /** Only for polling; undefined means the runtime config's default. */
  pollIntervalMs?: number;
}

export function isTransport(value: unknown): value is Transport {
  return typeof value === 'string' && (TRANSPORTS as readonly string[]).includes(value);
}

/** Unknown or missing values fall back to WebSocket; a poll interval outside 50 ms – 60 s is ignored. */
export function readTransportChoice(search: string): TransportChoice {
  const params = new URLSearchParams(search);
  const t = params.get('transport');
  const transport = isTransport(t) ? t : 'ws';
  const raw = params.get('interval');
  const n = raw !== null && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return transport === 'poll' && n >= 50 && n <= 60_000 ? { transport, pollIntervalMs: n } : { transport };
}

/** The page URL for a choice; other query parameters and the hash are kept. */
export function writeTransportChoice(href: string, choice: TransportChoice): string {
  const url = new URL(href);
  url.searchParams.set('transport', choice.transport);
  if (choice.transport === 'poll' && choice.pollIntervalMs !== undefined) url.searchParams.set('interval', String(choice.pollIntervalMs));
  else url.searchParams.delete('interval');
  return url.href;
}

/** The restaurant a URL names: `?restaurant={rid}`, `default` without one; `rejected` is a given value that is no id. */
export interface RestaurantPlace {
  restaurant: string;
  rejected?: string;
}

export function readRestaurant(search: string): RestaurantPlace {
  const given = new URLSearchParams(search).get('restaurant');
  if (given === null) return { restaurant: DEFAULT_RESTAURANT };
  return isRestaurantId(given) ? { restaurant: given } : { restaurant: DEFAULT_RESTAURANT, rejected: given };
}

/** The page URL showing `restaurant`; the transport, other parameters and the hash are kept. */
export function writeRestaurant(href: string, restaurant: string): string {
  const url = new URL(href);
  url.searchParams.set('restaurant', restaurant);
  return url.href;
}
