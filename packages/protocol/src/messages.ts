// Every message of the wire contract: server → client and WebSocket client → server.
import { z } from 'zod';
import { chatAuthorSchema, chatTextSchema, dishSchema } from './dish.js';
import { ERROR_CODES } from './codes.js';
import { chatMessageSchema, dishEventSchema, streamIdSchema, type DishEvent } from './events.js';
import { LIMITS } from './limits.js';
import { salesHistorySchema } from './sales.js';

/** stateDigest's output: 16 lowercase hex characters. */
export const digestSchema = z.string().regex(/^[0-9a-f]{16}$/);

export const snapshotSchema = z.object({
  type: z.literal('snapshot'),
  id: streamIdSchema,
  dishes: z.array(dishSchema),
  /** Only the window the dashboard draws (see SALES_WINDOW_MS); older history is read in pages from the sales route. */
  sales: salesHistorySchema,
  /** The most recent chat messages, oldest first (at most LIMITS.recentChat), so a reload shows the conversation. */
  chat: z.array(chatMessageSchema).max(LIMITS.recentChat).default([]),
  recovered: z.literal(false),
  instance: z.string(),
  /** stateDigest of `dishes` (after the category filter): the client checks what it holds against it. */
  digest: digestSchema.optional(),
});
export type SnapshotMessage = z.output<typeof snapshotSchema>;
/** A snapshot as the dish service's polling endpoint answers it (no gateway instance). */
export type Snapshot = Omit<SnapshotMessage, 'type' | 'recovered' | 'instance'>;

export const resumedSchema = z.object({
  type: z.literal('resumed'),
  id: streamIdSchema,
  recovered: z.literal(true),
  instance: z.string(),
  /** stateDigest of the dishes the client is meant to hold at `id`, before the replayed events. */
  digest: digestSchema.optional(),
});
export type ResumedMessage = z.infer<typeof resumedSchema>;

export const deletedDishSchema = z.object({ id: z.string(), deleted: z.literal(true) });
export const stateSchema = z.object({
  type: z.literal('state'),
  id: streamIdSchema,
  dishes: z.array(z.union([dishSchema, deletedDishSchema])),
  chat: z.array(chatMessageSchema),
  /** stateDigest of all the dishes the client is meant to hold at `id` (not only those in `dishes`). */
  digest: digestSchema.optional(),
});
export type StateMessage = z.infer<typeof stateSchema>;

/** Sent at most every 10 s to a client that got events since the last one: what it should hold at `id`. */
export const checkSchema = z.object({ type: z.literal('check'), id: streamIdSchema, digest: digestSchema });
export type CheckMessage = z.infer<typeof checkSchema>;

export const errorSchema = z.object({ type: z.literal('error'), code: z.enum(ERROR_CODES), message: z.string() });
export type ErrorMessage = z.infer<typeof errorSchema>;

export const pongSchema = z.object({ type: z.literal('pong'), t: z.number().optional(), serverTime: z.number() });
export type PongMessage = z.infer<typeof pongSchema>;

export const serverMessageSchema = z.union([
  snapshotSchema,
  resumedSchema,
  stateSchema,
  checkSchema,
  errorSchema,
  pongSchema,
  dishEventSchema,
]);
export type ServerMessage =
  | SnapshotMessage
  | ResumedMessage
  | StateMessage
  | CheckMessage
  | ErrorMessage
  | PongMessage
  | DishEvent;

export const categoriesSchema = z
  .array(z.string().min(1).max(LIMITS.category.max))
  .max(LIMITS.categoriesPerFilter);
export const maxRateSchema = z.number().int().min(LIMITS.maxRate.min).max(LIMITS.maxRate.max);

export const helloSchema = z.strictObject({
  op: z.literal('hello'),
  // Any string: an unusable since means a fresh snapshot, never an error (the frame size limit bounds it).
  since: z.string().optional(),
  maxRate: maxRateSchema.optional(),
  categories: categoriesSchema.optional(),
  token: z.string().max(8192).optional(),
});
export const pingSchema = z.strictObject({ op: z.literal('ping'), t: z.number().optional() });
export const chatSchema = z.strictObject({ op: z.literal('chat'), author: chatAuthorSchema, text: chatTextSchema });

export const CLIENT_OPS = ['hello', 'ping', 'chat'] as const;
export const clientMessageSchema = z.discriminatedUnion('op', [helloSchema, pingSchema, chatSchema]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type HelloMessage = z.infer<typeof helloSchema>;
export type PingMessage = z.infer<typeof pingSchema>;
export type ChatMessage = z.infer<typeof chatSchema>;

/** What the polling endpoint answers. */
export type PollResponse =
  | { recovered: true; events: DishEvent[]; last: string; more: boolean; digest?: string }
  | { recovered: false; snapshot: Snapshot };
