// A name that resolved to a public address at registration and resolves to loopback at delivery is refused by the
// notifier's own check, recorded `refused` naming loopback, never retried, and the receiver gets nothing. Each service
// asks its own DNS stub on 127.0.0.1: the dish service's answers the public address, the notifier's answers 127.0.0.1
// from the start, so no request of the notifier can go anywhere but loopback, and the dish service only resolves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '@dish-live/webhooks';
import {
  killAllStarted, notifierMetric, recordFigures, startAlertsWorld, startDnsStub, waitFor,
  type AlertsWorld, type DnsStub, type RegisteredWebhook,
} from '@dish-live/test-support';

/**
 * The registration answer. Not a documentation address (203.0.113.0/24 and the like): the guard refuses those at
 * registration, as checked below, since no receiver can live there. 192.88.99.0/24 is the deprecated 6to4 relay
 * anycast prefix (RFC 7526): public, outside every blocked range, and never contacted here.
 */
const PUBLIC_AT_REGISTRATION = '192.88.99.7';
const NAME = 'rebind.alerts.test';

let dishDns: DnsStub;
let notifierDns: DnsStub;
let world: AlertsWorld;
let control: RegisteredWebhook;
const figures = { made: 0, delivered: 0, lost: 0, badInputs: 0 };

beforeAll(async () => {
  dishDns = await startDnsStub({ [NAME]: PUBLIC_AT_REGISTRATION, 'docs.alerts.test': '203.0.113.7', 'loop.alerts.test': '127.0.0.1' });
  notifierDns = await startDnsStub({ [NAME]: '127.0.0.1' });
  world = await startAlertsWorld({
    name: 'alerts-rebind',
    restaurant: 'alerts-rebind',
    dishEnv: { WEBHOOK_DNS_SERVERS: dishDns.server },
    notifierEnv: { WEBHOOK_DNS_SERVERS: notifierDns.server },
  });
  await world.createDish('duck', 8);
  control = await world.register('/hooks/control');
}, 60_000);

afterAll(async () => {
  recordFigures(import.meta.url, {
    alertsMade: figures.made, alertsDelivered: figures.delivered, alertsLost: figures.lost, badInputsTried: figures.badInputs,
    crashes: [world?.dish, world?.notifier].filter((p) => p?.crashed()).length,
  });
  await world?.receiver.close();
  await Promise.all([dishDns?.close(), notifierDns?.close()]);
  await killAllStarted();
});

const hooks = () => `/api/restaurants/${world.restaurant}/webhooks`;

describe('a name rebound to loopback after registration', () => {
  it('is refused at delivery, naming loopback, and nothing reaches the receiver', async () => {
    const port = world.receiver.port;
    // The registration check is the real one: loopback and documentation answers are refused there.
    for (const [name, addressClass] of [['loop.alerts.test', 'loopback'], ['docs.alerts.test', 'documentation']]) {
      const res = await world.api<{ reason: string; detail: string }>('POST', hooks(), { url: `http://${name}:${port}/hooks/rebind` });
      expect(res.status, res.text).toBe(422);
      expect(res.body.reason).toBe('blocked-address');
      // The class and the name, never the address the name resolved to.
      expect(res.body.detail).toBe(`${name} resolves to a ${addressClass} address`);
      figures.badInputs++;
    }
    // The name's host:port is not in WEBHOOK_ALLOW_HOSTS (only 127.0.0.1:<port> is): every address it resolves to is checked.
    const rebound = await world.register('/hooks/rebind', { url: `http://${NAME}:${port}/hooks/rebind` });
    expect(dishDns.queries).toContain(NAME);
    await world.following();

    await world.setStock('duck', 0); // stock.low and dish.sold_out, for both webhooks
    await waitFor('the control webhook alerts', () => world.receiver.accepted(control.path).length >= 2, 10_000);
    const log = await waitFor('both refusals logged', async () => {
      const res = await world.api<DeliveryRecord[]>('GET', `${hooks()}/${rebound.id}/deliveries`);
      return res.body.length >= 2 && res.body;
    }, 10_000);
    // Refused is final: no attempt follows.
    await new Promise((r) => setTimeout(r, 1000));
    const after = (await world.api<DeliveryRecord[]>('GET', `${hooks()}/${rebound.id}/deliveries`)).body;
    expect(after).toEqual(log);
    expect(log.map((e) => [e.type, e.attempt, e.outcome, e.status]).sort()).toEqual([
      ['dish.sold_out', 1, 'refused', null], ['stock.low', 1, 'refused', null],
    ]);
    // The class and the name: never the address the name led to, which would map the internal network.
    for (const entry of log) expect(entry.error).toBe(`blocked-address: ${NAME} resolves to a loopback address`);
    expect(notifierDns.queries).toContain(NAME);
    expect(world.receiver.attempts.filter((a) => a.path === '/hooks/rebind')).toEqual([]);
    expect(await notifierMetric(world.notifier, 'notifier_deliveries_total', 'outcome="refused"')).toBe(2);
    // The webhook stays registered (the receiver may fix its DNS); only these deliveries were refused.
    const listed = await world.api<{ id: string; disabled: unknown }[]>('GET', hooks());
    expect(listed.body.find((w) => w.id === rebound.id)?.disabled).toBeNull();

    figures.made = 4;
    figures.delivered = world.receiver.accepted(control.path).length;
    // The refused two are the guard's doing, as intended; the control webhook's two must all arrive.
    figures.lost = 2 - figures.delivered;
  });
});
