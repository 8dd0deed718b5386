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

export type AlertWebhook = Pick<Webhook, 'id' | 'events' | 'threshold' | 'disabled'>;

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
  const changes = new Map<string, number | undefined>();
  const jobs: AlertJob[] = [];
  for (const event of events) {
    if (event.type === 'chat.message') continue;
    const dish = event.type === 'dish.deleted' ? undefined : event.data.dish;
    const id = event.type === 'dish.deleted' ? event.data.id : event.data.dish.id;
    const before = changes.has(id) ? changes.get(id) : stock.get(id);
    changes.set(id, dish?.stock);
    if (dish === undefined) continue;
    for (const webhook of enabled) {
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
