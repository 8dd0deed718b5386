// One alert as a webhook message: its stable ids and its body, with the schema the sender and the tests share.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { dishIdSchema, RESTAURANT_ID_PATTERN, streamIdSchema } from '@dish-live/protocol';
import { alertTypeSchema, type AlertType } from './alert-rules.js';

/**
 * Readable in a delivery log, and the same whenever the event is read again, so a replay makes the same alert. The
 * restaurant is part of it because event ids are positions in one restaurant's log: two logs can share one. A net
 * change read from a snapshot (catchUpBatch) names the lost place and the dish instead of an event.
 */
export function alertId(restaurant: string, eventId: string, type: AlertType): string {
  return `${restaurant}/${eventId}/${type}`;
}

/**
 * The `webhook-id` of one alert to one webhook: the same on every attempt and replay, so receivers can drop
 * duplicates, and distinct for the two alerts one event can raise. 128 bits of SHA-256, base64url: no ":" or "/",
 * so it also serves as a queue's job id.
 */
export function webhookMessageId(alertId: string, webhookId: string): string {
  const digest = createHash('sha256').update(JSON.stringify([alertId, webhookId])).digest();
  return `msg_${digest.subarray(0, 16).toString('base64url')}`;
}

/**
 * The body every receiver gets. `dish` carries the name and the stock as well as the id, so a receiver can say
 * "Duck sold out" without a token to read the API; `timestamp` is when the stock changed (the event's time), so every
 * attempt and replay sends the same bytes.
 */
export const alertPayloadSchema = z.strictObject({
  type: alertTypeSchema,
  timestamp: z.iso.datetime(),
  data: z.strictObject({
    restaurant: z.string().regex(RESTAURANT_ID_PATTERN),
    dish: z.strictObject({ id: dishIdSchema, name: z.string(), stock: z.number().int().nonnegative() }),
    eventId: streamIdSchema,
  }),
});
export type AlertPayload = z.infer<typeof alertPayloadSchema>;

export interface AlertSource {
  type: AlertType;
  restaurant: string;
  dish: { id: string; name: string; stock: number };
  eventId: string;
  /** The event's `ts`, in ms since the epoch. */
  ts: number;
}

export function alertPayload({ type, restaurant, dish, eventId, ts }: AlertSource): AlertPayload {
  return {
    type,
    timestamp: new Date(ts).toISOString(),
    data: { restaurant, dish: { id: dish.id, name: dish.name, stock: dish.stock }, eventId },
  };
}
