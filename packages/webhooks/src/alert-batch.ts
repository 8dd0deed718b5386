// The alerts of a run of events: each dish event's stock transition, for each enabled webhook, as the jobs to queue.
import type { Dish, DishEvent } from '@dish-live/protocol';
import { alertId, alertPayload, webhookMessageId, type AlertPayload } from './alert-message.js';
import { alertsFor, type AlertType } from './alert-rules.js';
import type { FollowState, StockChanges } from './notifier-keys.js';
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
  const since = registeredAt(enabled);
  const changes = new Map<string, number | undefined>();
  const jobs: AlertJob[] = [];
  for (const event of events) {
    if (event.type === 'chat.message') continue;
    const dish = event.type === 'dish.deleted' ? undefined : event.data.dish;
    const id = event.type === 'dish.deleted' ? event.data.id : event.data.dish.id;
    const before = changes.has(id) ? changes.get(id) : stock.get(id);
    changes.set(id, dish?.stock);
    if (dish === undefined) continue;
    jobs.push(...transitionJobs(restaurant, enabled, since, { before, dish, eventId: event.id, ts: event.ts }));
  }
  return { jobs, changes };
}

/** One dish's stock change: `before` to `dish.stock`, seen at event `eventId` (time `ts`). */
interface Transition {
  before: number | undefined;
  dish: Pick<Dish, 'id' | 'name' | 'stock'>;
  eventId: string;
  ts: number;
  /** The alert id's event part when it is not `eventId` (a net change read from a snapshot). */
  idPart?: string;
}

/** The jobs one transition makes for the webhooks that existed at its event (see alertBatch on `since`). */
function transitionJobs(restaurant: string, webhooks: readonly AlertWebhook[], since: ReadonlyMap<string, number>, t: Transition): AlertJob[] {
  const at = streamIdTime(t.eventId);
  const jobs: AlertJob[] = [];
  for (const webhook of webhooks) {
    if (at < since.get(webhook.id)!) continue;
    for (const type of alertsFor(t.before, t.dish.stock, webhook.threshold, webhook.events)) {
      const alert = alertId(restaurant, t.idPart ?? t.eventId, type);
      jobs.push({
        restaurant,
        webhookId: webhook.id,
        alertId: alert,
        type,
        messageId: webhookMessageId(alert, webhook.id),
        payload: alertPayload({ type, restaurant, dish: t.dish, eventId: t.eventId, ts: t.ts }),
      });
    }
  }
  return jobs;
}

function streamIdTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/**
 * The alerts a follower owes when its place is gone from the log (trimmed while the notifier was down, or taken back
 * by a failover): the events in between cannot be read, so each dish's net change from the stored stock to the
 * snapshot's raises what one change would (sold out, back in stock, low). Their ids are made of the lost place and
 * the dish, not of the snapshot: a crash before the new place is stored reads another snapshot and makes the same
 * alerts with the same ids again. The payload's event is the snapshot's id, its time the dish's last change.
 */
export function catchUpBatch(
  restaurant: string,
  from: FollowState,
  snapshot: { id: string; dishes: readonly Dish[] },
  webhooks: readonly AlertWebhook[],
): AlertJob[] {
  const enabled = webhooks.filter((webhook) => webhook.disabled === null);
  const since = registeredAt(enabled);
  return snapshot.dishes.flatMap((dish) =>
    transitionJobs(restaurant, enabled, since, {
      before: from.stock.get(dish.id),
      dish,
      eventId: snapshot.id,
      ts: dish.updatedAt,
      idPart: `${from.position}~${dish.id}`,
    }),
  );
}

function registeredAt(webhooks: readonly AlertWebhook[]): Map<string, number> {
  return new Map(webhooks.map((webhook) => [webhook.id, webhook.createdAt ? Date.parse(webhook.createdAt) : 0]));
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
