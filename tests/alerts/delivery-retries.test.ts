// A receiver that fails each alert twice (500), then holds it past WEBHOOK_TIMEOUT_MS, then accepts: every alert still
// arrives, each webhook-id is accepted exactly once, nothing unexpected comes, every request verifies with the
// standardwebhooks package, and each alert took the attempts this configuration implies, spaced by the backoff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '@dish-live/webhooks';
import {
  expectedAlerts, killAllStarted, notifierMetric, recordFigures, startAlertsWorld, waitFor, type AlertsWorld,
  type ReceivedAttempt, type RegisteredWebhook,
} from '@dish-live/test-support';

const TIMEOUT_MS = 300;
const BACKOFF_MS = 100;
const MAX_ATTEMPTS = 5;
/** 500, 500, held past the timeout, then 204. */
const ATTEMPTS_PER_ALERT = 4;
const DISHES = ['a', 'b', 'c'];

let world: AlertsWorld;
let webhook: RegisteredWebhook;
const figures = { made: 0, delivered: 0, retried: 0, lost: 0 };

beforeAll(async () => {
  world = await startAlertsWorld({
    name: 'alerts-retries',
    restaurant: 'alerts-retries',
    notifierEnv: { WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), WEBHOOK_BACKOFF_MS: String(BACKOFF_MS), WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS) },
  });
  for (const dish of DISHES) await world.createDish(dish, 8);
  webhook = await world.register('/hooks/flaky');
  world.receiver.behave('/hooks/flaky', ({ nth }) => (nth <= 2 ? 500 : nth === 3 ? { holdMs: TIMEOUT_MS * 3 } : 204));
  await world.following();
}, 60_000);

afterAll(async () => {
  recordFigures(import.meta.url, {
    alertsMade: figures.made, alertsDelivered: figures.delivered, alertsRetried: figures.retried, alertsLost: figures.lost,
    faultsInjected: figures.retried, crashes: [world?.dish, world?.notifier].filter((p) => p?.crashed()).length,
  });
  await world?.receiver.close();
  await killAllStarted();
});

describe('retries until a 2xx', () => {
  it('delivers every alert once after two 500s and a timeout, with the configured attempts and backoff', async () => {
    const transitions = [];
    for (const dish of DISHES) {
      await world.setStock(dish, 0);
      await world.setStock(dish, 6);
      transitions.push({ dish, before: 8, after: 0 }, { dish, before: 0, after: 6 });
    }
    const expected = expectedAlerts(transitions);
    expect(expected).toHaveLength(9);

    await waitFor(`${expected.length} alerts accepted`, () => world.receiver.accepted(webhook.path).length >= expected.length, 30_000,
      () => world.receiver.attempts.map((a) => `${a.nth}:${a.answer}`));
    // Any attempt still to come would be a duplicate or an alert nobody made.
    await new Promise((r) => setTimeout(r, 1000));
    const { receiver } = world;
    const accepted = receiver.accepted(webhook.path);
    const got = accepted.map((a) => ({ dish: a.payload!.data.dish.id, type: a.payload!.type, stock: a.payload!.data.dish.stock }));
    expect(sorted(got)).toEqual(sorted(expected));
    expect(receiver.invalid()).toEqual([]);
    const ids = new Set(receiver.attempts.map((a) => a.messageId));
    expect(ids.size).toBe(expected.length);
    for (const id of ids) {
      expect(receiver.acceptedCount(id), id).toBe(1);
      const tries = receiver.attempts.filter((a) => a.messageId === id);
      expect(tries.map((a) => a.answer)).toEqual([500, 500, 'held', 204]);
      expectBackoff(tries);
    }

    // The delivery log tells the same story, attempt by attempt.
    const log = await world.api<DeliveryRecord[]>('GET', `/api/restaurants/${world.restaurant}/webhooks/${webhook.id}/deliveries`);
    expect(log.status, log.text).toBe(200);
    expect(log.body).toHaveLength(expected.length * ATTEMPTS_PER_ALERT);
    for (const id of ids) {
      const entries = log.body.filter((e) => e.messageId === id).reverse();
      expect(entries.map((e) => [e.attempt, e.outcome, e.status])).toEqual([[1, 'retrying', 500], [2, 'retrying', 500], [3, 'retrying', null], [4, 'delivered', 204]]);
      expect(entries[2]?.error).toBe(`timeout after ${TIMEOUT_MS} ms`);
    }
    expect(await notifierMetric(world.notifier, 'notifier_deliveries_total', 'outcome="delivered"')).toBe(expected.length);
    expect(await notifierMetric(world.notifier, 'notifier_retries_total')).toBe(expected.length * (ATTEMPTS_PER_ALERT - 1));
    expect(await notifierMetric(world.notifier, 'notifier_alerts_total')).toBe(expected.length);

    figures.made = expected.length;
    figures.delivered = accepted.length;
    figures.retried = receiver.attempts.length - ids.size;
    figures.lost = expected.length - accepted.length;
  });
});

/**
 * Attempt k+1 comes no sooner than the wait after attempt k: at least half of BACKOFF_MS·2^(k−1) (equal jitter), after
 * the timeout for the held attempt.
 */
function expectBackoff(tries: ReceivedAttempt[]): void {
  for (let k = 1; k < tries.length; k++) {
    const gap = tries[k]!.at - tries[k - 1]!.at;
    const least = (BACKOFF_MS * 2 ** (k - 1)) / 2 + (tries[k - 1]!.answer === 'held' ? TIMEOUT_MS : 0);
    expect(gap, `attempt ${k + 1} came ${gap} ms after attempt ${k}`).toBeGreaterThanOrEqual(least - 5);
  }
}

const sorted = <T>(list: T[]) => [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
