// A live restaurant's slot migrated to another primary, and the gateways' subscriber connections cut and paused, while
// writes and clients run on a Redis Cluster with WRITE_MIN_REPLICAS=1: nothing acknowledged is lost, and every client
// gets every event of its restaurant exactly once, in order.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { deliveryProblems, recordFigures, waitFor, type RecordingClient } from '@dish-live/test-support';
import type { Dish, DishEvent } from '@dish-live/protocol';
import { connectClients, startSystem, writeLoad, type System, type Write } from './system.js';

const stockOf = (e: { data: unknown }) => (e.data as { dish?: Dish }).dish?.stock;

/** Every acknowledged write is in its stream, and every client reached the end of its stream with nothing else wrong. */
async function expectExact(system: System, clients: { id: string; client: RecordingClient }[], writes: Write[]): Promise<void> {
  const streams = new Map<string, DishEvent[]>();
  for (const id of system.restaurants) streams.set(id, await system.logs.get(id)!.range('-', '+', 100_000));
  const lost = writes.filter((w) => w.status === 200 && !streams.get(w.restaurant)!.some((e) => stockOf(e) === w.stock));
  expect(lost, 'acknowledged writes missing from the log').toEqual([]);
  for (const { id, client } of clients) {
    const last = streams.get(id)!.at(-1)!.id;
    await client.until(() => client.lastId === last, 30_000, `${client.kind} ${id}: reaching ${last}`);
  }
  const failures: string[] = [];
  for (const { id, client } of clients) {
    const stream = streams.get(id)!;
    const problems = [...deliveryProblems(client, stream, stream.at(-1)!.id), ...client.problems];
    if (problems.length) failures.push(`${client.kind} ${id}: ${problems.join('; ')} (${client.describe()})`);
  }
  expect(failures).toEqual([]);
}

/** CLUSTER SETSLOT … IMPORTING/MIGRATING, MIGRATE of its keys in batches, then SETSLOT … NODE on every primary. */
async function migrateSlot(system: System, slot: number, toPort: number): Promise<number> {
  const fromPort = await system.cluster.primaryOfSlot(slot);
  const node = (port: number) => new Redis({ host: '127.0.0.1', port, lazyConnect: false });
  const [src, dst] = [node(fromPort), node(toPort)];
  try {
    const [srcId, dstId] = [String(await src.call('CLUSTER', 'MYID')), String(await dst.call('CLUSTER', 'MYID'))];
    await dst.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', srcId);
    await src.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', dstId);
    let moved = 0;
    for (;;) {
      const keys = (await src.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
      if (keys.length === 0) break;
      await src.call('MIGRATE', '127.0.0.1', toPort, '', 0, 5000, 'KEYS', ...keys);
      moved += keys.length;
    }
    await dst.call('CLUSTER', 'SETSLOT', slot, 'NODE', dstId);
    await src.call('CLUSTER', 'SETSLOT', slot, 'NODE', dstId);
    for (const p of await system.cluster.primaries()) {
      if (p.port === fromPort || p.port === toPort) continue;
      const other = node(p.port);
      await other.call('CLUSTER', 'SETSLOT', slot, 'NODE', dstId);
      other.disconnect();
    }
    return moved;
  } finally {
    src.disconnect();
    dst.disconnect();
  }
}

describe('a Redis Cluster that moves under the gateways', () => {
  it('a live restaurant’s slot migrated to another primary while writes and clients run: nothing lost, nothing twice', async () => {
    const system = await startSystem('cluster-migrate', 1);
    const clients = connectClients(system);
    await waitFor('every client connected', () => clients.every((c) => c.client.connected), 30_000);
    const load = writeLoad(system, 300);
    await new Promise((r) => setTimeout(r, 1000));

    const restaurant = system.restaurants[0]!;
    const slot = await system.cluster.slotOf(`{r:${restaurant}}`);
    const from = await system.cluster.primaryOfSlot(slot);
    const to = (await system.cluster.primaries()).find((p) => p.port !== from)!.port;
    const keys = await migrateSlot(system, slot, to);
    expect(await system.cluster.primaryOfSlot(slot)).toBe(to);
    await new Promise((r) => setTimeout(r, 3000));
    const writes = await load.stop();

    expect(writes.filter((w) => w.restaurant === restaurant && w.status === 200).length).toBeGreaterThan(0);
    await expectExact(system, clients, writes);
    console.log(`[cluster slot migration] slot ${slot} of ${restaurant} (${keys} keys) moved ${from} → ${to}; ${writes.length} writes, ${writes.filter((w) => w.status === 200).length} acknowledged`);
    recordFigures(import.meta.url, { faultsInjected: 1, eventsWritten: writes.length, eventsLost: 0, duplicates: 0, connectionsHeld: clients.length, crashes: 0 });
    for (const { client } of clients) client.close();
  }, 120_000);

  it('gateways whose subscriber connections are cut, or whose primary is paused, catch up from the stream', async () => {
    const system = await startSystem('cluster-cut', 1);
    const clients = connectClients(system);
    await waitFor('every client connected', () => clients.every((c) => c.client.connected), 30_000);
    const load = writeLoad(system, 300);
    let cut = 0;
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 700));
      // Every gateway subscriber connection on every primary, killed server-side.
      for (const p of await system.cluster.primaries()) {
        const node = new Redis({ host: '127.0.0.1', port: p.port });
        const list = String(await node.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
        for (const line of list.split('\n')) {
          const id = /\bid=(\d+)\b/.exec(line)?.[1];
          if (id && /\bname=dish-live:feed:/.test(line)) cut += Number(await node.call('CLIENT', 'KILL', 'ID', id));
        }
        node.disconnect();
      }
    }
    const paused = await system.cluster.primaryOfSlot(await system.cluster.slotOf(`{r:${system.restaurants[1]!}}`));
    await system.cluster.pause(paused, 1500);
    await new Promise((r) => setTimeout(r, 2500));
    const writes = await load.stop();

    expect(cut).toBeGreaterThanOrEqual(6);
    await expectExact(system, clients, writes);
    console.log(`[cluster connection cuts] ${cut} subscriber connections killed, primary ${paused} paused 1.5 s; ${writes.length} writes, every client exact`);
    recordFigures(import.meta.url, { faultsInjected: 4, eventsWritten: writes.length, eventsLost: 0, duplicates: 0, connectionsHeld: clients.length, crashes: 0 });
    for (const { client } of clients) client.close();
  }, 120_000);
});
