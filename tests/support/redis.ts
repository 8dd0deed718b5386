// Gives a test file the run's real Redis (from the global setup) and a key prefix no other file uses: the standalone
// Redis of vitest.global-setup.ts, or, on the cluster pass (vitest.cluster.config.ts), the Redis Cluster of
// vitest.cluster.global-setup.ts.
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { EventLogOptions, RedisClient } from '@dish-live/broker';

// Loaded only inside a test run: the bench imports this kit too, and has no use for vitest.
const vitest = process.env.VITEST ? await import('vitest') : undefined;

/**
 * Durable writes on the cluster pass, as docker-compose.cluster.yml asks for them: a write is acknowledged and
 * published only once a replica holds it. The timeout is the services' default, given to the services and to the
 * tests' own writer alike so the two cannot drift apart.
 */
const CLUSTER_DURABILITY = { minReplicas: 1, replicaTimeoutMs: 1000 } as const;

/** A Redis for a test as the files written for the standalone Redis use it; some build one (a Redis that is down). */
export interface TestRedis {
  /**
   * The standalone Redis's URL. On the cluster pass reading it throws: a plain client on one node would meet MOVED,
   * so a test file run there uses `env` and `connect()` instead.
   */
  readonly url: string;
  /**
   * Prefix for every key and channel this test file touches, ending in ':'. It stands before a restaurant's `{r:<rid>}`
   * hash tag, so on a cluster a restaurant's keys stay in one slot.
   */
  prefix: string;
}

/** The run's Redis, standalone or a cluster, as the test files of both passes use it. */
export interface TestRedisAccess extends TestRedis {
  /** What a service needs to reach this Redis: `REDIS_URL`, or `REDIS_CLUSTER_NODES` with `WRITE_MIN_REPLICAS=1`. */
  env: Record<string, string>;
  /**
   * For an EventLog that writes as the dish service does with `env`: replicas required on the cluster (the gateways,
   * given WRITE_MIN_REPLICAS, read only confirmed events), none on the standalone Redis.
   */
  durability: EventLogOptions['durability'];
  /** A new client of this Redis (a `Redis`, or a `Cluster` reading from primaries); the caller disconnects it. */
  connect: () => RedisClient;
}

export function testRedis(name: string): TestRedisAccess {
  if (!vitest) throw new Error('testRedis() needs the Redis of a vitest run (vitest.global-setup.ts)');
  const prefix = `t:${name}:${randomBytes(4).toString('hex')}:`;
  const nodes = vitest.inject('redisClusterNodes');
  if (!nodes) {
    const url = vitest.inject('redisUrl');
    return { url, prefix, env: { REDIS_URL: url }, durability: undefined, connect: () => new Redis(url) };
  }
  const seeds = nodes.split(',').map((node) => {
    const [host = '', port = ''] = node.split(':');
    return { host, port: Number(port) };
  });
  return {
    get url(): string {
      throw new Error(`testRedis('${name}').url on the cluster pass: use env and connect(), which reach the cluster`);
    },
    prefix,
    env: {
      REDIS_CLUSTER_NODES: nodes,
      WRITE_MIN_REPLICAS: String(CLUSTER_DURABILITY.minReplicas),
      WRITE_REPLICA_TIMEOUT_MS: String(CLUSTER_DURABILITY.replicaTimeoutMs),
    },
    durability: CLUSTER_DURABILITY,
    // Primaries only, as the services read: a replica may not hold an acknowledged write yet.
    connect: () => new Cluster(seeds, { scaleReads: 'master' }),
  };
}
