// What the dish service's webhook routes answer with, for the services and the dashboard alike: types only, with no
// Node import, so the browser takes them from `@dish-live/webhooks/wire` without Redis, DNS or crypto riding along.
import type { AlertType } from './alert-rules.js';

/** A registered webhook as listed: never with its secret. */
export interface Webhook {
  id: string;
  url: string;
  events: AlertType[];
  threshold: number;
  createdAt: string;
  /** Set once a receiver answered 410 Gone: the webhook gets nothing more. */
  disabled: { at: string; reason: string } | null;
}

/** The answer to a registration: the only time the secret is ever shown. */
export interface CreatedWebhook extends Pick<Webhook, 'id' | 'url' | 'events' | 'threshold'> {
  secret: string;
}

/**
 * One delivery attempt. `outcome`: `delivered` (2xx), `retrying` (failed, another attempt is due), `failed` (the
 * last attempt failed), `gone` (410: the webhook is now disabled), `refused` (the address guard refused the URL's
 * address at delivery; not retried).
 */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'gone' | 'refused';

/** One entry of a webhook's delivery log, newest first in the routes' answer. */
export interface DeliveryRecord {
  alertId: string;
  type: AlertType;
  /** The `webhook-id` header the attempt carried. */
  messageId: string;
  attempt: number;
  status: number | null;
  error: string | null;
  outcome: DeliveryOutcome;
  at: string;
}
