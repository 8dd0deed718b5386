// The event envelope {id, prev, type, ts, data} and the data each event type carries.
import { z } from 'zod';
import { dishSchema } from './dish.js';
import { isStreamId } from './stream-id.js';

export const streamIdSchema = z.string().refine(isStreamId, 'a stream id like "1700000000000-0"');

import type { EventType } from './event-types.js';

const envelope = <T extends EventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), id: streamIdSchema, prev: streamIdSchema, ts: z.number(), data });

export const dishCreatedSchema = envelope('dish.created', z.object({ dish: dishSchema }));
/** `previousCategory`: present when the update moved the dish to another category (a filter of the old one drops it). */
export const dishUpdatedSchema = envelope('dish.updated', z.object({ dish: dishSchema, previousCategory: z.string().optional() }));
export const dishDeletedSchema = envelope('dish.deleted', z.object({ id: z.string(), category: z.string().optional() }));
export const dishSoldSchema = envelope(
  'dish.sold',
  z.object({ dish: dishSchema, qty: z.number().int().positive(), orderId: z.string() }),
);
export const chatMessageSchema = envelope('chat.message', z.object({ author: z.string(), text: z.string() }));

export const dishEventSchema = z.discriminatedUnion('type', [
  dishCreatedSchema,
  dishUpdatedSchema,
  dishDeletedSchema,
  dishSoldSchema,
  chatMessageSchema,
]);
export type DishEvent = z.infer<typeof dishEventSchema>;
export type DishCreatedEvent = z.infer<typeof dishCreatedSchema>;
export type DishUpdatedEvent = z.infer<typeof dishUpdatedSchema>;
export type DishDeletedEvent = z.infer<typeof dishDeletedSchema>;
export type DishSoldEvent = z.infer<typeof dishSoldSchema>;
export type ChatMessageEvent = z.infer<typeof chatMessageSchema>;

/** The category an event belongs to for filtering; undefined for chat, which every filter passes. */
export function eventCategory(event: DishEvent): string | undefined {
  switch (event.type) {
    case 'chat.message':
      return undefined;
    case 'dish.deleted':
      return event.data.category;
    default:
      return event.data.dish.category;
  }
}
