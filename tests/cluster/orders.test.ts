// Orders through BullMQ on a Redis Cluster (its keys under one hash tag, as BullMQ requires there), in restaurants on
// every primary, with WRITE_MIN_REPLICAS=1: each order applied whole or not at all, once per orderId, its events
// delivered to the restaurant's clients.
import { describe, expect, it } from 'vitest';
import type { OrderOutcome } from '@dish-live/broker';
import { waitFor } from '@dish-live/test-support';
import { connectClients, startSystem, TOKEN, type System } from './system.js';

async function post(system: System, restaurant: string, body: unknown): Promise<{ status: number; body: { status?: string } }> {
  const res = await fetch(`${system.dish.url}/api/restaurants/${restaurant}/orders`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { status?: string } };
}

async function outcome(system: System, restaurant: string, orderId: string): Promise<OrderOutcome | undefined> {
  const res = await fetch(`${system.dish.url}/api/restaurants/${restaurant}/orders/${orderId}`);
  return res.status === 200 ? ((await res.json()) as OrderOutcome) : undefined;
}

describe('orders on a Redis Cluster', () => {
  it('are applied once per orderId, whole or not at all, in restaurants on every primary', async () => {
    const system = await startSystem('cluster-orders', 1);
    // A dish nearly sold out, before anyone watches: the orders below are then the only events clients get.
    for (const log of system.logs.values()) await log.updateDish('d2', { stock: 5 });
    const clients = connectClients(system);
    await waitFor('every client connected', () => clients.every((c) => c.client.connected), 30_000);

    for (const restaurant of system.restaurants) {
      const order = { orderId: `o-${restaurant}`, items: [{ dishId: 'd0', qty: 2 }, { dishId: 'd1', qty: 1 }] };
      expect((await post(system, restaurant, order)).status).toBe(202);
      // The same order again, at once: still one order.
      expect([200, 202]).toContain((await post(system, restaurant, order)).status);
      // One that cannot be filled changes nothing.
      expect((await post(system, restaurant, { orderId: `big-${restaurant}`, items: [{ dishId: 'd0', qty: 1 }, { dishId: 'd2', qty: 10 }] })).status).toBe(202);
    }
    for (const restaurant of system.restaurants) {
      const applied = await waitFor(`${restaurant}: the order applied`, () => outcome(system, restaurant, `o-${restaurant}`), 20_000);
      expect(applied.status).toBe('applied');
      const refused = await waitFor(`${restaurant}: the big order decided`, () => outcome(system, restaurant, `big-${restaurant}`), 20_000);
      expect(refused).toMatchObject({ status: 'rejected', reason: 'out_of_stock', dishId: 'd2' });
      const { dishes } = await system.logs.get(restaurant)!.dishes();
      expect(dishes.map((d) => [d.id, d.stock, d.sold])).toEqual([['d0', 999_998, 2], ['d1', 999_999, 1], ['d2', 5, 0]]);
    }
    // Each client got its restaurant's two sales, once each.
    for (const { id, client } of clients) {
      await client.until(() => client.events.length >= 2, 10_000, `${id}: the two sales`);
      expect(client.events.map((e) => e.type), `${client.kind} ${id}`).toEqual(['dish.sold', 'dish.sold']);
      expect(client.problems).toEqual([]);
    }
    for (const { client } of clients) client.close();
  }, 120_000);
});
