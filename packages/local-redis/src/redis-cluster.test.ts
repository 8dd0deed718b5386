// The private Redis Cluster: six real redis-server processes come up healthy, serve a Cluster client, spread restaurants
// over every shard, fail over on their own after a SIGKILL and on request, and leave nothing behind.
import { Cluster, Redis } from 'ioredis';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SLOTS, spawnRedisCluster, type RedisClusterProcess } from './redis-cluster.js';
import { restaurantsOnEveryPrimary } from './restaurant-spread.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a Redis Cluster of redis-server child processes', () => {
  let cluster: RedisClusterProcess;
  let client: Cluster;
  let startedMs: number;

  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await spawnRedisCluster({ onProgress: (message) => console.log(`[cluster] ${message}`) });
    startedMs = Date.now() - t0;
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('comes up with 6 nodes: 3 primaries covering all 16384 slots, each followed by one replica', async () => {
    console.log(`[cluster] healthy ${startedMs} ms after spawnRedisCluster()`);
    expect(cluster.ports).toHaveLength(6);
    expect(cluster.pids).toHaveLength(6);
    expect(cluster.nodes.split(',')).toEqual(cluster.ports.map((port) => `127.0.0.1:${port}`));
    const primaries = await cluster.primaries();
    expect(primaries).toHaveLength(3);
    expect(primaries.flatMap((p) => p.slots).reduce((sum, [from, to]) => sum + to - from + 1, 0)).toBe(CLUSTER_SLOTS);
    const replicas = await cluster.replicas();
    expect(replicas.map((r) => r.primaryPort).sort()).toEqual(primaries.map((p) => p.port).sort());
  });

  it('serves a key written through an ioredis Cluster client', async () => {
    await client.set('{r:a}:probe', 'written');
    expect(await client.get('{r:a}:probe')).toBe('written');
  });

  // With the slots split 0-5460, 5461-10921, 10922-16383: {r:b} is slot 4306, {r:a} 8369, {r:d} 12308, then
  // {r:c} 243, {r:e} 8245, {r:h} 12696.
  it('spreads restaurants b, a, d, c, e, h over the three primaries in turn (CLUSTER KEYSLOT against CLUSTER NODES)', async () => {
    const ids = await restaurantsOnEveryPrimary(cluster, 6);
    expect(ids).toEqual(['b', 'a', 'd', 'c', 'e', 'h']);
    const primaries = (await cluster.primaries()).map((p) => p.port);
    const owners = await Promise.all(ids.map(async (id) => cluster.primaryOfSlot(await cluster.slotOf(`{r:${id}}`))));
    expect(owners).toEqual([...primaries, ...primaries]);
  });

  it('promotes the replica of a SIGKILLed primary by the cluster’s own detection, keeps its data, and takes the node back as a replica', async () => {
    const slot = await cluster.slotOf('{r:a}');
    const victim = await cluster.primaryOfSlot(slot);
    const replica = (await cluster.replicas()).find((r) => r.primaryPort === victim)!.port;
    // Replicated before the kill, so that the promoted replica must have it.
    // SET and WAIT in one pipeline, so both go to the slot's primary on one connection (a lone WAIT on a cluster client
    // goes to any node), until its replica has the key: in a CI run it had not, and the kill took the key with it.
    for (;;) {
      const [, [, acked]] = (await client.pipeline().set('{r:a}:before-kill', 'kept').wait(1, 1000).exec()) as [unknown, [Error | null, number]];
      if (acked >= 1) break;
    }

    const t0 = Date.now();
    await cluster.kill(victim);
    const promoted = await cluster.waitForPromotion(victim, 20_000);
    console.log(`[cluster] ${victim} killed, ${promoted} promoted after ${Date.now() - t0} ms (cluster-node-timeout 2000)`);
    expect(promoted).toBe(replica);
    expect(await cluster.primaryOfSlot(slot)).toBe(replica);
    expect(await client.get('{r:a}:before-kill')).toBe('kept');

    await cluster.restart(victim);
    expect(await cluster.replicas()).toContainEqual(expect.objectContaining({ port: victim, primaryPort: replica }));
  });

  it('failover() swaps a replica and its primary', async () => {
    const [primary] = await cluster.primaries();
    const replica = (await cluster.replicas()).find((r) => r.primaryPort === primary!.port)!.port;
    const t0 = Date.now();
    await cluster.failover(replica);
    console.log(`[cluster] failover of ${primary!.port} to ${replica} in ${Date.now() - t0} ms`);
    expect((await cluster.primaries()).map((p) => p.port)).toContain(replica);
    expect(await cluster.replicas()).toContainEqual(expect.objectContaining({ port: primary!.port, primaryPort: replica }));
    expect(await cluster.primaryOfSlot(primary!.slots[0]![0])).toBe(replica);
  });

  it('pause() holds a node’s clients for the time asked', async () => {
    const [primary] = await cluster.primaries();
    const direct = new Redis({ host: '127.0.0.1', port: primary!.port });
    try {
      await direct.ping();
      await cluster.pause(primary!.port, 600);
      const t0 = Date.now();
      await direct.ping();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    } finally {
      direct.disconnect();
    }
  });

  it('stop() ends every process it started and removes its data', async () => {
    const pids = cluster.pids;
    expect(pids).toHaveLength(6);
    expect(existsSync(cluster.dir)).toBe(true);
    client.disconnect();
    await cluster.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(cluster.pids).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
  });
});
