// Builders for dishes and events shared by the client's tests.
import type { ChatMessageEvent, Dish, DishEvent } from '@dish-live/protocol';

export function dish(id: string, changes: Partial<Dish> = {}): Dish {
  return { id, name: `Dish ${id}`, category: 'mains', price: 1000, stock: 10, sold: 0, version: 1, updatedAt: 0, ...changes };
}

export function updated(id: string, prev: string, d: Dish, ts = 1_000): DishEvent {
  return { type: 'dish.updated', id, prev, ts, data: { dish: d } };
}

export function sold(id: string, prev: string, d: Dish, qty: number, ts = 1_000): DishEvent {
  return { type: 'dish.sold', id, prev, ts, data: { dish: d, qty, orderId: `o-${id}` } };
}

export function chat(id: string, prev: string, text: string, ts = 1_000): ChatMessageEvent {
  return { type: 'chat.message', id, prev, ts, data: { author: 'ann', text } };
}

export function snapshot(id: string, dishes: Dish[], instance = 'gw-1') {
  return { type: 'snapshot' as const, id, dishes, sales: { bucketMs: 1000, buckets: [] }, chat: [], recovered: false as const, instance };
}

export function resumed(id: string, instance = 'gw-1') {
  return { type: 'resumed' as const, id, recovered: true as const, instance };
}

/** Fast, still jittered backoff so reconnect tests take milliseconds. */
export const FAST_BACKOFF = { initialMs: 10, maxMs: 40 };
