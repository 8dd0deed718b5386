// A notifier down for longer than the stream keeps: when it comes back its stored place is gone from the log. It must
// not lose the alerts of what happened meanwhile: it alerts each dish's net change from a snapshot (a dish that sold
// out and one that came back; none for a dish that went down and back up), and counts the lost place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAllStarted, recordFigures, startAlertsWorld, waitFor, type AlertsWorld, type RegisteredWebhook,
} from '@dish-live/test-support';

const STREAM_MAXLEN = 100;
let world: AlertsWorld;
let webhook: RegisteredWebhook;
const figures = { made: 0, delivered: 0, lost: 0 };

beforeAll(async () => {
  world = await startAlertsWorld({ name: 'alerts-trimmed', restaurant: 'alerts-trimmed', dishEnv: { STREAM_MAXLEN: String(STREAM_MAXLEN) } });
  await world.createDish('rice', 10);
  await world.createDish('tea', 0);
  await world.createDish('soup', 8);
  await world.createDish('filler', 100);
  webhook = await world.register('/hooks/trimmed', { threshold: 5 });
  world.receiver.behave('/hooks/trimmed', () => 204);
  await world.following();
}, 120_000);

afterAll(async () => {
  recordFigures(import.meta.url, { alertsMade: figures.made, alertsDelivered: figures.delivered, alertsLost: figures.lost });
  await world?.receiver.close();
  await killAllStarted();
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${world.notifier.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('a notifier whose place was trimmed from the log while it was down', () => {
  it("alerts each dish's net change, and nothing twice", async () => {
    const first = world.notifier;
    first.kill('SIGKILL');
    await first.exited;

    await world.setStock('rice', 0); // stock.low + dish.sold_out
    await world.setStock('tea', 12); // dish.back_in_stock
    await world.setStock('soup', 0); // down and back up: no net change, no alert
    await world.setStock('soup', 8);
    // Enough events after them that the notifier's place (and these four) leave the stream.
    for (let i = 0; i < 6 * STREAM_MAXLEN; i++) await world.setStock('filler', 100 + (i % 2));

    const second = await world.startNotifier();
    const path = webhook.path;
    await waitFor('the net changes delivered', () => world.receiver.accepted(path).length >= 3, 30_000, () => second.tail(5));
    // Anything more (an alert of soup, or one made twice) would arrive in this time.
    await new Promise((r) => setTimeout(r, 2000));
    const got = world.receiver.accepted(path).map((a) => `${a.payload!.data.dish.id}/${a.payload!.type}/${a.payload!.data.dish.stock}`);
    expect(got.sort()).toEqual(['rice/dish.sold_out/0', 'rice/stock.low/0', 'tea/dish.back_in_stock/12']);
    expect(new Set(world.receiver.accepted(path).map((a) => a.messageId)).size).toBe(3);
    expect(second.output()).toMatch(/no longer in the log/);
    expect(await metric('notifier_places_lost_total')).toBe(1);

    // And it follows on from the snapshot as usual.
    await world.setStock('rice', 4);
    await waitFor('back in stock after the snapshot', () => world.receiver.accepted(path).length === 4, 10_000);
    figures.made = 4;
    figures.delivered = world.receiver.accepted(path).length;
    figures.lost = figures.made - figures.delivered;
  });
});
