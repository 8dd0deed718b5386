// The dish: its stored shape and the inputs that create or change one.
import { z } from 'zod';
import { LIMITS } from './limits.js';

const text = (limits: { min: number; max: number }) => z.string().trim().min(limits.min).max(limits.max);
const int = (limits: { min: number; max: number }) => z.number().int().min(limits.min).max(limits.max);

export const dishIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" or "-", 1–64 chars');

export const dishSchema = z.object({
  id: dishIdSchema,
  name: z.string(),
  category: z.string(),
  price: z.number().int(),
  stock: z.number().int().nonnegative(),
  sold: z.number().int().nonnegative(),
  version: z.number().int().positive(),
  updatedAt: z.number().int(),
});
export type Dish = z.infer<typeof dishSchema>;

export const createDishSchema = z.strictObject({
  id: dishIdSchema.optional(),
  name: text(LIMITS.dishName),
  category: text(LIMITS.category),
  price: int(LIMITS.price),
  stock: int(LIMITS.stock),
});
export type CreateDish = z.infer<typeof createDishSchema>;

export const patchDishSchema = z
  .strictObject({
    name: text(LIMITS.dishName),
    category: text(LIMITS.category),
    price: int(LIMITS.price),
    stock: int(LIMITS.stock),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'at least one of name, category, price, stock' });
export type PatchDish = z.infer<typeof patchDishSchema>;

export const orderItemSchema = z.strictObject({ dishId: dishIdSchema, qty: int(LIMITS.qty) });
export const orderSchema = z.strictObject({
  orderId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, "_", ".", ":" or "-", 1–64 chars').optional(),
  items: z.array(orderItemSchema).min(LIMITS.orderItems.min).max(LIMITS.orderItems.max),
});
export type OrderInput = z.infer<typeof orderSchema>;
export type OrderItem = z.infer<typeof orderItemSchema>;

/**
 * Control characters other than tab and newline are refused in chat so no client's parser or terminal is upset;
 * that includes C1 (U+0080–U+009F), where U+009B is a terminal's CSI.
 */
function printable(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}

export const chatAuthorSchema = text(LIMITS.chatAuthor).refine(printable, 'control characters are not allowed');
export const chatTextSchema = text(LIMITS.chatText).refine(printable, 'control characters are not allowed');
export const chatInputSchema = z.strictObject({ author: chatAuthorSchema, text: chatTextSchema });
export type ChatInput = z.infer<typeof chatInputSchema>;
