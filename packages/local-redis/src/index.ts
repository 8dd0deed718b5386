// Finds a Redis for local runs and tests: a reachable REDIS_URL, or a private redis-server child process, or a private
// Redis Cluster of them.
export { spawnRedisServer, type RedisServerProcess } from './redis-server.js';
export {
  CLUSTER_SLOTS, spawnRedisCluster,
  type ClusterPrimary, type ClusterReplica, type RedisClusterProcess, type SpawnRedisClusterOptions,
} from './redis-cluster.js';
export { restaurantsOnEveryPrimary } from './restaurant-spread.js';
export { isRedisReachable } from './reachable.js';
export { freePort } from './free-port.js';
