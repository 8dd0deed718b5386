// The notifier SIGKILLed in the middle of a burst of 200 alerts (some delivered, some in flight, the rest not yet made)
// and started again: it resumes from its stored place in the log, so every alert arrives and none is made twice — the
// distinct webhook-ids are exactly the expected ones. An attempt cut by the kill may reach the receiver again (the
// same webhook-id, which Standard Webhooks receivers drop): counted, and bounded by the attempts in flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeExit, expectedAlerts, killAllStarted, recordFigures, startAlertsWorld, waitFor, type AlertsWorld, type RegisteredWebhook,
} from '@dish-live/test-support';

const DISHES = Array.from({ length: 100 }, (_, i) => `d${String(i).padStart(3, '0')}`);
const CONCURRENCY = 4;
/** Each dish from 10 to 0: stock.low and dish.sold_out, 200 alerts in all. */
const transitions = DISHES.map((dish) => ({ dish, before: 10, after: 0 }));

let world: AlertsWorld;
let webhook: RegisteredWebhook;
/**
 * `retried` counts every request past the first of its webhook-id, those the kill cut short included; no alert is made
 * twice (that would be a second webhook-id for one alert, which the distinct count rules out), so none is a duplicate.
 */
const figures = { made: 0, delivered: 0, retried: 0, lost: 0, faults: 0 };

beforeAll(async () => {
  world = await startAlertsWorld({
    name: 'alerts-kill',
    restaurant: 'alerts-kill',
    // A lock that lapses soon, so the attempts the kill cut short are tried again within the test.
    notifierEnv: { WEBHOOK_CONCURRENCY: String(CONCURRENCY), WEBHOOK_LOCK_MS: '2000', WEBHOOK_BACKOFF_MS: '50' },
  });
  for (const dish of DISHES) await world.createDish(dish, 10);
  webhook = await world.register('/hooks/burst');
  // A receiver that takes a little while per request, so the burst spreads over the kill.
  world.receiver.behave('/hooks/burst', () => ({ status: 204, afterMs: 15 }));
  await world.following();
}, 120_000);

afterAll(async () => {
  recordFigures(import.meta.url, {
    alertsMade: figures.made, alertsDelivered: figures.delivered, alertsRetried: figures.retried, alertsLost: figures.lost,
    faultsInjected: figures.faults,
    crashes: [world?.dish, world?.notifier].filter((p) => p?.crashed()).length,
  });
  await world?.receiver.close();
  await killAllStarted();
});

describe('a notifier killed mid-burst', () => {
  it('delivers every alert after a restart, none made twice', async () => {
    const expected = expectedAlerts(transitions);
    expect(expected).toHaveLength(200);
    const { receiver } = world;
    const first = world.notifier;
    // Half the burst, the kill once some of it is delivered, then the other half while the notifier is down: killed
    // mid-burst however fast this machine writes or delivers.
    const half = DISHES.length / 2;
    for (const dish of DISHES.slice(0, half)) await world.setStock(dish, 0);
    await waitFor('30 alerts accepted', () => receiver.accepted(webhook.path).length >= 30, 30_000);
    first.kill('SIGKILL');
    figures.faults++;
    const killedAt = { accepted: receiver.accepted(webhook.path).length, written: half };
    for (const dish of DISHES.slice(half)) await world.setStock(dish, 0);
    const exit = await first.exited;
    expect(describeExit('notifier', exit)).toBe('notifier exited (SIGKILL)');
    // The kill came mid-burst: alerts were delivered before it and events written after it.
    expect(killedAt.accepted).toBeLessThan(expected.length);
    expect(killedAt.written).toBeLessThan(DISHES.length);

    const second = await world.startNotifier();
    await waitFor('every alert accepted', () => new Set(receiver.accepted(webhook.path).map((a) => a.messageId)).size >= expected.length, 60_000,
      () => ({ accepted: receiver.accepted(webhook.path).length, log: second.tail(3) }));
    // Attempts still due would show up here: a duplicate made after the restart, or an alert nobody implied.
    await new Promise((r) => setTimeout(r, 3000));

    const accepted = receiver.accepted(webhook.path);
    const got = accepted.map((a) => `${a.payload!.data.dish.id}/${a.payload!.type}`).sort();
    expect(got).toEqual(expected.map((a) => `${a.dish}/${a.type}`).sort());
    const ids = new Set(receiver.attempts.map((a) => a.messageId));
    expect(ids.size, 'distinct webhook-ids').toBe(expected.length);
    expect(receiver.invalid()).toEqual([]);
    // Resumed from its stored place: a snapshot would have skipped the alerts of the events written while it was down.
    expect(second.output()).not.toMatch(/following from a snapshot/);
    const twice = [...ids].filter((id) => receiver.acceptedCount(id) > 1);
    expect(twice.length, 'webhook-ids accepted twice (attempts cut by the kill)').toBeLessThanOrEqual(CONCURRENCY);

    figures.made = expected.length;
    figures.delivered = accepted.length;
    figures.retried = receiver.attempts.length - ids.size;
    figures.lost = expected.length - accepted.length;
    console.log(`[alerts-kill] killed at ${killedAt.accepted} accepted, ${killedAt.written}/${DISHES.length} writes; ` +
      `${receiver.attempts.length} requests for ${ids.size} alerts, ${twice.length} accepted twice`);
  });
});
