// The live restaurants of one hub against a real Redis: loaded once for concurrent first clients, released a grace
// after the last leaves (or kept when one returns), and kept within the memory budget in the promised order.
import { describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { Snapshot } from '@dish-live/protocol';
import { chainOf, connect, eventsOf, hubTestbed, until } from './hub.test-helpers.js';
import { RESTAURANT_OVERHEAD_BYTES } from './live-restaurant.js';

const bed = hubTestbed('fanout-restaurants');

/** A log that counts its snapshot reads (what a load costs) and can hold them. */
class CountingLog extends EventLog {
  snapshots = 0;
  hold: Promise<void> | undefined;

  override async snapshot(now?: number): Promise<Snapshot> {
    this.snapshots++;
    await this.hold;
    return super.snapshot(now);
  }
}

const logOf = (restaurant: string) => new EventLog(bed.redis, { prefix: bed.prefix, restaurant });

/** Subscribers of a restaurant's channel, as Redis counts them. */
async function subscribers(restaurant: string): Promise<number> {
  const reply = (await bed.redis.call('PUBSUB', 'SHARDNUMSUB', logOf(restaurant).keys.channel)) as [string, number];
  return Number(reply[1]);
}

/** Waits until the restaurant's channel has no subscriber left (Redis hears the unsubscribe a moment later). */
async function unsubscribed(restaurant: string): Promise<void> {
  const end = Date.now() + 3000;
  while ((await subscribers(restaurant)) !== 0) {
    if (Date.now() > end) throw new Error(`${restaurant}: still subscribed after 3000 ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function counterValue(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('LiveRestaurants', () => {
  it('loads a restaurant once for concurrent first clients, and subscribes its channel once', async () => {
    const logs = new Map<string, CountingLog>();
    const { hub, metrics } = await bed.startHub({
      logFor: (restaurant) => {
        const log = logs.get(restaurant) ?? new CountingLog(bed.redis, { prefix: bed.prefix, restaurant });
        logs.set(restaurant, log);
        return log;
      },
    });
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    const first = new CountingLog(bed.redis, { prefix: bed.prefix, restaurant: 'shared' });
    first.hold = held;
    logs.set('shared', first);
    const leases = [hub.acquire('shared'), hub.acquire('shared'), hub.acquire('shared')];
    expect(hub.isLive('shared'), 'known as soon as it loads').toBe(true);
    open();
    const granted = await Promise.all(leases);
    expect(first.snapshots).toBe(1);
    expect(await counterValue(metrics.restaurantLoads)).toBe(2); // default (the testbed's) and shared
    expect(await subscribers('shared')).toBe(1);
    for (const lease of granted) lease.release();
    expect(hub.restaurants.get('shared')?.holders).toBe(0);
  });

  it('a load that fails is refused to every client waiting on it, leaves nothing behind, and the next client loads afresh', async () => {
    let failing = true;
    const logs = new Map<string, EventLog>();
    const { hub, metrics } = await bed.startHub({
      logFor: (restaurant) => {
        if (restaurant === 'default') return bed.log;
        const log = new CountingLog(bed.redis, { prefix: bed.prefix, restaurant });
        log.hold = failing ? Promise.reject(new Error('Connection is closed.')) : undefined;
        log.hold?.catch(() => undefined);
        logs.set(restaurant, log);
        return log;
      },
    });
    const waiting = [hub.acquire('flaky'), hub.acquire('flaky')];
    for (const result of await Promise.allSettled(waiting)) expect(result).toMatchObject({ status: 'rejected', reason: { message: 'Connection is closed.' } });
    expect(hub.isLive('flaky')).toBe(false);
    expect(await subscribers('flaky')).toBe(0);
    expect(await counterValue(metrics.restaurantsLive)).toBe(1);
    failing = false;
    (await hub.acquire('flaky')).release();
    const client = connect(hub, {}, 'flaky');
    await until('a snapshot', () => client.sink.frames.length === 1);
    expect(await subscribers('flaky')).toBe(1);
  });

  it('releases a restaurant a grace period after its last client leaves: channel unsubscribed, memory dropped', async () => {
    await logOf('graceful').createDish({ id: 'g', name: 'G', category: 'soup', price: 1, stock: 1 });
    const { hub, metrics } = await bed.startHub({ restaurantGraceMs: 300 });
    (await hub.acquire('graceful')).release();
    // Released lease, no connection yet: the grace runs, and a client arriving within it keeps the restaurant.
    const client = connect(hub, {}, 'graceful');
    await until('the snapshot', () => client.sink.frames.length === 1);
    expect(await subscribers('graceful')).toBe(1);
    hub.disconnect(client.conn);
    const left = performance.now();
    expect(hub.isLive('graceful'), 'still live within the grace').toBe(true);
    await until('the release', () => !hub.isLive('graceful'), 3000);
    expect(performance.now() - left).toBeGreaterThanOrEqual(280);
    await unsubscribed('graceful');
    expect(await counterValue(metrics.restaurantReleases)).toBe(1);
    expect(await counterValue(metrics.restaurantEvictions)).toBe(0);
    expect(await counterValue(metrics.restaurantsLive)).toBe(1); // default, held by the testbed
  });

  it('cancels the release when a client returns within the grace, and loads afresh after one', async () => {
    const log = logOf('returning');
    await log.createDish({ id: 'r', name: 'R', category: 'soup', price: 1, stock: 1 });
    const { hub, metrics } = await bed.startHub({ restaurantGraceMs: 400 });
    const lease = await hub.acquire('returning');
    lease.release();
    const first = connect(hub, {}, 'returning');
    hub.disconnect(first.conn);
    await new Promise((r) => setTimeout(r, 200));
    const back = connect(hub, {}, 'returning');
    await new Promise((r) => setTimeout(r, 400));
    expect(hub.isLive('returning'), 'kept: a client came back within the grace').toBe(true);
    await log.updateDish('r', { stock: 2 });
    await until('the event', () => eventsOf(back.sink).length === 1);
    hub.disconnect(back.conn);
    await until('the release', () => !hub.isLive('returning'), 3000);
    // Back after the release: loaded again, with what happened meanwhile.
    await log.updateDish('r', { stock: 3 });
    (await hub.acquire('returning')).release();
    const later = connect(hub, {}, 'returning');
    await until('a snapshot', () => later.sink.frames.length === 1);
    expect(later.sink.messages[0]).toMatchObject({ type: 'snapshot', dishes: [{ id: 'r', stock: 3 }] });
    expect(await counterValue(metrics.restaurantLoads)).toBe(3); // default, returning twice
  });

  it('over budget releases restaurants without clients, least recently used first, and never one with clients', async () => {
    const { hub: h, metrics } = await bed.startHub({ restaurantGraceMs: 60_000, budgetCheckMs: 60_000 });
    // Room for two empty restaurants besides default (an empty one costs its fixed overhead alone).
    const budget = h.restaurants.estimatedBytes() + 2 * RESTAURANT_OVERHEAD_BYTES + 100;
    h.restaurants.budgetBytes = budget;
    for (const id of ['lru-1', 'lru-2']) (await h.acquire(id)).release();
    const one = connect(h, {}, 'lru-1');
    const two = connect(h, {}, 'lru-2');
    // lru-2's client leaves first, then lru-1's: lru-2 is the least recently used of the idle ones.
    h.disconnect(two.conn);
    await new Promise((r) => setTimeout(r, 5));
    h.disconnect(one.conn);
    expect(h.isLive('lru-2'), 'within budget nothing goes before its grace').toBe(true);
    const three = await h.acquire('lru-3');
    expect(h.isLive('lru-2'), 'the least recently used idle restaurant went').toBe(false);
    expect(h.isLive('lru-1')).toBe(true);
    expect(await counterValue(metrics.restaurantEvictions)).toBe(1);
    await unsubscribed('lru-2');
    const four = await h.acquire('lru-4');
    expect(h.isLive('lru-1'), 'then the next idle one').toBe(false);
    // Everything left has a holder: over budget, nothing more is released.
    const five = await h.acquire('lru-5');
    for (const id of ['default', 'lru-3', 'lru-4', 'lru-5']) expect(h.isLive(id), id).toBe(true);
    expect(await counterValue(metrics.restaurantEvictions)).toBe(2);
    expect(await counterValue(metrics.restaurantReleases)).toBe(2);
    expect(h.restaurants.estimatedBytes()).toBeGreaterThan(budget);
    for (const lease of [three, four, five]) lease.release();
  });

  it('over budget with every restaurant held, shrinks the ring of the least recently used; its resumes stay exact', async () => {
    const logs = { old: logOf('ring-old'), new: logOf('ring-new') };
    for (const log of Object.values(logs)) await log.createDish({ id: 'd', name: 'D', category: 'soup', price: 1, stock: 1 });
    const { hub: h, metrics } = await bed.startHub({ ringSize: 100, budgetCheckMs: 60_000 });
    (await h.acquire('ring-old')).release();
    const old = connect(h, {}, 'ring-old');
    await new Promise((r) => setTimeout(r, 5));
    (await h.acquire('ring-new')).release();
    const fresh = connect(h, {}, 'ring-new');
    const written: Record<'old' | 'new', string[]> = { old: [], new: [] };
    for (let i = 0; i < 40; i++) {
      for (const key of ['old', 'new'] as const) {
        await logs[key].updateDish('d', { stock: 100 + i });
        written[key].push(await logs[key].lastId());
      }
    }
    await until('every event in both', () => eventsOf(old.sink).length === 40 && eventsOf(fresh.sink).length === 40);
    const shrunk = h.restaurants.get('ring-old')!.live.ring;
    const kept = h.restaurants.get('ring-new')!.live.ring;
    expect(shrunk.size).toBe(40);
    // A budget 3/4 of a ring short: only the least recently used restaurant's ring gives way, and only that much.
    const budget = h.restaurants.estimatedBytes() - Math.floor((shrunk.bytes * 3) / 4);
    h.restaurants.budgetBytes = budget;
    h.restaurants.enforceBudget();
    expect(shrunk.capacity, 'the least recently used ring shrank').toBeLessThan(100);
    expect(shrunk.size).toBeLessThanOrEqual(10);
    expect(shrunk.size).toBeGreaterThanOrEqual(9);
    expect(kept.capacity, 'the other one did not').toBe(100);
    expect(kept.size).toBe(40);
    expect(h.restaurants.estimatedBytes()).toBeLessThanOrEqual(budget);
    expect(await counterValue(metrics.restaurantRingShrinks)).toBe(1);
    for (const id of ['ring-old', 'ring-new']) expect(h.isLive(id), 'both keep their clients').toBe(true);
    // It stays that small as events keep coming.
    await logs.old.updateDish('d', { stock: 1 });
    written.old.push(await logs.old.lastId());
    await until('the event', () => eventsOf(old.sink).length === 41);
    expect(shrunk.size).toBe(shrunk.capacity);
    // A resume from before the shrunk ring's oldest event reads Redis: every event once, in order, chained.
    const since = written.old[5]!;
    const resumed = connect(h, { since }, 'ring-old');
    await until('the replay', () => eventsOf(resumed.sink).length === written.old.length - 6);
    expect(eventsOf(resumed.sink).map((e) => e.id)).toEqual(written.old.slice(6));
    expect(chainOf(resumed.sink.messages)).toEqual([]);
  });
});
