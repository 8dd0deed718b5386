// The whole system on a private Redis Cluster for the cluster tests: a cluster of 3 primaries and 3 replicas, 6
// restaurants spread over its primaries (2 each, 3 dishes each), the dish service and both gateways on it, recording
// clients, and writes through the API at a steady rate.
import { Agent, request } from 'node:http';
import { Cluster } from 'ioredis';
import { afterEach } from 'vitest';
import { EventLog, Restaurants } from '@dish-live/broker';
import { restaurantsOnEveryPrimary, spawnRedisCluster, type RedisClusterProcess } from '@dish-live/local-redis';
import { RecordingClient, startDish, startService, type GatewayKind, type ServiceProcess } from '@dish-live/test-support';

export const TOKEN = 'cluster-tests-token-0123456789abcdef';

/** What the current test started, as far as it got. */
let running: { cluster: RedisClusterProcess; redis: Cluster; services: ServiceProcess[] } | undefined;

/** Each test's system goes at its end (or the file's, when a test failed half-way): two clusters never run at once. */
async function stopSystem(): Promise<void> {
  const system = running;
  running = undefined;
  if (!system) return;
  await Promise.all(system.services.map((s) => s.stop()));
  system.redis.disconnect();
  await system.cluster.stop();
}

// Registered by every test file that imports this module.
afterEach(stopSystem);

export interface System {
  cluster: RedisClusterProcess;
  redis: Cluster;
  restaurants: string[];
  logs: Map<string, EventLog>;
  dish: ServiceProcess;
  gateways: Record<GatewayKind, ServiceProcess>;
}

/** A cluster, 6 restaurants (2 per primary, 3 dishes each), a dish service and both gateways on it. */
export async function startSystem(name: string, minReplicas: number): Promise<System> {
  const cluster = await spawnRedisCluster({ nodeTimeoutMs: 2000 });
  const redis = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  running = { cluster, redis, services: [] };
  const prefix = `t:${name}:`;
  const restaurants = await restaurantsOnEveryPrimary(cluster, 6);
  const registry = new Restaurants(redis, prefix);
  const logs = new Map<string, EventLog>();
  for (const id of restaurants) {
    await registry.create(id, id);
    const log = new EventLog(redis, { prefix, restaurant: id });
    logs.set(id, log);
    for (let d = 0; d < 3; d++) await log.createDish({ id: `d${d}`, name: `Dish ${d}`, category: 'c', price: 100, stock: 1_000_000 });
  }
  const env = {
    REDIS_CLUSTER_NODES: cluster.nodes, KEY_PREFIX: prefix, WRITE_MIN_REPLICAS: String(minReplicas), WRITE_REPLICA_TIMEOUT_MS: '500',
    RETRY_MIN_MS: '100', RETRY_MAX_MS: '300',
  };
  const { services } = running;
  const started = <T extends ServiceProcess>(s: T) => (services.push(s), s);
  const [dish, ws, sse] = await Promise.all([
    startDish({ ...env, DISH_API_TOKENS: TOKEN, WRITE_RATE_BURST: '100000', WRITE_RATE_PER_SEC: '100000' }).then(started),
    startService('ws-gateway', env).then(started),
    startService('sse-gateway', env).then(started),
  ]);
  return { cluster, redis, restaurants, logs, dish, gateways: { ws, sse } };
}

/** One client per restaurant and transport, following its restaurant from a snapshot. */
export function connectClients(system: System): { id: string; client: RecordingClient }[] {
  return system.restaurants.flatMap((id) =>
    (['ws', 'sse'] as const).map((kind) => {
      const { port } = system.gateways[kind];
      const url = `${kind === 'ws' ? 'ws' : 'http'}://127.0.0.1:${port}/${kind}/${id}`;
      return { id, client: new RecordingClient(kind, [url]).start() };
    }),
  );
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** PATCH a dish's stock through the API: the status, or 0 when the request itself failed. */
export function patchStock(port: number, restaurant: string, dish: string, stock: number): Promise<number> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ stock });
    const req = request(
      {
        host: '127.0.0.1', port, agent, method: 'PATCH', path: `/api/restaurants/${restaurant}/dishes/${dish}`, timeout: 15_000,
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

export interface Write {
  restaurant: string;
  dish: string;
  stock: number;
  status: number;
}

/**
 * ~`perSecond` writes a second, round robin over the restaurants, each with a stock value no other write uses, until
 * `stop()`; resolves with every write and its status once all have answered.
 */
export function writeLoad(system: System, perSecond: number): { stop: () => Promise<Write[]>; count: () => number } {
  const writes: Promise<Write>[] = [];
  let n = 0;
  const tick = 20;
  const timer = setInterval(() => {
    for (let i = 0; i < (perSecond * tick) / 1000; i++, n++) {
      const restaurant = system.restaurants[n % system.restaurants.length]!;
      const dish = `d${Math.floor(n / system.restaurants.length) % 3}`;
      const stock = 100_000 + n;
      writes.push(patchStock(system.dish.port, restaurant, dish, stock).then((status) => ({ restaurant, dish, stock, status })));
    }
  }, tick);
  return {
    count: () => n,
    async stop() {
      clearInterval(timer);
      return Promise.all(writes);
    },
  };
}
