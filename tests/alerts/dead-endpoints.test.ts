// Three webhooks on one restaurant: one answering 410 (disabled, then sent nothing more), one on a closed port of
// 127.0.0.1 for longer than its retry budget (every alert ends `failed` in its delivery log), one healthy. While the dead
// one's retries wait in the queue, the healthy one's alerts keep arriving within a fraction of that budget: a retry's
// wait holds no worker slot, even with only two of them.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord, Webhook } from '@dish-live/webhooks';
import {
  expectedAlerts, killAllStarted, notifierMetric, recordFigures, startAlertsWorld, waitFor, type AlertsWorld, type RegisteredWebhook,
} from '@dish-live/test-support';

const MAX_ATTEMPTS = 4;
const BACKOFF_MS = 1000;
/** The shortest the dead webhook's retries can take: the lower halves of its three waits (equal jitter). */
const RETRY_BUDGET_MIN_MS = (BACKOFF_MS / 2) * (1 + 2 + 4);
/**
 * The slowest a healthy alert may be. Were a retry's wait spent in a worker slot, the dead webhook's eleven alerts would
 * hold both slots for at least 3.5 s each and healthy alerts would wait many seconds; normally they take tens of ms.
 */
const HEALTHY_MAX_MS = 1500;
const CYCLES = 10;

let world: AlertsWorld;
let ok: RegisteredWebhook;
let gone: RegisteredWebhook;
let dead: RegisteredWebhook;
let closedPort: number;
const figures = { made: 0, delivered: 0, retried: 0, lost: 0, faults: 0 };

/** A port nothing listens on: bound, then released. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  closedPort = await closedLoopbackPort();
  world = await startAlertsWorld({
    name: 'alerts-dead',
    restaurant: 'alerts-dead',
    allowHosts: [`127.0.0.1:${closedPort}`],
    notifierEnv: { WEBHOOK_CONCURRENCY: '2', WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_BACKOFF_MS: String(BACKOFF_MS) },
  });
  await world.createDish('g', 8);
  await world.createDish('h', 10);
  ok = await world.register('/hooks/ok');
  gone = await world.register('/hooks/gone', { events: ['dish.sold_out'] });
  world.receiver.behave('/hooks/gone', () => 410);
  dead = await world.register('/hooks/dead', { events: ['dish.sold_out'], url: `http://127.0.0.1:${closedPort}/hooks/dead` });
  await world.following();
}, 60_000);

afterAll(async () => {
  recordFigures(import.meta.url, {
    alertsMade: figures.made, alertsDelivered: figures.delivered, alertsRetried: figures.retried, alertsLost: figures.lost,
    faultsInjected: figures.faults, crashes: [world?.dish, world?.notifier].filter((p) => p?.crashed()).length,
  });
  await world?.receiver.close();
  await killAllStarted();
});

const hooksPath = () => `/api/restaurants/${world.restaurant}/webhooks`;
const deliveries = async (id: string) => (await world.api<DeliveryRecord[]>('GET', `${hooksPath()}/${id}/deliveries`)).body;
const requestsOn = (path: string) => world.receiver.attempts.filter((a) => a.path === path);

describe('a gone and a dead receiver beside a healthy one', () => {
  it('disables the 410 one, fails the dead one after its retries, and keeps the healthy one fast', async () => {
    const transitions = [{ dish: 'g', before: 8, after: 0 }];
    await world.setStock('g', 0);
    await waitFor('the 410 webhook disabled', async () => {
      const listed = await world.api<Webhook[]>('GET', hooksPath());
      return listed.body.find((w) => w.id === gone.id)?.disabled;
    }, 10_000);
    expect(requestsOn('/hooks/gone')).toHaveLength(1);
    expect((await deliveries(gone.id)).map((e) => [e.attempt, e.outcome, e.status])).toEqual([[1, 'gone', 410]]);

    // Now many alerts, while the dead webhook's attempts keep failing and waiting for their retries.
    let delayedSeen = 0;
    for (let i = 0; i < CYCLES; i++) {
      await world.setStock('h', 0);
      await world.setStock('h', 10);
      transitions.push({ dish: 'h', before: 10, after: 0 }, { dish: 'h', before: 0, after: 10 });
      delayedSeen = Math.max(delayedSeen, await notifierMetric(world.notifier, 'notifier_queue_depth', 'state="delayed"'));
      await new Promise((r) => setTimeout(r, 50));
    }
    const expectedOk = expectedAlerts(transitions);
    const expectedDead = expectedAlerts(transitions, { events: ['dish.sold_out'] });
    await waitFor('the healthy alerts', () => world.receiver.accepted(ok.path).length >= expectedOk.length, 10_000);
    expect(delayedSeen, 'the dead webhook had retries waiting meanwhile').toBeGreaterThan(0);

    const okAlerts = world.receiver.accepted(ok.path);
    expect(okAlerts.map((a) => `${a.payload!.data.dish.id}/${a.payload!.type}`).sort()).toEqual(expectedOk.map((a) => `${a.dish}/${a.type}`).sort());
    // From the stock change (the event's time, on this machine's clock) to the receiver.
    const latencies = okAlerts.map((a) => a.at - Date.parse(a.payload!.timestamp)).sort((x, y) => x - y);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    const max = latencies.at(-1)!;
    console.log(`[alerts-dead] healthy alert latency: median ${median} ms, max ${max} ms (dead webhook's retry budget ≥ ${RETRY_BUDGET_MIN_MS} ms, delayed jobs seen ${delayedSeen})`);
    expect(max, 'the slowest healthy alert').toBeLessThan(HEALTHY_MAX_MS);

    // Every dead alert ends failed after exactly its attempts, each refused by the closed port.
    await waitFor('the dead alerts failed', async () => (await deliveries(dead.id)).filter((e) => e.outcome === 'failed').length >= expectedDead.length, 30_000);
    const deadLog = await deliveries(dead.id);
    const byAlert = new Map<string, DeliveryRecord[]>();
    for (const entry of [...deadLog].reverse()) byAlert.set(entry.messageId, [...(byAlert.get(entry.messageId) ?? []), entry]);
    expect(byAlert.size).toBe(expectedDead.length);
    for (const entries of byAlert.values()) {
      expect(entries.map((e) => [e.attempt, e.outcome, e.error])).toEqual([
        [1, 'retrying', 'ECONNREFUSED'], [2, 'retrying', 'ECONNREFUSED'], [3, 'retrying', 'ECONNREFUSED'], [4, 'failed', 'ECONNREFUSED'],
      ]);
      expect(Date.parse(entries[3]!.at) - Date.parse(entries[0]!.at)).toBeGreaterThanOrEqual(RETRY_BUDGET_MIN_MS - 10);
    }
    // Nothing more for the disabled one, though it asked for every sold-out the dead one got.
    expect(requestsOn('/hooks/gone')).toHaveLength(1);
    expect(world.receiver.invalid()).toEqual([]);
    for (const a of okAlerts) expect(world.receiver.acceptedCount(a.messageId)).toBe(1);

    figures.made = expectedOk.length + 1 + expectedDead.length;
    figures.delivered = okAlerts.length;
    figures.retried = deadLog.length - byAlert.size;
    // The gone and dead webhooks' alerts are the receivers' choice, not losses; a healthy alert missing would be one.
    figures.lost = expectedOk.length - okAlerts.length;
    figures.faults = 1 + expectedDead.length;
  });
});
