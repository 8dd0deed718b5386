// The alerts of a run of events: each dish event's stock transition, for each enabled webhook, as the jobs to queue.
import type { DishEvent } from '@dish-live/protocol';
import { alertId, alertPayload, webhookMessageId, type AlertPayload } from './alert-message.js';
import { alertsFor, type AlertType } from './alert-rules.js';
import type { StockChanges } from './notifier-keys.js';
import type { Webhook } from './store.js';

/** One alert to one webhook: what a delivery needs besides the webhook itself (read again at each attempt). */
export interface AlertJob {
  restaurant: string;
  webhookId: string;
  alertId: string;
  type: AlertType;
  /** The `webhook-id` of every attempt, and the queue's job id: the same whenever the event is read again. */
  messageId: string;
  payload: AlertPayload;
}

export interface AlertBatch {
  /** In stream order: by event, then webhook, then the order the stock passed the alerts. */
  jobs: AlertJob[];
  /** The stock of each dish the events touched, after the last of them; undefined for one deleted. */
  changes: StockChanges;
}

/** `createdAt`, when given, bounds the webhook's alerts to events from its registration on. */
export type AlertWebhook = Pick<Webhook, 'id' | 'events' | 'threshold' | 'disabled'> & Partial<Pick<Webhook, 'createdAt'>>;

/**
 * `stock` is every dish's stock before the first event (as the notifier stored it): events carry the dish after the
 * change only, so the transition needs the stock before from there, then from the batch's own earlier events.
 */
export function alertBatch(
  restaurant: string,
  events: readonly DishEvent[],
  stock: ReadonlyMap<string, number>,
  webhooks: readonly AlertWebhook[],
): AlertBatch {
  const enabled = webhooks.filter((webhook) => webhook.disabled === null);
  // A stream id's time is Redis's clock, as `createdAt` is the dish service's. An event before a webhook existed never
  // alerts it, even when a place older than the webhook is read (a notifier down while a restaurant's last webhook
  // was replaced resumes from where it stood).
  const since = new Map(enabled.map((webhook) => [webhook.id, webhook.createdAt ? Date.parse(webhook.createdAt) : 0]));
  const changes = new Map<string, number | undefined>();
  const jobs: AlertJob[] = [];
  for (const event of events) {
    if (event.type === 'chat.message') continue;
    const dish = event.type === 'dish.deleted' ? undefined : event.data.dish;
    const id = event.type === 'dish.deleted' ? event.data.id : event.data.dish.id;
    const before = changes.has(id) ? changes.get(id) : stock.get(id);
    changes.set(id, dish?.stock);
    if (dish === undefined) continue;
    const at = Number(event.id.slice(0, event.id.indexOf('-')));
    for (const webhook of enabled) {
      if (at < since.get(webhook.id)!) continue;
      for (const type of alertsFor(before, dish.stock, webhook.threshold, webhook.events)) {
        const alert = alertId(restaurant, event.id, type);
        jobs.push({
          restaurant,
          webhookId: webhook.id,
          alertId: alert,
          type,
          messageId: webhookMessageId(alert, webhook.id),
          payload: alertPayload({ type, restaurant, dish, eventId: event.id, ts: event.ts }),
        });
      }
    }
  }
  return { jobs, changes };
}

/**
 * The alerts of the events a restaurant's first follow finds between its webhooks' registration and the snapshot it
 * starts from (the notifier notices a new restaurant within seconds, not at once). Events carry the stock after the
 * change only, so the stock before a dish's first event here is known for a sale (after plus the quantity sold) and
 * not for an update: a dish first seen updated raises nothing there, never a false alert. Each webhook gets only the
 * events from its own registration on (alertBatch's rule).
 */
export function registrationBatch(
  restaurant: string,
  events: readonly DishEvent[],
  webhooks: readonly (AlertWebhook & Pick<Webhook, 'createdAt'>)[],
): AlertJob[] {
  const before = new Map<string, number>();
  const seen = new Set<string>();
  for (const event of events) {
    if (event.type === 'chat.message') continue;
    const id = event.type === 'dish.deleted' ? event.data.id : event.data.dish.id;
    if (seen.has(id)) continue;
    seen.add(id);
    if (event.type === 'dish.sold') before.set(id, event.data.dish.stock + event.data.qty);
  }
  return alertBatch(restaurant, events, before, webhooks).jobs;
}
