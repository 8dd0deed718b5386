// A load generator worker's write load (the cluster scenario): broker writes (EventLog.updateDish, the Lua path) to
// restaurants on a Redis Cluster through ioredis Cluster clients, as the dish service makes them.
import { Cluster } from 'ioredis';
import { EventLog } from '@dish-live/broker';
import { Publisher } from '../publisher.js';
import type { WriteLoad, WriteReport, WritersSetup } from './ipc.js';

interface Writers {
  clients: Cluster[];
  publisher: Publisher;
}

const loads = new Map<string, Writers>();

/**
 * Primaries only, as the services read and write (packages/server connectCluster): a replica may lag. Restaurant i
 * writes over connection i % connections, so that with WRITE_MIN_REPLICAS several WAITs are pending at once: a WAIT
 * holds its connection until the replicas answer, and the writes queued behind it on that connection wait too.
 */
export async function openWriters(setup: WritersSetup): Promise<void> {
  await closeWriters(setup.id);
  const nodes = setup.nodes.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
  });
  const clients = Array.from({ length: Math.max(1, setup.connections) }, (_, i) =>
    new Cluster(nodes, { scaleReads: 'master', redisOptions: { connectionName: `bench-writer-${i}` } }),
  );
  const durability = { minReplicas: setup.minReplicas, replicaTimeoutMs: setup.replicaTimeoutMs };
  const logs = setup.restaurants.map((restaurant, i) => new EventLog(clients[i % clients.length]!, { prefix: setup.prefix, restaurant, durability }));
  loads.set(setup.id, { clients, publisher: await Publisher.over(logs, setup.restaurants) });
}

export async function write(id: string, load: WriteLoad): Promise<WriteReport> {
  const writers = loads.get(id);
  if (!writers) throw new Error(`no writers ${id} (open them first)`);
  const started = performance.now();
  const result =
    load.mode === 'saturate'
      ? await writers.publisher.saturate(load.concurrency, load.durationMs)
      : { ...(await writers.publisher.run(load.rate, load.durationMs)), failed: 0 };
  return {
    writes: result.sent,
    failed: result.failed,
    ...('firstError' in result && result.firstError ? { firstError: result.firstError } : {}),
    elapsedMs: performance.now() - started,
    latency: result.writeLatency.toData(),
    versions: Object.fromEntries(writers.publisher.versions),
  };
}

export async function closeWriters(id: string): Promise<void> {
  const writers = loads.get(id);
  loads.delete(id);
  await Promise.all((writers?.clients ?? []).map((c) => c.quit().catch(() => c.disconnect())));
}

export async function closeAllWriters(): Promise<void> {
  await Promise.all([...loads.keys()].map(closeWriters));
}
