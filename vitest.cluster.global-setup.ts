// Provides one private Redis Cluster (3 primaries, 1 replica each, AOF on, as docker-compose.cluster.yml runs it) for
// the cluster pass (vitest.cluster.config.ts), stopped when the pass ends. A cluster needs several redis-server
// processes that know each other's addresses, which the single-container route of vitest.global-setup.ts does not give.
import type { TestProject } from 'vitest/node';
import { spawnRedisCluster } from '@dish-live/local-redis';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>,…`, as REDIS_CLUSTER_NODES takes it; only on the cluster pass. */
    redisClusterNodes?: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cluster = await spawnRedisCluster({ onProgress: (message) => console.log(`[tests] Redis Cluster: ${message}`) });
  project.provide('redisClusterNodes', cluster.nodes);
  console.log(`[tests] Redis Cluster: ${cluster.nodes} (pids ${cluster.pids.join(' ')}) ready in ${Date.now() - started} ms`);
  return () => cluster.stop();
}
