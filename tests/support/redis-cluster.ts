// Gives a test file a Redis Cluster of its own (six redis-server processes: 3 primaries, 1 replica each) and a key
// prefix, for the tests that fail nodes over, pause them or count shards; the caller stops it in afterAll.
import { randomBytes } from 'node:crypto';
import { spawnRedisCluster, type RedisClusterProcess, type SpawnRedisClusterOptions } from '@dish-live/local-redis';

export { restaurantsOnEveryPrimary } from '@dish-live/local-redis';

export interface TestRedisCluster {
  /** `127.0.0.1:<port>,…`, as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  /**
   * Prefix for every key and channel this test file touches, ending in ':'. It stands before a restaurant's `{r:<rid>}`
   * hash tag, so it moves no restaurant to another slot.
   */
  prefix: string;
  cluster: RedisClusterProcess;
}

/** Starts the cluster (a few seconds) and tells the test output each step it takes, under the file's name. */
export async function testRedisCluster(name: string, options: SpawnRedisClusterOptions = {}): Promise<TestRedisCluster> {
  const cluster = await spawnRedisCluster({ onProgress: (message) => console.log(`[tests] ${name} cluster: ${message}`), ...options });
  console.log(`[tests] ${name} cluster: REDIS_CLUSTER_NODES=${cluster.nodes} (pids ${cluster.pids.join(' ')})`);
  return { nodes: cluster.nodes, prefix: `t:${name}:${randomBytes(4).toString('hex')}:`, cluster };
}
