import { describe, expect, it } from 'vitest';
import { serverMessageSchema, snapshotSchema, stateSchema } from './messages.js';
import { dishEventSchema, eventCategory, type DishEvent } from './events.js';
import { isEventType } from './event-types.js';

const dish = { id: 'marg', name: 'Margherita', category: 'pizza', price: 1250, stock: 3, sold: 7, version: 2, updatedAt: 1 };
const envelope = { id: '5-0', prev: '4-0', ts: 1_700_000_000_000 };

describe('server message schemas', () => {
  it('accepts every message type of the contract', () => {
    const messages = [
      { type: 'snapshot', id: '0-0', dishes: [dish], sales: { bucketMs: 1000, buckets: [{ t: 0, total: 1, byCategory: { pizza: 1 } }] }, recovered: false, instance: 'ws-1' },
      { type: 'resumed', id: '4-0', recovered: true, instance: 'sse-2' },
      { type: 'state', id: '9-0', dishes: [dish, { id: 'gone', deleted: true }], chat: [{ ...envelope, type: 'chat.message', data: { author: 'a', text: 'b' } }] },
      { type: 'error', code: 'bad_json', message: 'x' },
      { type: 'pong', t: 1, serverTime: 2 },
      { ...envelope, type: 'dish.created', data: { dish } },
      { ...envelope, type: 'dish.updated', data: { dish } },
      { ...envelope, type: 'dish.deleted', data: { id: 'marg', category: 'pizza' } },
      { ...envelope, type: 'dish.sold', data: { dish, qty: 2, orderId: 'o1' } },
      { ...envelope, type: 'chat.message', data: { author: 'a', text: '<b>x</b>' } },
    ];
    for (const message of messages) expect(serverMessageSchema.safeParse(message).success, message.type).toBe(true);
  });

  it('rejects malformed messages', () => {
    const bad = [
      { type: 'snapshot', id: '0-0', dishes: [], sales: { bucketMs: 1000, buckets: [] }, recovered: true, instance: 'x' },
      { type: 'snapshot', id: 'nope', dishes: [], sales: { bucketMs: 1000, buckets: [] }, recovered: false, instance: 'x' },
      { type: 'resumed', id: '1-0', recovered: false, instance: 'x' },
      { type: 'state', id: '1-0', dishes: [{ id: 'x', deleted: false }], chat: [] },
      { type: 'error', code: 'teapot', message: 'x' },
      { ...envelope, type: 'dish.sold', data: { dish, qty: 0, orderId: 'o' } },
      { ...envelope, type: 'dish.created', data: { dish: { ...dish, stock: -1 } } },
      { ...envelope, prev: 'x', type: 'dish.updated', data: { dish } },
      { ...envelope, type: 'dish.renamed', data: {} },
    ];
    for (const message of bad) expect(serverMessageSchema.safeParse(message).success, JSON.stringify(message)).toBe(false);
  });

  it('requires the snapshot fields the polling answer and the gateways share', () => {
    expect(snapshotSchema.safeParse({ type: 'snapshot', id: '0-0', dishes: [], recovered: false, instance: 'x' }).success).toBe(false);
    expect(stateSchema.safeParse({ type: 'state', id: '1-0', dishes: [] }).success).toBe(false);
  });
});

describe('events', () => {
  it('knows the five event types and nothing else', () => {
    for (const type of ['dish.created', 'dish.updated', 'dish.deleted', 'dish.sold', 'chat.message']) expect(isEventType(type)).toBe(true);
    for (const value of ['state', 'snapshot', 'dish', 1, undefined]) expect(isEventType(value)).toBe(false);
  });

  it('gives each event its category for filtering; chat has none', () => {
    const parse = (value: unknown): DishEvent => dishEventSchema.parse(value);
    expect(eventCategory(parse({ ...envelope, type: 'dish.sold', data: { dish, qty: 1, orderId: 'o' } }))).toBe('pizza');
    expect(eventCategory(parse({ ...envelope, type: 'dish.deleted', data: { id: 'marg', category: 'pizza' } }))).toBe('pizza');
    expect(eventCategory(parse({ ...envelope, type: 'chat.message', data: { author: 'a', text: 'b' } }))).toBeUndefined();
  });
});
