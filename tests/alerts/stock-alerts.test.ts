// Stock driven down by orders and PATCHes across the thresholds and up again by restocks, through a real dish service
// and notifier: each webhook gets exactly the alerts alertsFor implies for its threshold and events, computed here from
// the writes alone, in order per dish. One attempt at a time (WEBHOOK_CONCURRENCY=1), so arrival order is queue order
// is stream order; with more in flight, receivers order alerts by their eventId.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertType } from '@dish-live/webhooks';
import {
  expectedAlerts, killAllStarted, recordFigures, startAlertsWorld, waitFor, type AlertsWorld, type RegisteredWebhook,
} from '@dish-live/test-support';

let world: AlertsWorld;
let all: RegisteredWebhook;
let strict: RegisteredWebhook;
const STRICT = { threshold: 10, events: ['stock.low', 'dish.sold_out'] as AlertType[] };
const transitions: { dish: string; before: number | undefined; after: number | undefined }[] = [];
const stock = new Map<string, number>();
const figures = { made: 0, delivered: 0, retried: 0, lost: 0 };

beforeAll(async () => {
  world = await startAlertsWorld({ name: 'alerts-stock', restaurant: 'alerts-stock', notifierEnv: { WEBHOOK_CONCURRENCY: '1' } });
  await world.createDish('duck', 12);
  await world.createDish('soup', 8);
  stock.set('duck', 12).set('soup', 8);
  all = await world.register('/hooks/all');
  strict = await world.register('/hooks/strict', STRICT);
  await world.following();
}, 60_000);

afterAll(async () => {
  recordFigures(import.meta.url, {
    alertsMade: figures.made, alertsDelivered: figures.delivered, alertsRetried: figures.retried, alertsLost: figures.lost,
    crashes: [world?.dish, world?.notifier].filter((p) => p?.crashed()).length,
  });
  await world?.receiver.close();
  await killAllStarted();
});

/** The model's side of a write: the stock before and after, as the test itself knows it. */
function wrote(dish: string, after: number) {
  transitions.push({ dish, before: stock.get(dish), after });
  stock.set(dish, after);
}

async function order(id: string, dish: string, qty: number) {
  const applied = await world.order(id, dish, qty);
  const left = stock.get(dish)! - qty;
  // The model says whether the kitchen had enough; the service must agree.
  expect(applied, `order ${id}`).toBe(left >= 0);
  if (applied) wrote(dish, left);
}

async function patch(dish: string, to: number) {
  expect(await world.setStock(dish, to)).toBe(to);
  wrote(dish, to);
}

describe('stock alerts from orders, PATCHes and restocks', () => {
  it('delivers exactly the alerts the rules imply for each webhook, in order per dish', async () => {
    await order('o1', 'duck', 3); // 12 → 9: strict's stock.low
    await order('o2', 'duck', 4); // → 5
    await patch('duck', 4); // → 4: stock.low
    await order('o3', 'duck', 4); // → 0: sold out
    await order('o4', 'duck', 1); // refused: out of stock, no event
    await patch('soup', 2); // 8 → 2: stock.low
    await patch('soup', 0); // sold out
    await patch('duck', 20); // restock: back in stock
    await order('o5', 'duck', 18); // 20 → 2: stock.low
    await patch('soup', 6); // back in stock
    await order('o6', 'soup', 6); // 6 → 0: stock.low then sold out, from one event
    await patch('duck', 0); // sold out
    await patch('duck', 3); // back in stock

    for (const [webhook, rules] of [[all, {}], [strict, STRICT]] as const) {
      const expected = expectedAlerts(transitions, rules);
      const accepted = await waitFor(`${expected.length} alerts on ${webhook.path}`, () => {
        const got = world.receiver.accepted(webhook.path);
        return got.length >= expected.length && got;
      }, 15_000, () => world.receiver.accepted(webhook.path).map((a) => a.payload?.type));
      // Nothing more comes: a late extra alert would be one the rules do not imply.
      await new Promise((r) => setTimeout(r, 500));
      const received = world.receiver.accepted(webhook.path).map((a) => ({ dish: a.payload!.data.dish.id, type: a.payload!.type, stock: a.payload!.data.dish.stock }));
      expect(received).toEqual(expected);
      for (const dish of ['duck', 'soup']) expect(received.filter((a) => a.dish === dish)).toEqual(expected.filter((a) => a.dish === dish));
      // The eventIds, which any receiver can order by, run in the same order.
      const eventIds = accepted.map((a) => a.payload!.data.eventId);
      expect(eventIds).toEqual([...eventIds].sort(compareIds));
      figures.made += expected.length;
      figures.delivered += received.length;
      figures.lost += Math.max(0, expected.length - received.length);
    }
    expect(expectedAlerts(transitions).map((a) => a.type)).toEqual([
      'stock.low', 'dish.sold_out', 'stock.low', 'dish.sold_out', 'dish.back_in_stock', 'stock.low', 'dish.back_in_stock',
      'stock.low', 'dish.sold_out', 'dish.sold_out', 'dish.back_in_stock',
    ]);
    expect(world.receiver.invalid()).toEqual([]);
    for (const a of world.receiver.attempts) expect(world.receiver.acceptedCount(a.messageId)).toBe(1);
    figures.retried += world.receiver.attempts.length - new Set(world.receiver.attempts.map((a) => a.messageId)).size;
  });
});

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
